import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** PEM files of a test PKI, by path. */
export interface TestPki {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

function openssl(dir: string, ...args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
}

/** A new P-256 key, unencrypted: quick to make, and every TLS stack here takes it. */
const NEW_EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

/** A key and a certificate signed by the CA in `dir` (`name`.pem / .key), for a server or a client. */
function issue(dir: string, ca: string, name: string, usage: "serverAuth" | "clientAuth"): void {
  const ext = join(dir, `${name}.ext`);
  const san = usage === "serverAuth" ? "subjectAltName=IP:127.0.0.1,DNS:localhost\n" : "";
  writeFileSync(ext, `${san}extendedKeyUsage=${usage}\n`);
  openssl(dir, "req", ...NEW_EC_KEY, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${name}`);
  const signer = ["-CA", `${ca}.pem`, "-CAkey", `${ca}.key`, "-CAcreateserial", "-days", "2"];
  openssl(dir, "x509", "-req", "-in", `${name}.csr`, ...signer, "-out", `${name}.pem`, "-extfile", ext);
}

/**
 * A fresh CA with a server certificate (127.0.0.1, localhost) and a client
 * certificate, made by `openssl` in a temporary directory. `tag` names a second,
 * separate PKI in the same directory.
 */
export function makePki(dir = mkdtempSync(join(tmpdir(), "nenc-tls-")), tag = ""): TestPki {
  const ca = `ca${tag}`;
  const subject = ["-subj", `/CN=nenc test CA ${tag}`];
  openssl(
    dir,
    "req",
    "-x509",
    ...NEW_EC_KEY,
    "-keyout",
    `${ca}.key`,
    "-out",
    `${ca}.pem`,
    "-days",
    "2",
    ...subject,
  );
  issue(dir, ca, `server${tag}`, "serverAuth");
  issue(dir, ca, `client${tag}`, "clientAuth");
  const path = (file: string) => join(dir, file);
  return {
    dir,
    ca: path(`${ca}.pem`),
    serverCert: path(`server${tag}.pem`),
    serverKey: path(`server${tag}.key`),
    clientCert: path(`client${tag}.pem`),
    clientKey: path(`client${tag}.key`),
  };
}

/** The server TLS options of a PKI, read (as `nenc serve` reads its files). */
export function serverTls(pki: TestPki, mtls = false) {
  return {
    cert: readFileSync(pki.serverCert),
    key: readFileSync(pki.serverKey),
    ...(mtls ? { clientCa: readFileSync(pki.ca) } : {}),
  };
}
