/**
 * Who a caller is once its token is checked, and what its scopes allow
 * (docs/design.md §6). Scopes: `admin` (everything), `read` (every get, list and
 * explain), `client:<app>` (that app's tasks, triggers and invocations; emitting
 * events), `worker:<app>` (registering that app and serving it as a worker).
 */
export interface Principal {
  /** The token's name: what logs and audit lines say instead of the secret. */
  readonly name: string;
  readonly scopes: readonly string[];
}

/** What a call needs of its caller. */
export type Need =
  | { kind: "admin" }
  /** `read` (or admin). */
  | { kind: "read" }
  /** `read`, or client of `app` (its own invocations, triggers and tasks). */
  | { kind: "readOf"; app: string }
  | { kind: "client"; app: string }
  /** Any `client:<app>` scope (events are not any one app's). */
  | { kind: "anyClient" }
  | { kind: "worker"; app: string };

export const NEED_ADMIN: Need = { kind: "admin" };
export const NEED_READ: Need = { kind: "read" };
export const NEED_ANY_CLIENT: Need = { kind: "anyClient" };

/** Whether `principal`'s scopes grant `need`. */
export function allows(principal: Principal, need: Need): boolean {
  const scopes = principal.scopes;
  if (scopes.includes("admin")) return true;
  switch (need.kind) {
    case "admin":
      return false;
    case "read":
      return scopes.includes("read");
    case "readOf":
      return scopes.includes("read") || scopes.includes(`client:${need.app}`);
    case "client":
      return scopes.includes(`client:${need.app}`);
    case "anyClient":
      return scopes.some((scope) => scope.startsWith("client:"));
    case "worker":
      return scopes.includes(`worker:${need.app}`);
  }
}

/** The scopes that grant `need`, as an error message lists them: "admin or client:billing". */
export function describeNeed(need: Need): string {
  switch (need.kind) {
    case "admin":
      return "admin";
    case "read":
      return "admin or read";
    case "readOf":
      return `admin, read or client:${need.app}`;
    case "client":
      return `admin or client:${need.app}`;
    case "anyClient":
      return "admin or a client:<app> scope";
    case "worker":
      return `admin or worker:${need.app}`;
  }
}
