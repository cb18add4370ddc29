/**
 * TLS on both ports (SPEC §10, issue 15 item 1): real certificates made by openssl,
 * the SDK and the CLI as clients (NENC_TLS_CA, NENC_TLS_CLIENT_CERT/KEY), mTLS, and
 * certificates reloaded on SIGHUP without dropping a worker's stream.
 */
import { execFile } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { appendFileSync, copyFileSync, readFileSync } from "node:fs";
import { get } from "node:https";
import { connect as tlsConnect } from "node:tls";
import { promisify } from "node:util";
import { Nenc } from "@nenc/sdk";
import type { NencServer } from "nenc/server";
import { afterEach, describe, expect, it } from "vitest";
import { type Replica, startServeProcess } from "../support/replicas.js";
import { startTestServer } from "../support/server.js";
import { makePki, serverTls, type TestPki } from "../support/tls.js";

const run = promisify(execFile);
const CLIENT_TLS_VARS = ["NENC_TLS_CA", "NENC_TLS_CLIENT_CERT", "NENC_TLS_CLIENT_KEY"] as const;

/** Sets the client TLS variables the SDK reads when it opens its connection (the others unset). */
function clientEnv(values: Partial<Record<(typeof CLIENT_TLS_VARS)[number], string>>): void {
  for (const name of CLIENT_TLS_VARS) {
    if (values[name]) process.env[name] = values[name];
    else delete process.env[name];
  }
}

/** GET over HTTPS trusting `ca`: the status and body. */
function httpsGet(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { ca: readFileSync(ca) }, (response) => {
      let body = "";
      response.on("data", (chunk: Buffer) => {
        body += chunk;
      });
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
    }).on("error", reject);
  });
}

/** The SHA-256 fingerprint of the certificate a TLS port presents now. */
function presentedFingerprint(port: number, ca: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect(
      { port, host: "127.0.0.1", ca: ca.map((path) => readFileSync(path)), ALPNProtocols: ["h2"] },
      () => {
        resolve(socket.getPeerCertificate().fingerprint256);
        socket.end();
      },
    );
    socket.on("error", reject);
  });
}

const fingerprintOf = (pem: string) => new X509Certificate(readFileSync(pem)).fingerprint256;

describe("TLS", () => {
  let server: NencServer | undefined;
  let replica: Replica | undefined;
  let apps: Nenc[] = [];
  let pki: TestPki;

  afterEach(async () => {
    for (const app of apps) await app.close();
    apps = [];
    await server?.stop();
    await replica?.stop();
    server = undefined;
    replica = undefined;
    clientEnv({});
  });

  const app = (url: string, appId: string) => {
    const created = new Nenc({ url, appId });
    apps.push(created);
    return created;
  };

  it("serves the SDK over TLS on the gRPC port and metrics over HTTPS on the side port; refuses cleartext", async () => {
    pki = makePki();
    server = await startTestServer({ tls: serverTls(pki) });
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    clientEnv({ NENC_TLS_CA: pki.ca });
    const tls = app(server.url, "secure");
    const double = tls.task("double", async ({ n }: { n: number }) => n * 2);
    await tls.startWorker();
    expect(await (await double.invoke({ n: 21 })).result()).toBe(42);
    const metrics = await httpsGet(`${server.httpUrl}/metrics`, pki.ca);
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('nenc_invocations_total{task="double",status="SUCCESS"} 1');
    // A cleartext client gets no answer from a TLS port.
    const plain = app(server.url.replace("https:", "http:"), "plain");
    await expect(plain.listInvocations()).rejects.toThrow();
  });

  it("with a client CA (mTLS) serves only clients whose certificate it signed", async () => {
    pki = makePki();
    server = await startTestServer({ tls: serverTls(pki, true) });
    clientEnv({ NENC_TLS_CA: pki.ca });
    await expect(app(server.url, "anonymous").listInvocations()).rejects.toThrow();
    clientEnv({
      NENC_TLS_CA: pki.ca,
      NENC_TLS_CLIENT_CERT: pki.clientCert,
      NENC_TLS_CLIENT_KEY: pki.clientKey,
    });
    expect(await app(server.url, "known").listInvocations()).toEqual([]);
    // The CLI reads the same variables.
    const cli = await run(process.execPath, ["bin/nenc.js", "tasks", "--url", server.url], {
      env: process.env,
    });
    expect(JSON.parse(cli.stdout)).toEqual({ tasks: [] });
  });

  it("reloads its certificates on SIGHUP: new connections get the new one, a worker's open stream goes on", async () => {
    pki = makePki();
    const next = makePki(pki.dir, "2");
    // The files nenc serve reads: copied over by the "rotation" below.
    const cert = `${pki.dir}/live.pem`;
    const key = `${pki.dir}/live.key`;
    copyFileSync(pki.serverCert, cert);
    copyFileSync(pki.serverKey, key);
    replica = await startServeProcess(["--tls-cert", cert, "--tls-key", key]);
    const port = Number(new URL(replica.url).port);
    // The clients trust both CAs: before and after the rotation.
    const bundle = `${pki.dir}/bundle.pem`;
    copyFileSync(pki.ca, bundle);
    appendFileSync(bundle, readFileSync(next.ca));
    clientEnv({ NENC_TLS_CA: bundle });
    const worker = app(replica.url, "rotating");
    const echo = worker.task("echo", async ({ n }: { n: number }) => n);
    await worker.startWorker();
    expect(await (await echo.invoke({ n: 1 })).result()).toBe(1);
    expect(await presentedFingerprint(port, [bundle])).toBe(fingerprintOf(pki.serverCert));

    copyFileSync(next.serverCert, cert);
    copyFileSync(next.serverKey, key);
    replica.child.kill("SIGHUP");
    const deadline = Date.now() + 10_000;
    while ((await presentedFingerprint(port, [bundle])) !== fingerprintOf(next.serverCert)) {
      if (Date.now() > deadline) throw new Error("the new certificate was not served within 10 s of SIGHUP");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // The worker's stream, opened under the old certificate, still runs work.
    expect(await (await echo.invoke({ n: 2 })).result()).toBe(2);
  });

  it("refuses a certificate without its key, naming both flags", async () => {
    pki = makePki();
    const failed = await run(process.execPath, [
      "bin/nenc.js",
      "serve",
      "--port",
      "0",
      "--tls-cert",
      pki.serverCert,
    ]).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed?.code).toBe(2);
    expect(failed?.stderr).toContain("--tls-cert and --tls-key go together");
  });
});
