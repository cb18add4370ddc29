import { ConnectError } from "@connectrpc/connect";

/** The ConnectError `call` failed with; fails the test when it succeeded or threw something else. */
export async function rpcError(call: Promise<unknown>): Promise<ConnectError> {
  const outcome = await call.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!("error" in outcome))
    throw new Error(`expected the call to fail, got ${JSON.stringify(outcome.value)}`);
  if (!(outcome.error instanceof ConnectError)) throw outcome.error;
  return outcome.error;
}
