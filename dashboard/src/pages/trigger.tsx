import { toJson } from "@bufbuild/protobuf";
import { type Trigger, TriggerLogic, TriggerSchema } from "@nenc/protocol/gen/nenc/v1/trigger_pb.js";
import type { ExplainTriggerResponse } from "@nenc/protocol/gen/nenc/v1/trigger_service_pb.js";
import { useState } from "preact/hooks";
import { api } from "../api.js";
import { Badge, Head, Json, Loading, Problem, Section } from "../components/bits.js";
import { Link } from "../components/link.js";
import { errorText, outcomeName, time } from "../format.js";
import { usePoll } from "../poll.js";
import { navigate, paths } from "../router.js";
import { describeCondition, logicName } from "../triggers-model.js";

/** /ui/triggers/<id>: definition, recent evaluations with reasons, pending AND state, next cron slots, actions. */
export function TriggerPage(props: { id: string; readOnly: boolean }) {
  const explained = usePoll(() => api.triggers.explainTrigger({ id: props.id, limit: 100 }), props.id);
  const [actionError, setActionError] = useState<string>();
  if (!explained.data) return explained.error ? <Problem error={explained.error} /> : <Loading />;
  const { trigger } = explained.data;
  if (!trigger) return <Problem error="no such trigger" />;
  const act = async (action: () => Promise<unknown>, after?: () => void) => {
    try {
      setActionError(undefined);
      await action();
      after ? after() : explained.refresh();
    } catch (error) {
      setActionError(errorText(error));
    }
  };
  return (
    <div>
      <h1>
        Trigger <span data-testid="trigger-id">{trigger.id}</span>{" "}
        <Badge value={trigger.paused ? "paused" : "active"} testId="trigger-state" />
      </h1>
      <p>
        runs <strong>{trigger.targetTaskId}</strong> on{" "}
        {trigger.conditions.map(describeCondition).join(` ${logicName(trigger)} `)} (app {trigger.appId})
      </p>
      {props.readOnly ? null : <Actions trigger={trigger} act={act} />}
      <Problem error={actionError ?? explained.error} />
      <Evaluations explained={explained.data} />
      <Pending explained={explained.data} />
      {explained.data.nextFireTimes.length > 0 ? (
        <Section title="Next cron slots" testId="next-fire-times">
          <ul>
            {explained.data.nextFireTimes.map((at) => (
              <li key={time(at)}>{time(at)}</li>
            ))}
          </ul>
        </Section>
      ) : null}
      <Section title="Definition">
        <Json value={toJson(TriggerSchema, trigger)} testId="trigger-definition" />
      </Section>
    </div>
  );
}

function Evaluations(props: { explained: ExplainTriggerResponse }) {
  const { evaluations } = props.explained;
  return (
    <Section title="Recent evaluations" testId="evaluations">
      {evaluations.length === 0 ? (
        <p class="muted">no evaluation yet</p>
      ) : (
        <table>
          <Head columns={["when", "occurrence", "outcome", "why"]} />
          <tbody>
            {evaluations.map((evaluation) => (
              <tr
                key={`${evaluation.occurrenceId}|${time(evaluation.at)}`}
                data-outcome={outcomeName(evaluation.outcome)}
              >
                <td>{time(evaluation.at)}</td>
                <td>{evaluation.occurrenceId}</td>
                <td>
                  <Badge value={outcomeName(evaluation.outcome)} />
                </td>
                <td>
                  {evaluation.detail}
                  {evaluation.invocationId ? (
                    <>
                      {" "}
                      <Link href={paths.invocation(evaluation.invocationId)}>{evaluation.invocationId}</Link>
                    </>
                  ) : null}
                  {evaluation.missingConditions.length > 0 ? (
                    <span class="muted">
                      {" "}
                      (missing: {evaluation.missingConditions.map((i) => `#${i}`).join(", ")})
                    </span>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}

/** An AND trigger's partial matches: which conditions hold, by which occurrences, since when. */
function Pending(props: { explained: ExplainTriggerResponse }) {
  const { pending, trigger } = props.explained;
  if (trigger?.logic !== TriggerLogic.AND || trigger.conditions.length < 2) return null;
  return (
    <Section title="Waiting (AND)" testId="pending">
      {pending.length === 0 ? (
        <p class="muted">nothing waits</p>
      ) : (
        <table>
          <Head columns={["correlation", "satisfied", "still missing", "by", "since"]} />
          <tbody>
            {pending.map((match, i) => (
              <tr key={`${match.correlationKey}|${i}`} data-pending={match.correlationKey}>
                <td>{match.correlationKey || "–"}</td>
                <td>
                  {match.satisfiedConditions
                    .map((i) =>
                      describeCondition(trigger.conditions[i] ?? ({ kind: { case: undefined } } as never)),
                    )
                    .join(", ")}
                </td>
                <td>
                  {trigger.conditions
                    .map((condition, i) =>
                      match.satisfiedConditions.includes(i) ? undefined : describeCondition(condition),
                    )
                    .filter(Boolean)
                    .join(", ")}
                </td>
                <td>{match.occurrenceIds.join(", ")}</td>
                <td>{time(match.since)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}

/** Pause or resume, and delete (after a confirmation): each through `act`, which shows a failure. */
function Actions(props: {
  trigger: Trigger;
  act: (action: () => Promise<unknown>, after?: () => void) => Promise<void>;
}) {
  const { trigger, act } = props;
  return (
    <div class="actions">
      {trigger.paused ? (
        <button
          type="button"
          data-testid="resume"
          onClick={() => act(() => api.triggers.resumeTrigger({ id: trigger.id }))}
        >
          Resume
        </button>
      ) : (
        <button
          type="button"
          data-testid="pause"
          onClick={() => act(() => api.triggers.pauseTrigger({ id: trigger.id }))}
        >
          Pause
        </button>
      )}
      <button
        type="button"
        class="danger"
        data-testid="delete"
        onClick={() =>
          window.confirm(`Delete trigger ${trigger.id}, its pending state and its history?`) &&
          act(
            () => api.triggers.deleteTrigger({ id: trigger.id }),
            () => navigate(paths.triggers),
          )
        }
      >
        Delete
      </button>
    </div>
  );
}
