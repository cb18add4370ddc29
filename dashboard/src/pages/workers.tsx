import { api } from "../api.js";
import { Head, Loading, Problem, Section } from "../components/bits.js";
import { time } from "../format.js";
import { usePoll } from "../poll.js";

/** /ui/workers: by app, each connected worker with its SDK, tasks, concurrency and what it holds. */
export function Workers() {
  const listed = usePoll(async () => (await api.apps.listWorkers({})).workers, "workers");
  if (!listed.data) return listed.error ? <Problem error={listed.error} /> : <Loading />;
  const apps = [...new Set(listed.data.map((worker) => worker.appId))];
  return (
    <div>
      <h1>Workers</h1>
      <Problem error={listed.error} />
      {apps.length === 0 ? <p class="muted">no worker is connected</p> : null}
      {apps.map((appId) => (
        <Section key={appId} title={`App ${appId}`} testId={`app-${appId}`}>
          <table>
            <Head columns={["worker", "SDK", "tasks", "concurrency", "in flight", "lease until"]} />
            <tbody>
              {listed.data
                ?.filter((worker) => worker.appId === appId)
                .map((worker) => (
                  <tr key={worker.workerId} data-worker={worker.workerId}>
                    <td>{worker.workerId}</td>
                    <td data-testid="worker-sdk">{worker.sdk}</td>
                    <td>{worker.taskIds.join(", ")}</td>
                    <td class="number">{worker.concurrency}</td>
                    <td class="number" data-testid="worker-held">
                      {worker.held}
                    </td>
                    <td>{time(worker.leaseUntil)}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </Section>
      ))}
    </div>
  );
}
