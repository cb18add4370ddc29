import { toJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import type { Attempt, Invocation } from "@nenc/protocol/gen/nenc/v1/invocation_pb.js";
import type { Trigger } from "@nenc/protocol/gen/nenc/v1/trigger_pb.js";
import type { Evaluation } from "@nenc/protocol/gen/nenc/v1/trigger_service_pb.js";
import { api } from "../api.js";
import { Badge, Head, Json, Loading, Problem, Section } from "../components/bits.js";
import { Link } from "../components/link.js";
import { duration, millis, outcomeName, statusName, time } from "../format.js";
import { usePoll } from "../poll.js";
import { paths } from "../router.js";

/** What one of this invocation's status changes did to a trigger that listens to its task. */
interface Effect {
  triggerId: string;
  evaluation: Evaluation;
}

/** The triggers with a condition on `taskId` (status, result or exception). */
function listensTo(trigger: Trigger, taskId: string): boolean {
  return trigger.conditions.some(
    (condition) =>
      (condition.kind.case === "status" ||
        condition.kind.case === "result" ||
        condition.kind.case === "exception") &&
      condition.kind.value.taskId === taskId,
  );
}

/** Provenance forwards: each listening trigger's evaluations of this invocation's status occurrences. */
async function effectsOf(invocation: Invocation): Promise<Effect[]> {
  const { triggers } = await api.triggers.listTriggers({});
  const listening = triggers.filter((trigger) => listensTo(trigger, invocation.taskId));
  const explained = await Promise.all(
    listening.map((trigger) => api.triggers.explainTrigger({ id: trigger.id, limit: 1000 })),
  );
  return explained.flatMap((explanation) =>
    explanation.evaluations
      .filter((evaluation) => evaluation.occurrenceId.startsWith(`${invocation.id}@`))
      .map((evaluation) => ({ triggerId: explanation.trigger?.id ?? "", evaluation })),
  );
}

/** /ui/invocations/<id>: arguments, result or error, attempts, timing, worker, and provenance both ways. */
export function InvocationPage(props: { id: string }) {
  const loaded = usePoll(async () => {
    const { invocation, attempts } = await api.invocations.getInvocation({ id: props.id });
    return {
      invocation: invocation as Invocation,
      attempts,
      effects: await effectsOf(invocation as Invocation),
    };
  }, props.id);
  if (!loaded.data) return loaded.error ? <Problem error={loaded.error} /> : <Loading />;
  const { invocation, attempts, effects } = loaded.data;
  return (
    <div>
      <h1>
        Invocation <span data-testid="invocation-id">{invocation.id}</span>
      </h1>
      <Problem error={loaded.error} />
      <dl class="facts">
        <dt>task</dt>
        <dd data-testid="invocation-task">{invocation.taskId}</dd>
        <dt>status</dt>
        <dd>
          <Badge value={statusName(invocation.status)} testId="invocation-status" />
        </dd>
        <dt>attempt</dt>
        <dd data-testid="invocation-attempt">{invocation.attempt}</dd>
        <dt>created</dt>
        <dd>{time(invocation.createdAt)}</dd>
        <dt>last change</dt>
        <dd>
          {time(invocation.updatedAt)} (
          {duration(millis(invocation.updatedAt) - millis(invocation.createdAt))} after creation)
        </dd>
        <dt>worker</dt>
        <dd>{invocation.workerId || "–"}</dd>
        <dt>trace</dt>
        <dd>{invocation.traceparent ? invocation.traceparent.split("-")[1] : "–"}</dd>
      </dl>
      <Section title="Arguments">
        <Json value={invocation.arguments} testId="invocation-arguments" />
      </Section>
      {invocation.result !== undefined ? (
        <Section title="Result">
          <Json value={toJson(ValueSchema, invocation.result)} testId="invocation-result" />
        </Section>
      ) : null}
      {invocation.error ? <ErrorView invocation={invocation} /> : null}
      <Attempts attempts={attempts} />
      <Causes invocation={invocation} />
      <Effects effects={effects} />
    </div>
  );
}

function ErrorView(props: { invocation: Invocation }) {
  const error = props.invocation.error;
  if (!error) return null;
  return (
    <Section title="Error" testId="invocation-error">
      <p>
        <strong data-testid="error-type">{error.type}</strong>: {error.message}
      </p>
      <p class="muted">type chain: {error.chain.join(" → ") || error.type}</p>
      {error.stack ? <pre class="stack">{error.stack}</pre> : null}
    </Section>
  );
}

/** What caused it: the trigger and the occurrences (source invocations, events) that fired it. */
function Causes(props: { invocation: Invocation }) {
  const provenance = props.invocation.provenance;
  return (
    <Section title="Caused by" testId="caused-by">
      {!provenance?.triggerId ? (
        <p>invoked directly (no trigger)</p>
      ) : (
        <ul>
          <li>
            trigger <Link href={paths.trigger(provenance.triggerId)}>{provenance.triggerId}</Link>
          </li>
          {provenance.sourceInvocationIds.map((id) => (
            <li key={id}>
              invocation <Link href={paths.invocation(id)}>{id}</Link>
            </li>
          ))}
          {provenance.eventIds.map((id) => (
            <li key={id}>event {id}</li>
          ))}
          <li class="muted">occurrences: {provenance.occurrenceIds.join(", ")}</li>
        </ul>
      )}
    </Section>
  );
}

/** What it caused: each listening trigger's outcome for its status changes (fired, waiting, filtered out, ...). */
function Effects(props: { effects: Effect[] }) {
  return (
    <Section title="What it caused" testId="caused">
      {props.effects.length === 0 ? (
        <p class="muted">no trigger evaluated its status changes</p>
      ) : (
        <table>
          <Head columns={["trigger", "occurrence", "outcome", "detail"]} />
          <tbody>
            {props.effects.map(({ triggerId, evaluation }) => (
              <tr key={`${triggerId}|${evaluation.occurrenceId}`} data-effect={triggerId}>
                <td>
                  <Link href={paths.trigger(triggerId)}>{triggerId}</Link>
                </td>
                <td>{evaluation.occurrenceId}</td>
                <td>
                  <Badge value={outcomeName(evaluation.outcome)} />
                </td>
                <td>
                  {evaluation.invocationId ? (
                    <Link href={paths.invocation(evaluation.invocationId)}>{evaluation.invocationId}</Link>
                  ) : (
                    evaluation.detail
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}

/** Every ended attempt: who ran it, from delivery to end, and how it ended. */
function Attempts(props: { attempts: Attempt[] }) {
  return (
    <Section title="Attempts" testId="attempts">
      {props.attempts.length === 0 ? (
        <p class="muted">no attempt has ended yet</p>
      ) : (
        <table>
          <Head columns={["attempt", "worker", "given", "took", "outcome", "error"]} />
          <tbody>
            {props.attempts.map((attempt) => (
              <tr key={attempt.attempt} data-attempt={attempt.attempt}>
                <td>{attempt.attempt}</td>
                <td>{attempt.workerId}</td>
                <td>{time(attempt.assignedAt)}</td>
                <td>{duration(millis(attempt.endedAt) - millis(attempt.assignedAt))}</td>
                <td>
                  <Badge value={statusName(attempt.outcome)} />
                </td>
                <td>{attempt.error ? `${attempt.error.type}: ${attempt.error.message}` : "–"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}
