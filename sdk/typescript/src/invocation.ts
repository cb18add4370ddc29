import { setLongTimeout } from "@nenc/protocol/timers";
import type { NencClients } from "./client.js";
import { type InvocationInfo, invocationInfo } from "./convert.js";
import { rpc, TaskFailedError } from "./errors.js";
import type { JsonValue } from "./json.js";
import type { InvocationStatus } from "./status.js";

/**
 * A handle on one invocation: its id, its status, and its result once it is final.
 *
 * @example
 * const inv = await processOrder.invoke({ orderId: "o1", amount: 10 });
 * const result = await inv.result(); // throws TaskFailedError if the task failed
 * const same = app.invocation(inv.id); // a handle from its id, e.g. in another process
 */
export class Invocation<R = JsonValue> {
  constructor(
    readonly id: string,
    readonly taskId: string,
    private readonly clients: NencClients,
  ) {}

  /** The invocation as stored now (status, arguments, result or error, provenance). */
  async get(): Promise<InvocationInfo> {
    const response = await rpc(() => this.clients.invocations.getInvocation({ id: this.id }));
    return invocationInfo(response.invocation!);
  }

  /** Its status now. */
  async status(): Promise<InvocationStatus> {
    return (await this.get()).status;
  }

  /**
   * Waits (without polling: the orchestrator answers on the client's session stream
   * when the invocation is final) and resolves with the result, or rejects with the
   * task's error as a TaskFailedError. With `timeoutMs`, rejects when it is not final
   * by then (the invocation itself goes on).
   */
  async result(options: { timeoutMs?: number } = {}): Promise<R> {
    const finished = this.clients.session.watch(this.id);
    const message =
      options.timeoutMs === undefined
        ? await finished
        : await Promise.race([
            finished,
            new Promise<undefined>((resolve) =>
              setLongTimeout(options.timeoutMs ?? 0, () => resolve(undefined), { unref: true }),
            ),
          ]);
    if (!message) {
      finished.catch(() => {});
      throw new Error(
        `invocation ${this.id} of ${this.taskId} is still ${await this.status()} after ${options.timeoutMs} ms`,
      );
    }
    const info = invocationInfo(message);
    if (info.status === "SUCCESS") return (info.result ?? null) as R;
    const error = info.error ?? { type: "Error", message: "failed", chain: ["Error"], stack: "" };
    throw new TaskFailedError(this.id, error.type, error.message, error.chain, error.stack);
  }
}
