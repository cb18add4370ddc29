/**
 * The tokens file and `nenc token` (issue 15 item 2, first part): secrets are shown
 * once and stored as hashes; list never shows them; revoke removes; bad input exits 2
 * naming the flag; the registry the orchestrator checks calls against finds live ones only.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { TokenRegistry } from "../../src/auth/token-registry.js";
import { readTokens } from "../../src/auth/token-store.js";
import { hashSecret } from "../../src/auth/tokens.js";
import { silentLogger } from "../../src/domain/logger.js";

const run = promisify(execFile);
const nenc = (...args: string[]) => run(process.execPath, ["bin/nenc.js", "token", ...args]);
const failing = (...args: string[]) =>
  nenc(...args).then(
    () => ({ code: 0, stderr: "" }),
    (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
  );

describe("nenc token", () => {
  it("creates tokens whose secret is printed once and stored only as a hash; lists and revokes them", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "nenc-tokens-")), "tokens.json");
    const ops = (await nenc("create", "--scope", "admin", "--file", file, "--name", "ops")).stdout.trim();
    const shop = (
      await nenc("create", "--scope", "client:shop", "--scope", "read", "--file", file, "--expires", "30d")
    ).stdout.trim();
    expect(ops).toMatch(/^nenc_[A-Za-z0-9_-]{43}$/);
    const text = readFileSync(file, "utf8");
    expect(text).not.toContain(ops);
    expect(text).not.toContain(shop);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const stored = readTokens(file);
    expect(stored.tokens.map((t) => [t.name, t.hash, t.scopes])).toEqual([
      ["ops", hashSecret(ops), ["admin"]],
      ["token-2", hashSecret(shop), ["client:shop", "read"]],
    ]);
    // Two valid at once (rotation); an expired one is no longer found.
    const now = { ms: Date.now() };
    const registry = TokenRegistry.open(file, { logger: silentLogger, now: () => now.ms });
    expect(registry.authenticate(`Bearer ${ops}`)).toEqual({ principal: { name: "ops", scopes: ["admin"] } });
    expect(registry.authenticate(`bearer ${shop}`)).toEqual({
      principal: { name: "token-2", scopes: ["client:shop", "read"] },
    });
    expect(registry.authenticate("Bearer nenc_not-a-token")).toEqual({
      refused: { reason: "unknown token" },
    });
    expect(registry.authenticate(`Basic ${ops}`)).toEqual({ refused: { reason: "not a bearer token" } });
    expect(registry.authenticate(undefined)).toEqual({ refused: { reason: "no token" } });
    now.ms += 31 * 86_400_000;
    expect(registry.authenticate(`Bearer ${shop}`)).toEqual({
      refused: { reason: "expired token", name: "token-2" },
    });
    registry.close();

    const listed = JSON.parse((await nenc("list", "--file", file)).stdout) as Array<Record<string, unknown>>;
    expect(listed.map((t) => [t.name, t.scopes, t.expired])).toEqual([
      ["ops", ["admin"], false],
      ["token-2", ["client:shop", "read"], false],
    ]);
    expect(JSON.stringify(listed)).not.toContain("sha256:");
    await nenc("revoke", "ops", "--file", file);
    expect(readTokens(file).tokens.map((t) => t.name)).toEqual(["token-2"]);
  });

  it("refuses bad input with exit 2 naming the flag and the fix", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "nenc-tokens-")), "tokens.json");
    expect(await failing("create", "--scope", "owner", "--file", file)).toEqual({
      code: 2,
      stderr:
        'nenc token: --scope: "owner" is not a scope; use admin, read, client:<app> or worker:<app> (an app id: letters, digits, _ . : -)\n',
    });
    expect(
      (await failing("create", "--scope", "read", "--file", file, "--expires", "soon")).stderr,
    ).toContain('--expires: "soon" is not a duration; use e.g. 30d, 12h or 90m');
    expect((await failing("create", "--scope", "read")).stderr).toContain("--file is required");
    await nenc("create", "--scope", "read", "--file", file, "--name", "dup");
    expect((await failing("create", "--scope", "read", "--file", file, "--name", "dup")).stderr).toContain(
      'a token named "dup" exists',
    );
    expect(await failing("revoke", "nobody", "--file", file)).toMatchObject({ code: 1 });
  });
});
