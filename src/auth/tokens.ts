import { createHash, randomBytes } from "node:crypto";
import { NencError } from "../domain/errors.js";

/**
 * Access tokens (docs/design.md §6): a secret the client sends as
 * `authorization: Bearer <secret>`, and its record in the tokens file (only a hash
 * of the secret, its name, its scopes, its expiry). Scopes: `admin` (everything),
 * `read` (list, get, explain, metrics, the dashboard read-only), `client:<app>`
 * (invoke that app's tasks, emit events, read that app's invocations),
 * `worker:<app>` (connect as a worker of that app and register it).
 */
export interface TokenRecord {
  name: string;
  /** "sha256:<hex>" of the secret. */
  hash: string;
  scopes: string[];
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601; absent: it never expires. */
  expiresAt?: string;
}

/** The file `nenc serve --auth-tokens FILE` reads and `nenc token` manages. */
export interface TokensFile {
  version: 1;
  tokens: TokenRecord[];
}

/** Every secret starts with this, so that one pasted in the wrong place is recognised. */
const SECRET_PREFIX = "nenc_";
const APP_SCOPE = /^(client|worker):([A-Za-z0-9_.:-]{1,200})$/;

/** Throws INVALID_ARGUMENT naming `scope` unless it is one of the four scopes. */
export function requireScope(scope: string): void {
  if (scope === "admin" || scope === "read" || APP_SCOPE.test(scope)) return;
  throw NencError.invalid(
    "scope",
    `"${scope}" is not a scope; use admin, read, client:<app> or worker:<app> (an app id: letters, digits, _ . : -)`,
  );
}

/** A new secret: the prefix and 32 random bytes, base64url. */
export function newSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString("base64url");
}

/** What the file keeps of a secret. */
export function hashSecret(secret: string): string {
  return `sha256:${createHash("sha256").update(secret).digest("hex")}`;
}

/** Whether `record` has expired at `now` (ms). */
export function isExpired(record: TokenRecord, now: number): boolean {
  return record.expiresAt !== undefined && Date.parse(record.expiresAt) <= now;
}

/** A tokens file's text, checked: throws naming what is wrong (the server then refuses to start). */
export function parseTokensFile(text: string, path: string): TokensFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${path}: not JSON; create it with \`nenc token create --file ${path} --scope admin\``);
  }
  const file = parsed as Partial<TokensFile>;
  if (file?.version !== 1 || !Array.isArray(file.tokens))
    throw new Error(`${path}: not a nenc tokens file (expected {"version": 1, "tokens": [...]})`);
  for (const record of file.tokens) {
    if (typeof record?.name !== "string" || !/^sha256:[0-9a-f]{64}$/.test(String(record.hash)))
      throw new Error(`${path}: token ${JSON.stringify(record?.name)} has no valid name and hash`);
    for (const scope of record.scopes ?? []) requireScope(scope);
  }
  return file as TokensFile;
}

/** "30d", "12h", "90m", "45s" as milliseconds; throws naming `--expires` otherwise. */
export function parseExpiry(text: string): number {
  const match = /^(\d+)([dhms])$/.exec(text.trim());
  const units: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 };
  if (!match || Number(match[1]) <= 0)
    throw NencError.invalid("expires", `"${text}" is not a duration; use e.g. 30d, 12h or 90m`);
  return Number(match[1]) * (units[match[2] as string] as number);
}
