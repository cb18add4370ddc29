import { readFileSync } from "node:fs";
import type { SecureClientSessionOptions } from "node:http2";

/**
 * The TLS options a client of an `https://` orchestrator URL connects with: the CA
 * to trust (NENC_TLS_CA; default: the system's) and, for mTLS, its own certificate
 * and key (NENC_TLS_CLIENT_CERT, NENC_TLS_CLIENT_KEY), each a PEM file path.
 * Undefined for an `http://` URL. A file that cannot be read, or a certificate
 * without its key, throws naming the variable.
 */
export function clientTlsOptions(
  url: string,
  env: NodeJS.ProcessEnv = process.env,
): SecureClientSessionOptions | undefined {
  if (!url.startsWith("https:")) return undefined;
  const read = (name: string): Buffer | undefined => {
    const path = env[name];
    if (!path) return undefined;
    try {
      return readFileSync(path);
    } catch (error) {
      throw new Error(`${name}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? error})`);
    }
  };
  const ca = read("NENC_TLS_CA");
  const cert = read("NENC_TLS_CLIENT_CERT");
  const key = read("NENC_TLS_CLIENT_KEY");
  if (Boolean(cert) !== Boolean(key))
    throw new Error("NENC_TLS_CLIENT_CERT and NENC_TLS_CLIENT_KEY go together: set both (mTLS) or neither");
  return { ...(ca ? { ca } : {}), ...(cert && key ? { cert, key } : {}) };
}
