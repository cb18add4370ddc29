import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { NencError } from "../domain/errors.js";
import {
  hashSecret,
  isExpired,
  newSecret,
  parseTokensFile,
  requireScope,
  type TokenRecord,
  type TokensFile,
} from "./tokens.js";

/** Reads a tokens file; a missing one is empty (`nenc token create` makes it). */
export function readTokens(path: string): TokensFile {
  if (!existsSync(path)) return { version: 1, tokens: [] };
  return parseTokensFile(readFileSync(path, "utf8"), path);
}

/** Replaces the file in one step (a reader sees the old or the new file, never half), readable by its owner only. */
export function writeTokens(path: string, file: TokensFile): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, path);
}

export interface NewToken {
  scopes: readonly string[];
  /** Default: token-<n>. */
  name?: string;
  /** Default: never. */
  expiresInMs?: number;
  now: number;
}

/** Appends a token to the file; answers its secret (stored nowhere: shown once) and record. */
export function createToken(path: string, token: NewToken): { secret: string; record: TokenRecord } {
  if (token.scopes.length === 0)
    throw NencError.invalid("scope", "is required: give --scope admin, read, client:<app> or worker:<app>");
  for (const scope of token.scopes) requireScope(scope);
  const file = readTokens(path);
  const name = token.name ?? `token-${file.tokens.length + 1}`;
  if (!/^[A-Za-z0-9_.:-]{1,100}$/.test(name))
    throw NencError.invalid("name", `"${name}" may use letters, digits and _ . : - (at most 100)`);
  if (file.tokens.some((record) => record.name === name))
    throw NencError.invalid(
      "name",
      `a token named "${name}" exists; revoke it first or choose another --name`,
    );
  const secret = newSecret();
  const record: TokenRecord = {
    name,
    hash: hashSecret(secret),
    scopes: [...new Set(token.scopes)],
    createdAt: new Date(token.now).toISOString(),
    ...(token.expiresInMs === undefined
      ? {}
      : { expiresAt: new Date(token.now + token.expiresInMs).toISOString() }),
  };
  writeTokens(path, { version: 1, tokens: [...file.tokens, record] });
  return { secret, record };
}

/** The tokens of the file as `nenc token list` shows them: no hash, whether each has expired. */
export function listTokens(path: string, now: number) {
  return readTokens(path).tokens.map((record) => {
    const { hash: _hash, ...shown } = record;
    return { ...shown, expired: isExpired(record, now) };
  });
}

/** Removes a token by name; NOT_FOUND when the file has none by that name. */
export function revokeToken(path: string, name: string): void {
  const file = readTokens(path);
  const kept = file.tokens.filter((record) => record.name !== name);
  if (kept.length === file.tokens.length)
    throw NencError.notFound("token", name, `see nenc token list --file ${path}`);
  writeTokens(path, { version: 1, tokens: kept });
}
