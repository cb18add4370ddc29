/**
 * Summarizes V8 CPU profiles (.cpuprofile, e.g. from `npm run bench -- --profile`):
 * the functions with the most self time, and the share of time per source file.
 *
 *   npx tsx bench/profile-summary.ts bench/results/tmp/profiles/*.cpuprofile [--top 25]
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** What summarizeProfile reports of one profile; times in ms. */
export interface ProfileSummary {
  file: string;
  totalMs: number;
  idleMs: number;
  top: Array<{ fn: string; where: string; selfMs: number; share: number }>;
  /** Functions of the project (src/, sdk/) by inclusive time: themselves and what they call. */
  inclusive: Array<{ fn: string; where: string; totalMs: number; share: number }>;
  byFile: Array<{ file: string; selfMs: number; share: number }>;
}

function shortUrl(url: string): string {
  if (!url) return "(native)";
  const clean = url.replace(/^file:\/\//, "");
  const nm = clean.lastIndexOf("node_modules/");
  if (nm >= 0) return clean.slice(nm + "node_modules/".length);
  const src = clean.search(/\/(src|sdk|bench|test)\//);
  return src >= 0 ? clean.slice(src + 1) : clean;
}

/** "file:line"; just the file where V8 gives line 0 (code tsx compiled on the fly reports no lines). */
function located(url: string, lineNumber: number): string {
  return lineNumber > 0 ? `${shortUrl(url)}:${lineNumber + 1}` : shortUrl(url);
}

/** Microseconds of self time per node id, from the sample ids and their time deltas. */
function selfTimeByNode(profile: Profile): Map<number, number> {
  const selfUs = new Map<number, number>();
  // Sample i lasts timeDeltas[i + 1] (V8 convention); the last one gets the mean delta.
  const deltas = profile.timeDeltas;
  const mean = deltas.length ? (profile.endTime - profile.startTime) / deltas.length : 0;
  profile.samples.forEach((id, i) => {
    const dt = i + 1 < deltas.length ? (deltas[i + 1] as number) : mean;
    selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, dt));
  });
  return selfUs;
}

/** Self time (ms) per function and per source file; V8's "(idle)" pseudo-function is set apart. */
function selfTimeTotals(byId: Map<number, ProfileNode>, selfUs: Map<number, number>) {
  let idle = 0;
  const perFunction = new Map<string, { fn: string; where: string; self: number }>();
  const perFile = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const name = functionName || "(anonymous)";
    if (name === "(idle)") {
      idle += us / 1000;
      continue;
    }
    const where = url ? located(url, lineNumber) : "(native)";
    const key = `${name} ${where}`;
    const entry = perFunction.get(key) ?? { fn: name, where, self: 0 };
    entry.self += us / 1000;
    perFunction.set(key, entry);
    const file = name.startsWith("(") && !url ? name : shortUrl(url);
    perFile.set(file, (perFile.get(file) ?? 0) + us / 1000);
  }
  return { idle, perFunction, perFile };
}

/** Inclusive time (ms) of the project's own functions (src/, sdk/; not node_modules). */
function projectInclusiveTimes(
  profile: Profile,
  byId: Map<number, ProfileNode>,
  selfUs: Map<number, number>,
) {
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  // Each sample counts once for every distinct project function on its stack (recursion counts once).
  const inclusive = new Map<string, { fn: string; where: string; total: number }>();
  for (const [leaf, us] of selfUs) {
    const seen = new Set<string>();
    for (let id: number | undefined = leaf; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)?.callFrame;
      if (!frame?.url || !/\/(src|sdk)\//.test(frame.url) || frame.url.includes("node_modules")) continue;
      const where = located(frame.url, frame.lineNumber);
      const key = `${frame.functionName || "(anonymous)"} ${where}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const entry = inclusive.get(key) ?? { fn: frame.functionName || "(anonymous)", where, total: 0 };
      entry.total += us / 1000;
      inclusive.set(key, entry);
    }
  }
  return inclusive;
}

/**
 * Reads one .cpuprofile and returns its `topN` functions by self time, the project's
 * functions by inclusive time and the files by self time; shares are of the busy
 * (non-idle) time.
 */
export function summarizeProfile(path: string, topN = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, "utf8")) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = selfTimeByNode(profile);
  const total = (profile.endTime - profile.startTime) / 1000;
  const { idle, perFunction, perFile } = selfTimeTotals(byId, selfUs);
  const busy = total - idle;
  const inclusive = projectInclusiveTimes(profile, byId, selfUs);
  return {
    file: basename(path),
    totalMs: total,
    idleMs: idle,
    top: [...perFunction.values()]
      .sort((a, b) => b.self - a.self)
      .slice(0, topN)
      .map((entry) => ({ fn: entry.fn, where: entry.where, selfMs: entry.self, share: entry.self / busy })),
    inclusive: [...inclusive.values()]
      .sort((a, b) => b.total - a.total)
      .slice(0, topN)
      .map((entry) => ({
        fn: entry.fn,
        where: entry.where,
        totalMs: entry.total,
        share: entry.total / busy,
      })),
    byFile: [...perFile.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, topN)
      .map(([file, ms]) => ({ file, selfMs: ms, share: ms / busy })),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const topIndex = args.indexOf("--top");
  const top = topIndex >= 0 ? Number(args[topIndex + 1]) : 25;
  const files = args.filter((arg, i) => arg.endsWith(".cpuprofile") && (topIndex < 0 || i !== topIndex + 1));
  for (const file of files) {
    const summary = summarizeProfile(file, top);
    const busy = summary.totalMs - summary.idleMs;
    console.log(
      `\n## ${summary.file}: ${(summary.totalMs / 1000).toFixed(1)} s, busy ${(busy / 1000).toFixed(1)} s (${((busy / summary.totalMs) * 100).toFixed(0)}%)`,
    );
    console.log("self ms   share  function  (where)");
    for (const row of summary.top) {
      console.log(
        `${row.selfMs.toFixed(0).padStart(7)}  ${(row.share * 100).toFixed(1).padStart(5)}%  ${row.fn}  (${row.where})`,
      );
    }
    console.log("\nproject functions by inclusive time:");
    for (const row of summary.inclusive) {
      console.log(
        `${row.totalMs.toFixed(0).padStart(7)}  ${(row.share * 100).toFixed(1).padStart(5)}%  ${row.fn}  (${row.where})`,
      );
    }
    console.log("\nby file:");
    for (const row of summary.byFile.slice(0, 15)) {
      console.log(
        `${row.selfMs.toFixed(0).padStart(7)}  ${(row.share * 100).toFixed(1).padStart(5)}%  ${row.file}`,
      );
    }
  }
}
