import { Code, ConnectError } from "@connectrpc/connect";
import { useState } from "preact/hooks";
import { api, signIn } from "../api.js";

/** Why a token was not taken, in words: the server's own message otherwise. */
function refusal(error: unknown): string {
  const failure = ConnectError.from(error);
  if (failure.code === Code.Unauthenticated)
    return "This token is not known to the orchestrator, or it expired.";
  if (failure.code === Code.PermissionDenied)
    return "This token cannot read: the dashboard needs one of scope read or admin.";
  return failure.rawMessage;
}

/**
 * Asks for a token when the orchestrator checks them (`nenc serve --auth-tokens`);
 * keeps it for this tab once a reading call with it succeeds.
 */
export function SignIn(props: { onSignedIn: () => void }) {
  const [token, setToken] = useState("");
  const [problem, setProblem] = useState<string>();
  const submit = async (event: Event) => {
    event.preventDefault();
    signIn.set(token.trim());
    try {
      await api.invocations.getActivity({ windowMs: 10_000n });
      props.onSignedIn();
    } catch (error) {
      signIn.clear();
      setProblem(refusal(error));
    }
  };
  return (
    <form class="sign-in" onSubmit={submit} data-testid="sign-in">
      <h1>Sign in</h1>
      <p class="muted">
        This orchestrator checks tokens. Paste one of scope <code>read</code> (or <code>admin</code> for
        actions), as <code>nenc token create --scope read</code> printed it.
      </p>
      <input
        type="password"
        autocomplete="off"
        placeholder="nenc_…"
        value={token}
        onInput={(event) => setToken((event.target as HTMLInputElement).value)}
        data-testid="token"
      />
      <button type="submit" disabled={!token.trim()}>
        Sign in
      </button>
      {problem ? (
        <p class="problem" data-testid="sign-in-problem">
          {problem}
        </p>
      ) : null}
    </form>
  );
}
