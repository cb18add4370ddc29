import { api } from "../api.js";
import { Badge, Head, Loading, Problem, Section } from "../components/bits.js";
import { Graph } from "../components/graph.js";
import { Link } from "../components/link.js";
import { usePoll } from "../poll.js";
import { paths } from "../router.js";
import { describeCondition, logicName, triggerGraph } from "../triggers-model.js";

/** /ui/triggers: the graph (sources → trigger → target task) and every trigger. */
export function Triggers() {
  const listed = usePoll(async () => (await api.triggers.listTriggers({})).triggers, "triggers");
  if (!listed.data) return listed.error ? <Problem error={listed.error} /> : <Loading />;
  const triggers = [...listed.data].sort(
    (a, b) => a.targetTaskId.localeCompare(b.targetTaskId) || a.id.localeCompare(b.id),
  );
  const { nodes, edges } = triggerGraph(triggers);
  return (
    <div>
      <h1>Triggers</h1>
      <Problem error={listed.error} />
      <Section title="Graph">
        {triggers.length === 0 ? (
          <p class="muted">no triggers</p>
        ) : (
          <div class="graph-box">
            <Graph nodes={nodes} edges={edges} />
          </div>
        )}
      </Section>
      <Section title="All triggers">
        <table data-testid="triggers">
          <Head columns={["trigger", "runs", "when", "app", "state"]} />
          <tbody>
            {triggers.map((trigger) => (
              <tr key={trigger.id} data-trigger={trigger.id}>
                <td>
                  <Link href={paths.trigger(trigger.id)}>{trigger.id}</Link>
                </td>
                <td>{trigger.targetTaskId}</td>
                <td>{trigger.conditions.map(describeCondition).join(` ${logicName(trigger)} `)}</td>
                <td>{trigger.appId}</td>
                <td>
                  <Badge value={trigger.paused ? "paused" : "active"} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
    </div>
  );
}
