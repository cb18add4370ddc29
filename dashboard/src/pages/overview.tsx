import { useRef } from "preact/hooks";
import { api } from "../api.js";
import { Problem, Section } from "../components/bits.js";
import { Chart, type ChartData } from "../components/chart.js";
import { Link } from "../components/link.js";
import { usePoll } from "../poll.js";
import { parseMetrics, type Sample, total } from "../prometheus.js";
import { paths } from "../router.js";
import { InvocationTable } from "./invocation-table.js";

/** Five minutes of points, one per poll. */
const KEPT_POINTS = 150;

/** Successes and failures per second, from this replica's counters, read at each poll. */
class RateHistory {
  private last?: { at: number; success: number; failed: number };
  readonly data: ChartData = {
    times: [],
    series: [
      { label: "succeeded /s", values: [], color: "#2f9e44" },
      { label: "failed /s", values: [], color: "#e03131" },
    ],
  };

  add(samples: readonly Sample[], at: number): ChartData {
    const success = total(samples, "nenc_invocations_total", { status: "SUCCESS" });
    const failed = total(samples, "nenc_invocations_total", { status: "FAILED" });
    const last = this.last;
    this.last = { at, success, failed };
    if (!last) return this.data;
    const seconds = Math.max(0.001, (at - last.at) / 1000);
    const [ok, bad] = this.data.series as [ChartData["series"][0], ChartData["series"][0]];
    const times = [...this.data.times, at / 1000].slice(-KEPT_POINTS);
    ok.values = [...ok.values, Math.max(0, success - last.success) / seconds].slice(-KEPT_POINTS);
    bad.values = [...bad.values, Math.max(0, failed - last.failed) / seconds].slice(-KEPT_POINTS);
    this.data.times = times;
    this.data.series = [{ ...ok }, { ...bad }];
    return { ...this.data };
  }
}

/** /ui/: throughput and failures over time, queue depth, connected workers, recent invocations. */
export function Overview() {
  const history = useRef(new RateHistory());
  const metrics = usePoll(async () => {
    const samples = parseMetrics(await (await fetch("/metrics")).text());
    return { samples, chart: history.current.add(samples, Date.now()) };
  }, "metrics");
  const recent = usePoll(
    async () => (await api.invocations.listInvocations({ pageSize: 15 })).invocations,
    "recent",
  );
  const samples = metrics.data?.samples ?? [];
  const depths = samples.filter((s) => s.name === "nenc_queue_depth" && s.value > 0);
  const workers = samples.filter((s) => s.name === "nenc_workers_connected");
  return (
    <div>
      <h1>Overview</h1>
      <Problem error={metrics.error ?? recent.error} />
      <Section title="Throughput and failures (this replica)" testId="throughput">
        {metrics.data ? <Chart data={metrics.data.chart} testId="throughput-chart" /> : null}
        <p class="muted">
          {total(samples, "nenc_invocations_total", { status: "SUCCESS" })} succeeded,{" "}
          {total(samples, "nenc_invocations_total", { status: "FAILED" })} failed since this replica started
        </p>
      </Section>
      <div class="columns">
        <Section title="Queue depth" testId="queue-depth">
          <Counts samples={depths} label="task" none="no invocation waits for a worker" />
        </Section>
        <Section title="Connected workers" testId="connected-workers">
          <Counts samples={workers} label="app" none="no worker is connected" />
          <Link href={paths.workers}>all workers</Link>
        </Section>
      </div>
      <Section title="Recent invocations" testId="recent">
        <InvocationTable invocations={recent.data ?? []} testId="recent-invocations" />
        <Link href={paths.invocations()}>all invocations</Link>
      </Section>
    </div>
  );
}

/** A gauge's samples as "label value" rows, each row marked with its label (data-task, data-app). */
function Counts(props: { samples: Sample[]; label: "task" | "app"; none: string }) {
  if (props.samples.length === 0) return <p class="muted">{props.none}</p>;
  return (
    <table>
      <tbody>
        {props.samples.map((sample) => {
          const name = sample.labels[props.label] ?? "";
          return (
            <tr key={name} {...{ [`data-${props.label}`]: name }}>
              <td>{name}</td>
              <td class="number">{sample.value}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
