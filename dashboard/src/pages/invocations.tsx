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
      <Filters query={{ task, status, trigger, since }} tasks={tasks.data ?? []} onChange={filter} />
      <Problem error={listed.error} />
      <p class="muted">{shown.length} shown (the newest 200 that match)</p>
      <InvocationTable invocations={shown} testId="invocations" />
    </div>
  );
}

/** The filters, each change a new address (so a filtered list can be shared or reloaded). */
function Filters(props: {
  query: { task: string; status: string; trigger: string; since: number };
  tasks: string[];
  onChange: (change: Record<string, string>) => void;
}) {
  const { query, onChange } = props;
  const any: Array<[string, string]> = [["", "any"]];
  return (
    <form class="filters" onSubmit={(event) => event.preventDefault()}>
      <Choice
        name="task"
        value={query.task}
        options={[...any, ...props.tasks.map((id): [string, string] => [id, id])]}
        onChange={onChange}
      />
      <Choice
        name="status"
        value={query.status}
        options={[...any, ...STATUSES.map((name): [string, string] => [name, name])]}
        onChange={onChange}
      />
      <label>
        trigger
        <input
          name="trigger"
          value={query.trigger}
          placeholder="trigger id"
          onChange={(e) => onChange({ trigger: e.currentTarget.value.trim() })}
        />
      </label>
      <Choice
        name="since"
        label="created"
        value={String(query.since)}
        options={[
          ["0", "any time"],
          ...WINDOWS.map((m): [string, string] => [String(m), `last ${m < 60 ? `${m} min` : `${m / 60} h`}`]),
        ]}
        onChange={onChange}
      />
    </form>
  );
}

/** A labelled select whose change reports `{ [name]: value }`. */
function Choice(props: {
  name: string;
  label?: string;
  value: string;
  options: Array<[value: string, text: string]>;
  onChange: (change: Record<string, string>) => void;
}) {
  return (
    <label>
      {props.label ?? props.name}
      <select
        name={props.name}
        value={props.value}
        onChange={(e) => props.onChange({ [props.name]: e.currentTarget.value })}
      >
        {props.options.map(([value, text]) => (
          <option key={value} value={value}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
}
