/**
 * What every example shares: an in-process orchestrator on the memory store (no
 * separately started server), an app connected to it, and checks that make the
 * example exit non-zero when a triggered task did not run as the seed says.
 */
import { deepStrictEqual } from "node:assert/strict";
import { type InvocationInfo, Nenc } from "@nenc/sdk";
import { type NencServer, type NencServerOptions, startNencServer } from "nenc/server";

export async function runExample(
  title: string,
  appId: string,
  body: (app: Nenc, server: NencServer) => Promise<void>,
  options: NencServerOptions = {},
): Promise<void> {
  const server = await startNencServer({ port: Number(process.env.NENC_PORT ?? 0), ...options });
  const app = new Nenc({ url: server.url, appId });
  let failure: unknown;
  try {
    await body(app, server);
  } catch (error) {
    failure = error;
  } finally {
    await app.close();
    await server.stop();
  }
  if (failure) {
    console.error(`✘ ${title}: ${failure instanceof Error ? failure.message : String(failure)}`);
    process.exit(1);
  }
  console.log(`✔ ${title}`);
}

/** Waits until every occurrence was evaluated and every invocation finished. */
export function settle(server: NencServer): Promise<void> {
  return server.orchestrator.settled(15_000);
}

/** The successful invocations of a task, oldest first. */
export async function runsOf(app: Nenc, taskId: string): Promise<InvocationInfo[]> {
  return (await app.listInvocations({ taskId, status: "SUCCESS", limit: 1000 })).reverse();
}

/** Throws (so the example exits 1) when `actual` is not deeply equal to `expected`. */
export function expectEqual(actual: unknown, expected: unknown, what: string): void {
  try {
    deepStrictEqual(actual, expected);
  } catch {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
  console.log(`  ✓ ${what}`);
}
