import { api, authHeaders } from "../api.js";
import { Problem, Section } from "../components/bits.js";
import { Chart, type ChartData } from "../components/chart.js";
import { Link } from "../components/link.js";
import { millis } from "../format.js";
import { usePoll } from "../poll.js";
import { parseMetrics, type Sample } from "../prometheus.js";
import { paths } from "../router.js";
import { InvocationTable } from "./invocation-table.js";

/** The deployment's final statuses per second over the last ten minutes (all replicas, from the store). */
async function activityChart(): Promise<{ chart: ChartData; succeeded: number; failed: number }> {
  const { bucketMs, buckets } = await api.invocations.getActivity({ windowMs: 10n * 60_000n });
  const seconds = Number(bucketMs) / 1000;
  const succeeded = buckets.map((bucket) => Number(bucket.succeeded));
  const failed = buckets.map((bucket) => Number(bucket.failed));
  return {
    chart: {
      times: buckets.map((bucket) => millis(bucket.start) / 1000),
      series: [
        { label: "succeeded /s", values: succeeded.map((n) => n / seconds), color: "#2f9e44" },
        { label: "failed /s", values: failed.map((n) => n / seconds), color: "#e03131" },
      ],
    },
    succeeded: succeeded.reduce((sum, n) => sum + n, 0),
    failed: failed.reduce((sum, n) => sum + n, 0),
  };
}

/** This replica's /metrics, as the signed-in token may read them. */
async function metricsText(): Promise<string> {
  const response = await fetch("/metrics", { headers: authHeaders() });
  if (!response.ok) throw new Error(`/metrics: ${(await response.text()).trim()}`);
  return response.text();
}

/** /ui/: throughput and failures over time, queue depth, connected workers, recent invocations. */
export function Overview() {
  const activity = usePoll(activityChart, "activity");
  const metrics = usePoll(async () => parseMetrics(await metricsText()), "metrics");
  const recent = usePoll(
    async () => (await api.invocations.listInvocations({ pageSize: 15 })).invocations,
    "recent",
  );
  const samples = metrics.data ?? [];
  const depths = samples.filter((s) => s.name === "nenc_queue_depth" && s.value > 0);
  const workers = samples.filter((s) => s.name === "nenc_workers_connected");
  return (
    <div>
      <h1>Overview</h1>
      <Problem error={activity.error ?? metrics.error ?? recent.error} />
      <Section title="Throughput and failures, last ten minutes (all replicas)" testId="throughput">
        {activity.data ? <Chart data={activity.data.chart} testId="throughput-chart" /> : null}
        <p class="muted" data-testid="throughput-totals">
          {activity.data?.succeeded ?? 0} succeeded, {activity.data?.failed ?? 0} failed
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
