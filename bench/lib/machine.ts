/** The machine the numbers were measured on. */

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, freemem, loadavg, release, totalmem, type } from "node:os";

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  ramGiB: number;
  freeRamGiB: number;
  os: string;
  node: string;
  redis: string;
  bullmq: string;
  loadAverageAtEnd: number[];
  /** The commit measured, and the files under src/ and sdk/ changed from it (uncommitted work). */
  gitCommit: string;
  gitDirty: string[];
}

function git(args: string[]): string {
  try {
    return execFileSync("git", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "";
  }
}

function bullmqVersion(): string {
  try {
    const path = new URL("../../node_modules/bullmq/package.json", import.meta.url);
    return (JSON.parse(readFileSync(path, "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

export function machineInfo(redisVersion: string): MachineInfo {
  const cpu = cpus();
  return {
    cpuModel: cpu[0]?.model.trim() ?? "unknown",
    cores: cpu.length,
    ramGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    freeRamGiB: Math.round((freemem() / 2 ** 30) * 10) / 10,
    os: `${type()} ${release()}`,
    node: process.version,
    redis: redisVersion,
    bullmq: bullmqVersion(),
    loadAverageAtEnd: loadavg().map((l) => Math.round(l * 100) / 100),
    gitCommit: git(["rev-parse", "--short", "HEAD"]) || "unknown",
    gitDirty: git(["status", "--porcelain", "--", "src", "sdk/typescript/src"])
      .split("\n")
      .filter(Boolean)
      .map((line) => line.slice(3)),
  };
}
