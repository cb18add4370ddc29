import { InvocationStatus } from "@nenc/protocol/gen/nenc/v1/invocation_pb.js";
import { type Condition, type Trigger, TriggerLogic } from "@nenc/protocol/gen/nenc/v1/trigger_pb.js";
import type { GraphEdge, GraphNode } from "./components/graph.js";
import { paths } from "./router.js";

/** A condition in words, e.g. "SUCCESS of ship_order", "event payment.settled", "cron 0 9 * * 1". */
export function describeCondition(condition: Condition): string {
  const kind = condition.kind;
  switch (kind.case) {
    case "status": {
      const statuses = kind.value.statuses.map((s) => InvocationStatus[s]).join("|") || "SUCCESS";
      return `${statuses} of ${kind.value.taskId}`;
    }
    case "result":
      return `result of ${kind.value.taskId}`;
    case "exception":
      return `failure of ${kind.value.taskId}${kind.value.exceptionTypes.length ? ` (${kind.value.exceptionTypes.join(", ")})` : ""}`;
    case "event":
      return `event ${kind.value.code}`;
    case "cron":
      return `cron ${kind.value.expression}${kind.value.timezone ? ` ${kind.value.timezone}` : ""}`;
    default:
      return "unknown condition";
  }
}

/** "AND" or "OR" (one condition: neither matters). */
export function logicName(trigger: Trigger): string {
  return trigger.logic === TriggerLogic.AND ? "AND" : "OR";
}

/** The source node a condition hangs from, and the label of its edge. */
function sourceOf(condition: Condition): { node: GraphNode; label: string } | undefined {
  const kind = condition.kind;
  switch (kind.case) {
    case "status":
    case "result":
    case "exception": {
      const label =
        kind.case === "status"
          ? kind.value.statuses.map((s) => InvocationStatus[s]).join("|") || "SUCCESS"
          : kind.case;
      return { node: { id: `task:${kind.value.taskId}`, label: kind.value.taskId, kind: "task" }, label };
    }
    case "event":
      return {
        node: { id: `event:${kind.value.code}`, label: `event ${kind.value.code}`, kind: "event" },
        label: "event",
      };
    case "cron":
      return {
        node: { id: `cron:${kind.value.expression}`, label: `cron ${kind.value.expression}`, kind: "cron" },
        label: "cron",
      };
    default:
      return undefined;
  }
}

/** The trigger graph: every source → trigger → target task; a task both target and source is one node. */
export function triggerGraph(triggers: readonly Trigger[]): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const nodes = new Map<string, GraphNode>();
  const edges: GraphEdge[] = [];
  for (const trigger of triggers) {
    const id = `trigger:${trigger.id}`;
    nodes.set(id, {
      id,
      label: `${trigger.paused ? "⏸ " : ""}${trigger.id}`,
      kind: "trigger",
      href: paths.trigger(trigger.id),
      paused: trigger.paused,
    });
    for (const condition of trigger.conditions) {
      const source = sourceOf(condition);
      if (!source) continue;
      if (!nodes.has(source.node.id)) nodes.set(source.node.id, source.node);
      edges.push({ from: source.node.id, to: id, label: source.label });
    }
    const target = `task:${trigger.targetTaskId}`;
    if (!nodes.has(target)) nodes.set(target, { id: target, label: trigger.targetTaskId, kind: "task" });
    edges.push({ from: id, to: target });
  }
  return { nodes: [...nodes.values()], edges };
}
