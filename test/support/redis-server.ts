import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** True when `redis-server` is on PATH. */
export function hasRedisServer(): boolean {
  return spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status === 0;
}

/** A free TCP port on loopback (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  /** The running server's process id (0 when it is not running). */
  readonly pid: number;
  /** kill -9 the server (its AOF, if any, stays). */
  kill(): Promise<void>;
  /** Starts it again on the same port and directory (AOF replayed). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts `redis-server` from PATH on an ephemeral loopback port, in a temporary
 * directory; with `appendonly`, every write is fsynced to an AOF there.
 */
export async function startRedisServer(
  options: { appendonly?: boolean; extraArgs?: readonly string[] } = {},
): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "nenc-redis-"));
  let child: ChildProcess | undefined;
  const launch = async () => {
    const args = ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", ""];
    args.push(
      ...(options.appendonly ? ["--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"]),
      ...(options.extraArgs ?? []),
    );
    const process_ = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
    child = process_;
    await new Promise<void>((resolve, reject) => {
      let output = "";
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("Ready to accept connections")) {
          process_.stdout?.off("data", onData);
          process_.stdout?.resume(); // Its later log lines must not fill the pipe and stall it.
          resolve();
        }
      };
      process_.stdout?.on("data", onData);
      process_.once("exit", (code) => reject(new Error(`redis-server exited with ${code}: ${output}`)));
    });
  };
  const waitExit = async () => {
    const current = child;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    await new Promise((resolve) => current.once("exit", resolve));
  };
  await launch();
  // Never outlive this process, even when it exits without stopping the server.
  process.on("exit", () => child?.kill("SIGKILL"));
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get pid() {
      return child && child.exitCode === null && child.signalCode === null ? (child.pid ?? 0) : 0;
    },
    async kill() {
      child?.kill("SIGKILL");
      await waitExit();
    },
    async restart() {
      await launch();
    },
    async stop() {
      child?.kill("SIGKILL");
      await waitExit();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
