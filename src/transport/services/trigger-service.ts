import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import type { TriggerService } from "@nenc/protocol/gen/nenc/v1/trigger_service_pb.js";
import { NencError } from "../../domain/errors.js";
import type { Orchestrator } from "../../engine/orchestrator.js";
import { evaluationToProto, pendingToProto } from "../convert.js";
import { triggerDefinitionFromProto, triggerToProto } from "../convert-trigger.js";

export function createTriggerService(orchestrator: Orchestrator): ServiceImpl<typeof TriggerService> {
  const triggers = orchestrator.triggers;
  return {
    async createTrigger(request) {
      if (!request.trigger) throw NencError.invalid("trigger", "is required: the trigger to create");
      const { trigger, created } = await triggers.create(triggerDefinitionFromProto(request.trigger));
      return { trigger: triggerToProto(trigger), created };
    },
    async getTrigger(request) {
      return { trigger: triggerToProto(await triggers.get(request.id)) };
    },
    async listTriggers(request) {
      const list = await triggers.list({
        ...(request.targetTaskId ? { targetTaskId: request.targetTaskId } : {}),
        ...(request.appId ? { appId: request.appId } : {}),
      });
      return { triggers: list.map(triggerToProto) };
    },
    async pauseTrigger(request) {
      return { trigger: triggerToProto(await triggers.setPaused(request.id, true)) };
    },
    async resumeTrigger(request) {
      return { trigger: triggerToProto(await triggers.setPaused(request.id, false)) };
    },
    async deleteTrigger(request) {
      await triggers.delete(request.id);
      return {};
    },
    async explainTrigger(request) {
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
