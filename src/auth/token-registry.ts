import { readFileSync, type Stats, unwatchFile, watchFile } from "node:fs";
import type { Logger } from "../domain/logger.js";
import type { Principal } from "./scopes.js";
import { hashSecret, isExpired, parseTokensFile, type TokenRecord } from "./tokens.js";

/** Why a call was not authenticated; `name` when the token is known (an expired one). */
export interface Unauthenticated {
  reason: "no token" | "not a bearer token" | "unknown token" | "expired token";
  name?: string;
}

export type Authentication = { principal: Principal } | { refused: Unauthenticated };

export interface TokenRegistryOptions {
  logger: Logger;
  /** How often the file's metadata is checked for a change (default 1000 ms). */
  pollMs?: number;
  now?: () => number;
}

/**
 * The tokens `nenc serve --auth-tokens FILE` accepts (docs/design.md §6): read at
 * start (a missing or malformed file refuses the start), then again whenever the
 * file changes (`nenc token create|revoke` replace it) or on reload(). A file that
 * no longer parses keeps the previous tokens in force, logged, so that a bad edit
 * never locks every client out nor lets anyone in.
 */
export class TokenRegistry {
  private byHash = new Map<string, TokenRecord>();
  private readonly onChange: (current: Stats, previous: Stats) => void;

  private constructor(
    readonly path: string,
    private readonly options: TokenRegistryOptions,
  ) {
    this.onChange = (current, previous) => {
      if (
        current.mtimeMs !== previous.mtimeMs ||
        current.ino !== previous.ino ||
        current.size !== previous.size
      )
        this.reload();
    };
  }

  /** Reads `path` (throws naming the file and the fix when it cannot) and follows its changes. */
  static open(path: string, options: TokenRegistryOptions): TokenRegistry {
    const registry = new TokenRegistry(path, options);
    registry.byHash = registry.read();
    watchFile(path, { interval: options.pollMs ?? 1_000, persistent: false }, registry.onChange);
    return registry;
  }

  /** Tokens in force. */
  get size(): number {
    return this.byHash.size;
  }

  /** Reads the file again; on failure logs and keeps the tokens in force. Answers whether it took. */
  reload(): boolean {
    try {
      const before = this.byHash.size;
      this.byHash = this.read();
      this.options.logger.info("tokens reloaded", { file: this.path, tokens: this.byHash.size, before });
      return true;
    } catch (error) {
      this.options.logger.error("tokens file not reloaded; the previous tokens stay in force", {
        file: this.path,
        error: error instanceof Error ? error.message : String(error),
      });
      return false;
    }
  }

  /** Who an `authorization` header's bearer token names, or why it names no one. */
  authenticate(header: string | null | undefined): Authentication {
    if (!header) return { refused: { reason: "no token" } };
    const match = /^Bearer +(\S+)\s*$/i.exec(header);
    if (!match) return { refused: { reason: "not a bearer token" } };
    // The map is keyed by the SHA-256 of each secret: looking one up reveals nothing of another.
    const record = this.byHash.get(hashSecret(match[1] as string));
    if (!record) return { refused: { reason: "unknown token" } };
    if (isExpired(record, (this.options.now ?? Date.now)()))
      return { refused: { reason: "expired token", name: record.name } };
    return { principal: { name: record.name, scopes: record.scopes } };
  }

  close(): void {
    unwatchFile(this.path, this.onChange);
  }

  private read(): Map<string, TokenRecord> {
    let text: string;
    try {
      text = readFileSync(this.path, "utf8");
    } catch (error) {
      throw new Error(
        `${this.path}: cannot read the tokens file (${(error as NodeJS.ErrnoException).code ?? String(error)}); create it with \`nenc token create --file ${this.path} --scope admin\``,
      );
    }
    const file = parseTokensFile(text, this.path);
    return new Map(file.tokens.map((record) => [record.hash, record]));
  }
}
