/**
 * Safe by default (SPEC §6, issue 15 items 2 and 4), as `nenc serve` runs: without
 * tokens it listens on loopback only, and a wider bind refuses to start unless told
 * --insecure; with --auth-tokens, the CLI gets in with NENC_TOKEN and not without.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { writeTokensFile } from "../support/auth.js";
import { type Replica, startServeProcess } from "../support/replicas.js";

const run = promisify(execFile);
/** Runs the CLI; resolves with its exit code, stdout and stderr whether or not it failed. */
const nenc = (args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, ["bin/nenc.js", ...args], { env: { ...process.env, ...env } }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  );

describe("nenc serve, safe by default", () => {
  let replica: Replica | undefined;

  afterEach(async () => {
    await replica?.stop();
    replica = undefined;
  });

  it("refuses to listen beyond loopback without tokens, naming --auth-tokens and --insecure", async () => {
    const refused = await nenc(["serve", "--port", "0", "--host", "0.0.0.0"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("--host 0.0.0.0: listening beyond loopback lets anyone");
    expect(refused.stderr).toContain("give --auth-tokens FILE");
    expect(refused.stderr).toContain("or --insecure if the network itself is trusted");
    // The environment variables say the same.
    expect((await nenc(["serve", "--port", "0"], { NENC_HOST: "::" })).code).toBe(2);
  });

  it("listens on loopback by default, and beyond it when told --insecure or given tokens", async () => {
    replica = await startServeProcess(["--http-port", "off"]);
    expect(replica.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await replica.stop();
    // (Its URL names loopback, where this machine reaches an all-interfaces bind.)
    replica = await startServeProcess(["--http-port", "off", "--host", "0.0.0.0", "--insecure"]);
    expect((await nenc(["health", "--url", replica.url])).code).toBe(0);
    await replica.stop();
    const { file } = writeTokensFile({ ops: ["admin"] });
    replica = await startServeProcess(["--http-port", "off"], {
      NENC_HOST: "0.0.0.0",
      NENC_AUTH_TOKENS_FILE: file,
    });
    expect((await nenc(["health", "--url", replica.url])).code).toBe(0);
  });

  it("with --auth-tokens, the CLI gets in with NENC_TOKEN and is refused without it", async () => {
    const { file, secrets } = writeTokensFile({ ops: ["admin"], viewer: ["read"] });
    replica = await startServeProcess(["--http-port", "off", "--auth-tokens", file]);
    const url = replica.url;
    const without = await nenc(["list", "--url", url]);
    expect(without.code).toBe(1);
    expect(without.stderr).toContain("needs a token: no token");
    const viewer = await nenc(["list", "--url", url], { NENC_TOKEN: secrets.viewer as string });
    expect([viewer.code, JSON.parse(viewer.stdout)]).toEqual([0, { invocations: [] }]);
    const emit = await nenc(["emit", "paid", "--url", url], { NENC_TOKEN: secrets.viewer as string });
    expect(emit.stderr).toContain('needs scope admin or a client:<app> scope; token "viewer" has read');
    // Health stays open: load balancers and the image's HEALTHCHECK carry no token.
    expect((await nenc(["health", "--url", url])).code).toBe(0);
  });

  it("refuses to start on a tokens file it cannot read, naming the file and how to make one", async () => {
    const refused = await nenc(["serve", "--port", "0", "--auth-tokens", "/nonexistent/tokens.json"]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(
      "/nonexistent/tokens.json: cannot read the tokens file (ENOENT); create it with `nenc token create --file /nonexistent/tokens.json --scope admin`",
    );
  });
});
