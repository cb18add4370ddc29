/** Per-process CPU time and RSS from /proc (Linux), for processes the benchmark started. */
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { sleep } from "./stats.js";

const TICKS_PER_SECOND = 100;

/** User + system CPU seconds the process used so far (0 when it is gone). */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may contain spaces) start after the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** Resident set size in bytes (0 when the process is gone). */
export function rssBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    return Number(status.match(/VmRSS:\s+(\d+) kB/)?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/**
 * Waits until the processes together use less than `maxShare` of one core over
 * `windowMs`, or `timeoutMs` passed. Returns how long it waited (ms).
 */
export async function waitForQuiet(
  pids: readonly number[],
  maxShare: number,
  windowMs: number,
  timeoutMs: number,
): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const before = pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
    await sleep(windowMs);
    const after = pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
    if ((after - before) / (windowMs / 1000) < maxShare) break;
  }
  return Date.now() - started;
}

/** Peak resident set size in MiB (VmHWM; 0 when the process is gone). */
export function peakRssMb(pid: number): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, "utf8").match(/VmHWM:\s+(\d+) kB/);
    return Math.round(Number(line?.[1] ?? 0) / 1024);
  } catch {
    return 0;
  }
}

/** A loopback port free now, for a process the benchmark starts. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
