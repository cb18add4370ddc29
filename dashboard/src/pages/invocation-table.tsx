import type { Invocation } from "@nenc/protocol/gen/nenc/v1/invocation_pb.js";
import { Badge, Head } from "../components/bits.js";
import { Link } from "../components/link.js";
import { statusName, time } from "../format.js";
import { paths } from "../router.js";

/** Invocations as rows: id (to its page), task, status, attempt, created, the trigger that made it. */
export function InvocationTable(props: { invocations: Invocation[]; testId: string }) {
  if (props.invocations.length === 0) return <p class="muted">no invocations</p>;
  return (
    <table data-testid={props.testId}>
      <Head columns={["invocation", "task", "status", "attempt", "created", "trigger"]} />
      <tbody>
        {props.invocations.map((invocation) => (
          <tr key={invocation.id} data-invocation={invocation.id}>
            <td>
              <Link href={paths.invocation(invocation.id)}>{invocation.id}</Link>
            </td>
            <td>{invocation.taskId}</td>
            <td>
              <Badge value={statusName(invocation.status)} />
            </td>
            <td>{invocation.attempt}</td>
            <td>{time(invocation.createdAt)}</td>
            <td>
              {invocation.provenance?.triggerId ? (
                <Link href={paths.trigger(invocation.provenance.triggerId)}>
                  {invocation.provenance.triggerId}
                </Link>
              ) : (
                "–"
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
