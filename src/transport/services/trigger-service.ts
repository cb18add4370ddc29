import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type {
  DryRunTriggerRequest,
  ListTriggersRequest,
  TriggerService,
} from "@nenc/protocol/gen/nenc/v1/trigger_service_pb.js";
import { NEED_READ } from "../../auth/scopes.js";
import { NencError } from "../../domain/errors.js";
import type { TriggerDefinition } from "../../domain/trigger.js";
import type { Orchestrator } from "../../engine/orchestrator.js";
import type { Access } from "../access.js";
import { evaluationToProto, optionalMs, pendingToProto } from "../convert.js";
import { dryRunToProto, occurrenceFromContext, replayToProto } from "../convert-dry-run.js";
import { triggerDefinitionFromProto, triggerToProto } from "../convert-trigger.js";

/**
 * TriggerService. With tokens, a trigger is its target task's app's: creating,
 * pausing, resuming and deleting one needs admin or client of that app, reading
 * one read or client of it (docs/design.md §6).
 */
export function createTriggerService(
  orchestrator: Orchestrator,
  access: Access,
): ServiceImpl<typeof TriggerService> {
  const triggers = orchestrator.triggers;
  const changed = async (context: HandlerContext, id: string, action: string) => {
    await access.requireForTrigger(context, "client", id);
    access.audit.changed(action, access.caller(context), { triggerId: id });
  };
  return {
    ...createCronCalls(orchestrator, access),
    async createTrigger(request, context) {
      if (!request.trigger) throw NencError.invalid("trigger", "is required: the trigger to create");
      const { trigger, created } = await createAllowed(
        orchestrator,
        access,
        context,
        triggerDefinitionFromProto(request.trigger),
      );
      return { trigger: triggerToProto(trigger), created };
    },
    async getTrigger(request, context) {
      await access.requireForTrigger(context, "readOf", request.id);
      return { trigger: triggerToProto(await triggers.get(request.id)) };
    },
    async listTriggers(request, context) {
      await requireListable(access, context, request);
      const list = await triggers.list({
        ...(request.targetTaskId ? { targetTaskId: request.targetTaskId } : {}),
        ...(request.appId ? { appId: request.appId } : {}),
      });
      return { triggers: list.map(triggerToProto) };
    },
    async pauseTrigger(request, context) {
      await changed(context, request.id, "trigger.paused");
      return { trigger: triggerToProto(await triggers.setPaused(request.id, true)) };
    },
    async resumeTrigger(request, context) {
      await changed(context, request.id, "trigger.resumed");
      return { trigger: triggerToProto(await triggers.setPaused(request.id, false)) };
    },
    async deleteTrigger(request, context) {
      await changed(context, request.id, "trigger.deleted");
      await triggers.delete(request.id);
      return {};
    },
    async explainTrigger(request, context) {
      await access.requireForTrigger(context, "readOf", request.id);
      const explanation = await triggers.explain(request.id, request.limit);
      return {
        trigger: triggerToProto(explanation.trigger),
        evaluations: explanation.evaluations.map(evaluationToProto),
        pending: explanation.pending.flatMap(({ partition, state }) => pendingToProto(partition, state)),
        nextFireTimes: explanation.nextFireTimes.map((time) => timestampFromMs(time)),
      };
    },
  };
}

/** PreviewTrigger and BackfillTrigger: a cron trigger's future and past slots. */
function createCronCalls(
  orchestrator: Orchestrator,
  access: Access,
): Pick<ServiceImpl<typeof TriggerService>, "previewTrigger" | "backfillTrigger" | "dryRunTrigger"> {
  return {
    async dryRunTrigger(request, context) {
      const target = await dryRunTarget(orchestrator, access, context, request);
      if (request.recent !== 0) {
        if (!("triggerId" in target) || request.context)
          throw NencError.invalid(
            "recent",
            "replays a stored trigger's occurrences: give its id, and no context",
          );
        const replays = await orchestrator.dryRunRecent(target.triggerId, request.recent);
        return { replays: replays.map(({ occurrence, run }) => replayToProto(occurrence, run)) };
      }
      const now = orchestrator.options.clock.now();
      const run = await orchestrator.dryRun(target, (compiled) =>
        occurrenceFromContext(request.context, compiled, now),
      );
      return dryRunToProto(run);
    },
    async previewTrigger(request, context) {
      await access.requireForTrigger(context, "readOf", request.id);
      const times = await orchestrator.triggers.preview(request.id, request.count, optionalMs(request.after));
      return { fireTimes: times.map((time) => timestampFromMs(time)) };
    },
    async backfillTrigger(request, context) {
      await access.requireForTrigger(context, "client", request.id);
      const from = optionalMs(request.from);
      const to = optionalMs(request.to);
      if (from === undefined || to === undefined)
        throw NencError.invalid(from === undefined ? "from" : "to", "is required: the range to backfill");
      const outcome = await orchestrator.backfill(request.id, from, to);
      access.audit.changed("trigger.backfilled", access.caller(context), {
        triggerId: request.id,
        ...outcome,
      });
      return outcome;
    },
  };
}

/** What a dry run evaluates: a stored trigger the caller may read, or a definition it may create. */
async function dryRunTarget(
  orchestrator: Orchestrator,
  access: Access,
  context: HandlerContext,
  request: DryRunTriggerRequest,
): Promise<{ triggerId: string } | { definition: TriggerDefinition }> {
  const { subject } = request;
  if (subject.case === "id") {
    await access.requireForTrigger(context, "readOf", subject.value);
    return { triggerId: subject.value };
  }
  if (subject.case !== "definition")
    throw NencError.invalid("subject", "is required: the trigger's id, or a definition");
  const definition = triggerDefinitionFromProto(subject.value, "definition");
  // Its functions would run on the workers of its app (by default, its target's).
  await access.requireForTask(context, "client", definition.targetTaskId);
  if (definition.appId) access.require(context, { kind: "client", app: definition.appId });
  const target = await orchestrator.tasks.get(definition.targetTaskId);
  return { definition: { ...definition, appId: definition.appId || target?.appId || "" } };
}

/**
 * Creates a trigger its caller may create: client of its target task's app, and of the
 * app whose workers would run its filters and providers (definition.appId). Audited.
 */
async function createAllowed(
  orchestrator: Orchestrator,
  access: Access,
  context: HandlerContext,
  definition: TriggerDefinition,
) {
  await access.requireForTask(context, "client", definition.targetTaskId);
  if (definition.appId) access.require(context, { kind: "client", app: definition.appId });
  const outcome = await orchestrator.triggers.create(definition);
  if (outcome.created)
    access.audit.changed("trigger.created", access.caller(context), {
      triggerId: outcome.trigger.id,
      targetTaskId: outcome.trigger.targetTaskId,
    });
  return outcome;
}

/** Listing every app's triggers needs read; a client lists its app's (by appId or target task). */
async function requireListable(access: Access, context: HandlerContext, request: ListTriggersRequest) {
  if (request.targetTaskId) return access.requireForTask(context, "readOf", request.targetTaskId);
  access.require(context, request.appId ? { kind: "readOf", app: request.appId } : NEED_READ);
}
