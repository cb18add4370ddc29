/**
 * Starting orchestrators for the benchmark: one in a child process of its own
 * (orchestrator-child.ts, driven over IPC), or `nenc serve --redis` replicas
 * (bin/nenc.js, exactly what operators run).
 */
import { type ChildProcess, fork, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
/** The repository root: the working directory of every process started here. */
export const REPO_ROOT = join(HERE, "..", "..");

/** Every process started here, killed on exit whatever happens (nothing is left running). */
const children = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});

function track(child: ChildProcess): void {
  children.add(child);
  child.once("exit", () => children.delete(child));
}

/** Where a started process writes its CPU profile (`--cpu-prof`). */
export interface ProfileOptions {
  /** Write a V8 CPU profile of the orchestrator process into this directory. */
  dir: string;
  name: string;
}

/** An orchestrator in a child process: its address, and its in-process API by IPC (`call`). */
export interface ChildOrchestrator {
  readonly url: string;
  readonly pid: number;
  readonly store: "memory" | "redis";
  readonly redisPrefix?: string;
  call<T = unknown>(cmd: string, args?: Record<string, unknown>): Promise<T>;
  /** Graceful stop (drain), then the process exits; killed after `graceMs` (default 20 s). */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL at once, as a crash. Resolves when the process is gone. */
  kill(): Promise<void>;
}

/** A child orchestrator's options: the Redis store when `redisUrl` is set, else the memory store. */
interface ChildOrchestratorOptions {
  redisUrl?: string;
  redisPrefix?: string;
  profile?: ProfileOptions;
  /** Store retention (see src/store/retention.ts). */
  retention?: Record<string, number>;
  /** false: no HTTP side port and no metrics kept (default: on, as `nenc serve`). */
  metrics?: boolean;
}

/** Forks orchestrator-child.ts under tsx with its store config as the one argument. */
function forkOrchestratorChild(options: ChildOrchestratorOptions): ChildProcess {
  const execArgv = ["--import", "tsx"];
  if (options.profile) {
    // One directory per process: the module loader thread of tsx writes a profile of its own there too.
    const dir = join(options.profile.dir, options.profile.name);
    mkdirSync(dir, { recursive: true });
    execArgv.push("--cpu-prof", `--cpu-prof-dir=${dir}`);
  }
  const config = {
    ...(options.redisUrl ? { redisUrl: options.redisUrl } : {}),
    ...(options.redisPrefix ? { redisPrefix: options.redisPrefix } : {}),
    ...(options.retention ? { retention: options.retention } : {}),
    ...(options.metrics === false ? { metrics: false } : {}),
  };
  const child: ChildProcess = fork(join(HERE, "orchestrator-child.ts"), [JSON.stringify(config)], {
    execArgv,
    cwd: REPO_ROOT,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  track(child);
  return child;
}

/** What the child sends: one `ready` message once it listens, then one reply per command. */
interface ChildMessage {
  ready?: boolean;
  url: string;
  pid: number;
  store: "memory" | "redis";
  id: number;
  ok: boolean;
  value: unknown;
  error: string;
}

/**
 * Commands to the child over IPC, each reply matched to its command by id. Every command
 * still waiting fails when the child exits, so no caller hangs on a dead process.
 */
function commandChannel(child: ChildProcess, exited: Promise<void>) {
  let nextId = 1;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  const ready = new Promise<{ url: string; pid: number; store: "memory" | "redis" }>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`orchestrator process exited early (${code})`)));
    child.on("message", (raw) => {
      const message = raw as ChildMessage;
      if (message.ready) return resolve(message);
      const waiter = pending.get(message.id);
      if (!waiter) return;
      pending.delete(message.id);
      if (message.ok) waiter.resolve(message.value);
      else waiter.reject(new Error(`orchestrator: ${message.error}`));
    });
  });
  void exited.then(() => {
    for (const waiter of pending.values()) waiter.reject(new Error("orchestrator process exited"));
    pending.clear();
  });
  return {
    ready,
    call<T>(cmd: string, args: Record<string, unknown>): Promise<T> {
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        child.send({ id, cmd, ...args });
      });
    },
    /** Sends a command whose reply nobody waits for (the process exit is the answer). */
    notify(cmd: string): void {
      child.send({ id: nextId++, cmd });
    },
  };
}

/**
 * Starts an orchestrator in a child process of its own (memory store, or Redis with
 * `redisUrl`) and resolves once it listens, so its CPU and memory are measured apart
 * from the workers and producers in this process.
 */
export async function startChildOrchestrator(
  options: ChildOrchestratorOptions = {},
): Promise<ChildOrchestrator> {
  const child = forkOrchestratorChild(options);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const channel = commandChannel(child, exited);
  const info = await channel.ready;
  return {
    url: info.url,
    pid: info.pid,
    store: info.store,
    ...(options.redisPrefix ? { redisPrefix: options.redisPrefix } : {}),
    call<T>(cmd: string, args: Record<string, unknown> = {}): Promise<T> {
      return channel.call<T>(cmd, args);
    },
    async stop(graceMs = 20_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      channel.notify("stop");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGKILL");
      await exited;
    },
  };
}

/** A `nenc serve --redis` process, as operators run it. */
export interface Replica {
  readonly url: string;
  readonly pid: number;
  /** SIGTERM (drain), killed after `graceMs` (default 20 s). */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL at once, as a crash: nothing drains. Resolves when the process is gone. */
  kill(): Promise<void>;
}

/** `node bin/nenc.js serve --port 0 --redis <url> --redis-prefix <prefix>`. */
export async function startReplica(
  redisUrl: string,
  prefix: string,
  profile?: ProfileOptions,
): Promise<Replica> {
  const args: string[] = [];
  if (profile) {
    const dir = join(profile.dir, profile.name);
    mkdirSync(dir, { recursive: true });
    args.push("--cpu-prof", `--cpu-prof-dir=${dir}`);
  }
  args.push("bin/nenc.js", "serve", "--port", "0", "--redis", redisUrl, "--redis-prefix", prefix);
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    // NENC_BENCH_LOG_LEVEL=info shows what the replicas log (takeovers, membership changes).
    env: { ...process.env, NENC_LOG_LEVEL: process.env.NENC_BENCH_LOG_LEVEL ?? "error" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  track(child);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("a replica did not listen within 30 s")), 30_000);
    child.once("exit", (code) => reject(new Error(`replica exited early (${code})`)));
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const match = line.includes("listening") ? line.match(/http:\/\/\S+/) : null;
      if (match) {
        clearTimeout(timer);
        resolve(match[0]);
      }
    });
  });
  return {
    url,
    pid: child.pid ?? 0,
    async stop(graceMs = 20_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGKILL");
      await exited;
    },
  };
}
