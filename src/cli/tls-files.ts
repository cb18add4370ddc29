import { readFileSync } from "node:fs";
import type { ServerTls } from "../transport/listener.js";
import { UsageError } from "./usage.js";

/** Where `nenc serve` reads its TLS material (--tls-cert, --tls-key, --tls-client-ca). */
export interface TlsFiles {
  cert?: string | undefined;
  key?: string | undefined;
  clientCa?: string | undefined;
}

/**
 * The certificate, key and client CA the files hold (read again at each call: SIGHUP
 * reloads them); undefined when no certificate is configured. A certificate without
 * its key (or the reverse), or a file that cannot be read, is an error naming the flag.
 */
export function readServerTls(files: TlsFiles): ServerTls | undefined {
  if (!files.cert && !files.key && !files.clientCa) return undefined;
  if (!files.cert || !files.key)
    throw new UsageError(
      "--tls-cert and --tls-key go together (NENC_TLS_CERT, NENC_TLS_KEY): give both, and --tls-client-ca for mTLS",
    );
  return {
    cert: readPem("--tls-cert", files.cert),
    key: readPem("--tls-key", files.key),
    ...(files.clientCa ? { clientCa: readPem("--tls-client-ca", files.clientCa) } : {}),
  };
}

function readPem(flag: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new UsageError(`${flag}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
}
