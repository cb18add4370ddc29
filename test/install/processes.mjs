/** Processes of the install test (run.mjs, compose.mjs): one-shot commands, long-running services. */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = fileURLToPath(new URL("../..", import.meta.url));
export const HERE = fileURLToPath(new URL(".", import.meta.url));
/** The test's scratch folder (removed when it passed). */
export const work = mkdtempSync(join(tmpdir(), "nenc-install-"));
const children = new Set();

/** Kills every process still running (a failed test). */
export function killAll() {
  for (const child of children) process.kill(-child.pid, "SIGKILL");
}

/** Runs a command to completion; its output shows on failure. Returns stdout. */
export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: REPO, encoding: "utf8", maxBuffer: 64 << 20, ...options });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(" ")} exited ${result.status}\n${result.stdout ?? ""}\n${result.stderr ?? ""}`,
    );
  }
  return result.stdout;
}

export function step(what) {
  console.log(`--- install test: ${what}`);
}

/** Fails unless `output` has `expected` on one of its lines. */
export function expectLine(output, expected, what) {
  if (!output.split("\n").some((line) => line.trim() === expected))
    throw new Error(`${what}: expected the line "${expected}", got:\n${output}`);
  console.log(`  ✓ ${what}: ${expected}`);
}

/** Starts a long-running process; resolves once a stdout line matches `ready` (or rejects at the deadline). */
export function start(command, args, { ready, env = {}, cwd = work, timeoutMs = 30_000 }) {
  // A process group of its own: stop() signals npx and the orchestrator it started alike.
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  children.add(child);
  child.on("exit", () => children.delete(child));
  let seen = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${command} ${args.join(" ")}: not ready in ${timeoutMs} ms:\n${seen}`)),
      timeoutMs,
    );
    const onData = (chunk) => {
      seen += chunk;
      const match = seen.match(ready);
      if (match) {
        clearTimeout(timer);
        resolve({ child, match, output: () => seen });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (chunk) => {
      seen += chunk;
    });
    child.on("exit", (code) =>
      reject(new Error(`${command} ${args.join(" ")} exited ${code} before it was ready:\n${seen}`)),
    );
  });
}

/** SIGTERM to the child's process group; resolves with its exit code once its output ended too. */
export function stop(child) {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    let code;
    let pending = 2;
    const done = () => --pending === 0 && resolve(code);
    child.once("exit", (exitCode) => {
      code = exitCode;
      done();
    });
    child.stdout.once("close", done);
    process.kill(-child.pid, "SIGTERM");
  });
}

export function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
