import { InvocationStatus } from "@nenc/protocol/gen/nenc/v1/invocation_pb.js";
import { api } from "../api.js";
import { Problem } from "../components/bits.js";
import { millis } from "../format.js";
import { usePoll } from "../poll.js";
import { navigate, paths } from "../router.js";
import { InvocationTable } from "./invocation-table.js";

const STATUSES = ["REGISTERED", "PENDING", "RUNNING", "SUCCESS", "FAILED", "RETRY"] as const;
/** The "since" choices, in minutes. */
const WINDOWS = [5, 15, 60, 24 * 60];

/** /ui/invocations: newest first, filtered by task, status, trigger and time (the filters are in the address). */
export function Invocations(props: { query: URLSearchParams }) {
  const task = props.query.get("task") ?? "";
  const status = props.query.get("status") ?? "";
  const trigger = props.query.get("trigger") ?? "";
  const since = Number(props.query.get("since") ?? 0);
  const tasks = usePoll(
    async () => (await api.apps.listTasks({})).tasks.map((t) => t.id).sort(),
    "tasks",
    10_000,
  );
  const listed = usePoll(
    async () =>
      (
        await api.invocations.listInvocations({
          taskId: task,
          status: status
            ? InvocationStatus[status as keyof typeof InvocationStatus]
            : InvocationStatus.INVOCATION_STATUS_UNSPECIFIED,
          triggerId: trigger,
          pageSize: 200,
        })
      ).invocations,
    `${task}|${status}|${trigger}`,
  );
  const cutoff = since > 0 ? Date.now() - since * 60_000 : 0;
  const shown = (listed.data ?? []).filter((invocation) => millis(invocation.createdAt) >= cutoff);
  const filter = (change: Record<string, string>) =>
    navigate(paths.invocations({ task, status, trigger, since: since ? String(since) : "", ...change }));
  return (
    <div>
      <h1>Invocations</h1>
      <form class="filters" onSubmit={(event) => event.preventDefault()}>
        <label>
          task
          <select name="task" value={task} onChange={(e) => filter({ task: e.currentTarget.value })}>
            <option value="">any</option>
            {(tasks.data ?? []).map((id) => (
              <option key={id} value={id}>
                {id}
              </option>
            ))}
          </select>
        </label>
        <label>
          status
          <select name="status" value={status} onChange={(e) => filter({ status: e.currentTarget.value })}>
            <option value="">any</option>
            {STATUSES.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label>
          trigger
          <input
            name="trigger"
            value={trigger}
            placeholder="trigger id"
            onChange={(e) => filter({ trigger: e.currentTarget.value.trim() })}
          />
        </label>
        <label>
          created
          <select
            name="since"
            value={String(since)}
            onChange={(e) => filter({ since: e.currentTarget.value })}
          >
            <option value="0">any time</option>
            {WINDOWS.map((minutes) => (
              <option key={minutes} value={String(minutes)}>
                last {minutes < 60 ? `${minutes} min` : `${minutes / 60} h`}
              </option>
            ))}
          </select>
        </label>
      </form>
      <Problem error={listed.error} />
      <p class="muted">{shown.length} shown (the newest 200 that match)</p>
      <InvocationTable invocations={shown} testId="invocations" />
    </div>
  );
}
