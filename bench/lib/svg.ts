/**
 * The latency chart, drawn by hand (no dependency): one panel per measurement, each
 * series a percentile curve in the HdrHistogram style — x: percentile on a
 * log(1/(1−q)) axis (50, 90, 99, 99.9 % equally spaced), y: latency on a log axis.
 */
import type { Series } from "./context.js";

const PANEL_W = 560;
const PANEL_H = 300;
const MARGIN = { left: 62, right: 16, top: 34, bottom: 70 };
const COLORS: Record<string, string> = {
  "nenc-memory": "#1f77b4",
  "nenc-redis": "#d62728",
  "nenc-redis ×3": "#ff7f0e",
  bullmq: "#555555",
};

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** x = log10(1 / (1 − q)); the curve stops at the quantile the sample count resolves. */
function curve(samples: readonly number[]): Array<[x: number, ms: number]> {
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return [];
  const xMax = Math.log10(n);
  const points: Array<[number, number]> = [];
  for (let x = 0; x < xMax; x += 0.02) {
    const q = 1 - 10 ** -x;
    points.push([x, Math.max(sorted[Math.min(n - 1, Math.floor(q * n))] as number, 1e-3)]);
  }
  points.push([xMax, Math.max(sorted[n - 1] as number, 1e-3)]);
  return points;
}

interface Curve {
  series: Series;
  points: Array<[x: number, ms: number]>;
}

/** Plot-area size and the data → pixel mappings shared by a panel's grid and curves. */
interface PanelScale {
  w: number;
  h: number;
  xMax: number;
  lo: number;
  hi: number;
  sx: (x: number) => number;
  sy: (ms: number) => number;
}

/** Fits the axes to the curves: y spans whole decades, x at least to the 99.9th percentile. */
function panelScale(curves: readonly Curve[]): PanelScale {
  const w = PANEL_W - MARGIN.left - MARGIN.right;
  const h = PANEL_H - MARGIN.top - MARGIN.bottom;
  const all = curves.flatMap((c) => c.points.map((p) => p[1]));
  const lo = 10 ** Math.floor(Math.log10(Math.min(...all)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...all)));
  const xMax = Math.max(3, Math.ceil(Math.max(...curves.map((c) => c.points.at(-1)?.[0] ?? 0))));
  const sx = (x: number) => MARGIN.left + (x / xMax) * w;
  const sy = (v: number) =>
    MARGIN.top + h - ((Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * h;
  return { w, h, xMax, lo, hi, sx, sy };
}

/** Grid lines at each decade of latency and each percentile step, the frame and the x label. */
function gridAndAxes({ w, h, xMax, lo, hi, sx, sy }: PanelScale): string[] {
  const parts: string[] = [];
  for (let d = Math.log10(lo); d <= Math.log10(hi) + 1e-9; d++) {
    const v = 10 ** d;
    const y = sy(v);
    parts.push(
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + w}" y1="${y}" y2="${y}" stroke="#eee"/>`,
      `<text x="${MARGIN.left - 6}" y="${y + 4}" text-anchor="end" font-size="10">${v >= 1 ? v : v.toPrecision(1)} ms</text>`,
    );
  }
  for (const x of [0, Math.log10(2), ...Array.from({ length: xMax }, (_, i) => i + 1)]) {
    const label = x === 0 ? "0%" : `${(100 - 100 * 10 ** -x).toFixed(Math.max(0, Math.round(x) - 2))}%`;
    parts.push(
      `<line x1="${sx(x)}" x2="${sx(x)}" y1="${MARGIN.top}" y2="${MARGIN.top + h}" stroke="#eee"/>`,
      `<text x="${sx(x)}" y="${MARGIN.top + h + 14}" text-anchor="middle" font-size="10">${label}</text>`,
    );
  }
  parts.push(
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${w}" height="${h}" fill="none" stroke="#999"/>`,
    `<text x="${MARGIN.left + w / 2}" y="${MARGIN.top + h + 28}" text-anchor="middle" font-size="10">percentile</text>`,
  );
  return parts;
}

/** One path per curve plus its legend entry, two legend entries per line under the plot. */
function curvesWithLegend(curves: readonly Curve[], { w, h, sx, sy }: PanelScale): string[] {
  const parts: string[] = [];
  // A backend's second series in the same panel is dashed, so both stay readable in one colour.
  const seen = new Map<string, number>();
  curves.forEach(({ series: s, points }, i) => {
    const key = s.label.startsWith("nenc-redis ×3") ? "nenc-redis ×3" : s.backend;
    const nth = seen.get(key) ?? 0;
    seen.set(key, nth + 1);
    const color = COLORS[key] ?? "#2ca02c";
    const dash = nth > 0 ? ' stroke-dasharray="6 3"' : "";
    const d = points
      .map(([x, v], j) => `${j === 0 ? "M" : "L"}${sx(x).toFixed(1)},${sy(v).toFixed(1)}`)
      .join("");
    parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.8"${dash}/>`);
    const lx = MARGIN.left + (i % 2) * (w / 2);
    const ly = MARGIN.top + h + 42 + Math.floor(i / 2) * 13;
    parts.push(
      `<line x1="${lx}" x2="${lx + 18}" y1="${ly - 4}" y2="${ly - 4}" stroke="${color}" stroke-width="2"${dash}/>`,
      `<text x="${lx + 22}" y="${ly}" font-size="10">${escapeXml(`${s.label} (n=${s.samples.length.toLocaleString("en-US")})`)}</text>`,
    );
  });
  return parts;
}

/** One panel of the chart at (ox, oy): its title, then the series' curves or "no samples". */
function panel(title: string, series: readonly Series[], ox: number, oy: number): string {
  const curves: Curve[] = series
    .map((s) => ({ series: s, points: curve(s.samples) }))
    .filter((c) => c.points.length > 0);
  const parts: string[] = [
    `<g transform="translate(${ox},${oy})">`,
    `<rect x="0" y="0" width="${PANEL_W}" height="${PANEL_H}" fill="#fff" stroke="#ddd"/>`,
    `<text x="${PANEL_W / 2}" y="20" text-anchor="middle" font-size="13" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  if (curves.length === 0) {
    parts.push(
      `<text x="${PANEL_W / 2}" y="${PANEL_H / 2}" text-anchor="middle" font-size="12">no samples</text></g>`,
    );
    return parts.join("");
  }
  const scale = panelScale(curves);
  parts.push(...gridAndAxes(scale), ...curvesWithLegend(curves, scale), "</g>");
  return parts.join("");
}

/** The whole latency chart as an SVG document: one panel per `Series.panel`, two panels a row. */
export function latencySvg(series: readonly Series[]): string {
  const panels = [...new Set(series.map((s) => s.panel))];
  const columns = 2;
  const rows = Math.max(1, Math.ceil(panels.length / columns));
  const width = columns * PANEL_W + 30;
  const height = rows * (PANEL_H + 10) + 50;
  const body = panels.map((title, i) =>
    panel(
      title,
      series.filter((s) => s.panel === title),
      10 + (i % columns) * (PANEL_W + 10),
      40 + Math.floor(i / columns) * (PANEL_H + 10),
    ),
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="100%" height="100%" fill="#fafafa"/>`,
    `<text x="14" y="24" font-size="15" font-weight="bold">nenc vs BullMQ: latency by percentile (log scales; lower is better)</text>`,
    ...body,
    "</svg>",
    "",
  ].join("\n");
}
