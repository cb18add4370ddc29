import type { JsonValue } from "@bufbuild/protobuf";
import type { Event } from "@nenc/protocol/gen/nenc/v1/event_pb.js";
import { jsonToValue } from "@nenc/protocol/json-value.js";
import { useState } from "preact/hooks";
import { api } from "../api.js";
import { Head, Json, Loading, Problem, Section } from "../components/bits.js";
import { Link } from "../components/link.js";
import { errorText, time } from "../format.js";
import { usePoll } from "../poll.js";
import { paths } from "../router.js";

/** /ui/events: stored events, newest first; emit one from a form; replay one. */
export function Events(props: { readOnly: boolean }) {
  const listed = usePoll(
    async () => (await api.events.listEvents({ pageSize: 100 })).events.reverse(),
    "events",
  );
  const [notice, setNotice] = useState<string>();
  const [problem, setProblem] = useState<string>();
  const run = async (action: () => Promise<string>) => {
    setProblem(undefined);
    try {
      setNotice(await action());
      listed.refresh();
    } catch (error) {
      setProblem(errorText(error));
    }
  };
  return (
    <div>
      <h1>Events</h1>
      {props.readOnly ? null : <EmitForm onEmit={run} />}
      {notice ? (
        <p class="notice" data-testid="notice">
          {notice}
        </p>
      ) : null}
      <Problem error={problem ?? listed.error} />
      <Section title="Stored events">
        {!listed.data ? <Loading /> : <EventTable events={listed.data} readOnly={props.readOnly} run={run} />}
      </Section>
    </div>
  );
}

/** Code, payload (a JSON object) and an optional idempotency key. */
function EmitForm(props: { onEmit: (action: () => Promise<string>) => Promise<void> }) {
  const [code, setCode] = useState("");
  const [payload, setPayload] = useState("{}");
  const [key, setKey] = useState("");
  return (
    <form
      class="emit"
      data-testid="emit-form"
      onSubmit={(event) => {
        event.preventDefault();
        void props.onEmit(async () => {
          let parsed: unknown;
          try {
            parsed = JSON.parse(payload);
          } catch {
            throw new Error('payload: not JSON; write an object, e.g. {"orderId": "o1"}');
          }
          const { eventId, duplicate } = await api.events.emitEvent({
            code: code.trim(),
            payload: jsonToValue(parsed as JsonValue),
            idempotencyKey: key.trim(),
          });
          return duplicate ? `already emitted as ${eventId} (same idempotency key)` : `emitted ${eventId}`;
        });
      }}
    >
      <h2>Emit an event</h2>
      <label>
        code <input name="code" value={code} required onInput={(e) => setCode(e.currentTarget.value)} />
      </label>
      <label>
        payload{" "}
        <textarea
          name="payload"
          value={payload}
          rows={3}
          onInput={(e) => setPayload(e.currentTarget.value)}
        />
      </label>
      <label>
        idempotency key <input name="key" value={key} onInput={(e) => setKey(e.currentTarget.value)} />
      </label>
      <button type="submit" data-testid="emit">
        Emit
      </button>
    </form>
  );
}

/** Stored events with the invocations they started, and (unless read-only) a replay button each. */
function EventTable(props: {
  events: Event[];
  readOnly: boolean;
  run: (action: () => Promise<string>) => Promise<void>;
}) {
  const { run } = props;
  return (
    <table data-testid="events">
      <Head columns={["event", "code", "emitted", "payload", "started", ...(props.readOnly ? [] : [""])]} />
      <tbody>
        {props.events.map((event) => (
          <tr key={event.id} data-event={event.id}>
            <td>{event.id}</td>
            <td>{event.code}</td>
            <td>{time(event.emittedAt)}</td>
            <td>
              <Json value={event.payload} />
            </td>
            <td>
              {event.invocationIds.map((id) => (
                <div key={id}>
                  <Link href={paths.invocation(id)}>{id}</Link>
                </div>
              ))}
            </td>
            {props.readOnly ? null : (
              <td>
                <button
                  type="button"
                  data-testid={`replay-${event.id}`}
                  onClick={() =>
                    run(async () => {
                      const { replayedCount } = await api.events.replayEvents({ ids: [event.id] });
                      return `replayed ${replayedCount} event: triggers that had not fired for it evaluate it now`;
                    })
                  }
                >
                  Replay
                </button>
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
