import type { ServiceImpl } from "@connectrpc/connect";
import type { AppService } from "@nenc/protocol/gen/nenc/v1/app_service_pb.js";
import type { Orchestrator } from "../../engine/orchestrator.js";
import { requireWithin } from "../../engine/response-budget.js";
import type { Access } from "../access.js";
import { taskDeclarationFromProto, taskToProto, workerToProto } from "../convert.js";
import { triggerDefinitionFromProto } from "../convert-trigger.js";

/** AppService; with tokens, RegisterApp needs admin or worker:<app> (see access-policy.ts). */
export function createAppService(orchestrator: Orchestrator, access: Access): ServiceImpl<typeof AppService> {
  return {
    async registerApp(request, context) {
      const definitions = request.triggers.map((trigger, i) => {
        const { appId: _ignored, ...definition } = triggerDefinitionFromProto(trigger, `triggers[${i}]`);
        return definition;
      });
      const registered = await orchestrator.triggers.registerApp(
        request.appId,
        request.tasks.map(taskDeclarationFromProto),
        definitions,
      );
      access.audit.changed("app.registered", access.caller(context), {
        appId: request.appId,
        tasks: request.tasks.length,
        triggers: definitions.length,
      });
      return registered;
    },
    async listTasks(request) {
      await orchestrator.tasks.load();
      const tasks = orchestrator.tasks.list(request.appId || undefined);
      requireWithin(
        tasks,
        orchestrator.options.maxResponseBytes,
        "tasks listed",
        "list one app's with appId",
      );
      const serving = await orchestrator.tasks.servingWorkers();
      return { tasks: tasks.map((task) => taskToProto(task, serving.get(task.id) ?? 0)) };
    },
    async listWorkers(request) {
      const workers = await orchestrator.tasks.liveWorkers(request.appId || undefined);
      return { workers: workers.map(workerToProto) };
    },
  };
}
