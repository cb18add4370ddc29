import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

/** Points over time: x in seconds since the epoch, one array per series. */
export interface ChartData {
  times: number[];
  series: Array<{ label: string; values: number[]; color: string }>;
}

/** A line chart (uPlot) that redraws as its data grows. */
export function Chart(props: { data: ChartData; height?: number; testId?: string }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const { times, series } = props.data;
  useEffect(() => {
    if (!box.current) return;
    plot.current = new uPlot(
      {
        width: box.current.clientWidth || 600,
        height: props.height ?? 180,
        series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2 }))],
        axes: [{}, { label: "per second" }],
      },
      [times, ...series.map((s) => s.values)],
      box.current,
    );
    return () => plot.current?.destroy();
    // The chart is made once; later data goes through setData below.
  }, []);
  useEffect(() => plot.current?.setData([times, ...series.map((s) => s.values)]), [times, series]);
  return <div ref={box} class="chart" data-testid={props.testId} />;
}
