import { parseArgs } from "node:util";
import { createToken, listTokens, revokeToken } from "../auth/token-store.js";
import { parseExpiry } from "../auth/tokens.js";
import { NencError } from "../domain/errors.js";
import { UsageError, usageError } from "./usage.js";

function parseTokenArgs(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        scope: { type: "string", multiple: true },
        file: { type: "string", default: process.env.NENC_AUTH_TOKENS_FILE },
        name: { type: "string" },
        expires: { type: "string" },
      },
    });
  } catch (error) {
    throw usageError("token", error);
  }
}

/**
 * `nenc token create|list|revoke`: manages the tokens file (docs/design.md §6). The
 * file keeps hashes only; `create` prints the secret once.
 */
export function runTokenCommand(argv: string[]): void {
  try {
    runTokenAction(argv);
  } catch (error) {
    // Bad input on the command line (a scope, a name, a duration) exits 2, as other usage errors.
    if (error instanceof NencError && error.code === "INVALID_ARGUMENT") {
      const named = error.message.startsWith(`${error.field}:`);
      throw new UsageError(named ? `--${error.message}` : `--${error.field}: ${error.message}`);
    }
    throw error;
  }
}

function runTokenAction(argv: string[]): void {
  const { values, positionals } = parseTokenArgs(argv);
  const [action, target] = positionals;
  const file = values.file;
  if (!file) throw new UsageError("--file is required (or NENC_AUTH_TOKENS_FILE): the tokens file");
  const now = Date.now();
  if (action === "create") {
    const { secret, record } = createToken(file, {
      scopes: values.scope ?? [],
      ...(values.name ? { name: values.name } : {}),
      ...(values.expires ? { expiresInMs: parseExpiry(values.expires) } : {}),
      now,
    });
    console.error(
      `token "${record.name}" (${record.scopes.join(", ")}) added to ${file}; its secret, shown once:`,
    );
    console.log(secret);
    return;
  }
  if (action === "list") {
    console.log(JSON.stringify(listTokens(file, now), null, 2));
    return;
  }
  if (action === "revoke") {
    if (!target) throw new UsageError("revoke needs the token's name: nenc token revoke NAME --file F");
    revokeToken(file, target);
    console.error(`token "${target}" revoked`);
    return;
  }
  throw new UsageError(`"${action ?? ""}" is not a token action; use create, list or revoke`);
}
