/**
 * (g) Start-up: the orchestrator as the `nenc` package runs it (compiled JavaScript,
 * `node dist/cli.js serve`, after scripts/build.sh) beside the sources through tsx
 * (`node bin/nenc.js serve` in this repository, as every install ran it before the
 * packages were compiled). Each is started several times on the memory store: the
 * time from spawn to its "listening" line, and its idle resident memory one second
 * later, with the processes it started (tsx's esbuild service) counted apart.
 */
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BenchContext } from "../lib/context.js";
import { rssBytes } from "../lib/proc.js";
import { sleep } from "../lib/stats.js";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const RUNS = 5;
const IDLE_MS = 1_000;

/** How the orchestrator is started. */
export interface StartupVariant {
  name: "compiled (dist)" | "tsx (sources)";
  command: string[];
}

export interface StartupResult {
  variant: StartupVariant["name"];
  runs: number;
  /** Spawn to the "listening" line, ms: median, min, max. */
  listeningMs: { median: number; min: number; max: number };
  /** Idle RSS of the orchestrator process, MiB (median). */
  rssMb: number;
  /** Idle RSS of the processes it started (tsx's esbuild), MiB (median). */
  childrenRssMb: number;
}

const VARIANTS: StartupVariant[] = [
  { name: "tsx (sources)", command: ["bin/nenc.js", "serve", "--port", "0"] },
  { name: "compiled (dist)", command: ["dist/cli.js", "serve", "--port", "0"] },
];

export async function runStartup(ctx: BenchContext): Promise<void> {
  ctx.log("(g) start-up: building the packages (scripts/build.sh)");
  const build = spawnSync("bash", ["scripts/build.sh"], { cwd: REPO, encoding: "utf8" });
  if (build.status !== 0) throw new Error(`scripts/build.sh failed:\n${build.stderr}`);
  const results: StartupResult[] = [];
  for (const variant of VARIANTS) {
    const samples: Array<{ listeningMs: number; rss: number; childrenRss: number }> = [];
    for (let i = 0; i < (ctx.quick ? 2 : RUNS); i++) samples.push(await startOnce(variant));
    const times = samples.map((s) => s.listeningMs).sort((a, b) => a - b);
    const result: StartupResult = {
      variant: variant.name,
      runs: samples.length,
      listeningMs: { median: median(times), min: times[0] as number, max: times.at(-1) as number },
      rssMb: median(samples.map((s) => s.rss / 2 ** 20)),
      childrenRssMb: median(samples.map((s) => s.childrenRss / 2 ** 20)),
    };
    results.push(result);
    ctx.log(
      `    ${variant.name}: listening after ${result.listeningMs.median.toFixed(0)} ms (median of ${result.runs}), idle RSS ${result.rssMb.toFixed(0)} MiB + ${result.childrenRssMb.toFixed(0)} MiB in child processes`,
    );
  }
  ctx.results.startup = results;
}

/** One start: until "listening", then a second idle; stopped with SIGTERM. */
async function startOnce(
  variant: StartupVariant,
): Promise<{ listeningMs: number; rss: number; childrenRss: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, variant.command, { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
  try {
    const listeningMs = await new Promise<number>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (chunk) => {
        out += chunk;
        if (/listening on/.test(out)) resolve(performance.now() - started);
      });
      child.once("exit", (code) => reject(new Error(`${variant.command.join(" ")} exited ${code}: ${out}`)));
    });
    await sleep(IDLE_MS);
    const pid = child.pid as number;
    const childrenRss = childPids(pid).reduce((sum, childPid) => sum + rssBytes(childPid), 0);
    return { listeningMs, rss: rssBytes(pid), childrenRss };
  } finally {
    child.kill("SIGTERM");
    await new Promise((resolve) =>
      child.exitCode === null ? child.once("exit", resolve) : resolve(undefined),
    );
  }
}

/** The direct children of a process (Linux /proc). */
function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}
