import type { Evaluation } from "../../domain/evaluation.js";
import type { Logger } from "../../domain/logger.js";
import type { LoggedOccurrence, Store } from "../../store/store.js";
import { type Clock, sleepOn } from "../clock.js";
import type { TriggerEvaluator } from "../triggers/trigger-evaluator.js";
import type { TriggerIndex } from "../triggers/trigger-index.js";
import type { DeliveryCap } from "./delivery-cap.js";
import type { Gate } from "./gate.js";

export interface OccurrenceProcessorOptions {
  /** The replica the store hands occurrences to. */
  replicaId: string;
  /** Occurrences evaluated at the same time, at most. */
  maxInFlight: number;
  /** Nothing is read while it is closed (the store's data is being recovered). */
  gate?: Gate;
}

/** What {@link OccurrenceProcessor} needs: one dependencies object. */
export interface OccurrenceProcessorDeps {
  store: Pick<Store, "log">;
  /** The process clock (see Clock): pauses before retrying a failed read. */
  processClock: Clock;
  index: TriggerIndex;
  evaluator: TriggerEvaluator;
  cap: DeliveryCap;
  clock: Clock;
  logger: Logger;
  options: OccurrenceProcessorOptions;
}

/**
 * Reads the occurrence log as it grows (no polling loop: the read returns the moment
 * something is appended) and evaluates each occurrence against the triggers that
 * listen to it. An occurrence is acknowledged only after every trigger handled it,
 * so a crash or a store failure re-delivers it and exactly-once firing absorbs the
 * repeat. The store keeps one with this replica until it is settled or handed
 * back, however slow its evaluation (see docs/design.md §2).
 */
export class OccurrenceProcessor {
  private readonly abort = new AbortController();
  private running?: Promise<void>;
  private inFlight = 0;
  private readonly slotWaiters: Array<() => void> = [];
  private readonly idleWaiters: Array<() => void> = [];
  private pending: PendingSettle[] = [];
  private flushScheduled = false;
  private stopHandOut: () => void = () => {};

  constructor(private readonly deps: OccurrenceProcessorDeps) {}

  start(): void {
    if (this.running) return;
    this.stopHandOut = this.deps.store.log.onHandedOut(this.deps.options.replicaId, (items) =>
      this.accept(items),
    );
    this.running = this.loop();
  }

  /** Stops reading; resolves once in-flight evaluations ended. */
  async stop(): Promise<void> {
    this.stopHandOut();
    this.abort.abort();
    await this.running;
    while (this.inFlight > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private async loop(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      const room = this.deps.options.maxInFlight - this.inFlight;
      if (room <= 0) {
        await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
        continue;
      }
      await this.deps.options.gate?.passed(signal);
      if (signal.aborted) break;
      let batch: LoggedOccurrence[];
      try {
        batch = await this.deps.store.log.readOccurrences(
          this.deps.options.replicaId,
          Math.min(room, 256),
          1000,
          signal,
        );
      } catch (error) {
        if (signal.aborted) break;
        this.deps.logger.error("reading occurrences failed; retrying", { error: String(error) });
        await sleepOn(this.deps.processClock, 200, signal);
        continue;
      }
      // A read in flight when the gate closed may still bring occurrences: they stay
      // with this replica and are evaluated once it opens, against the triggers then.
      if (batch.length > 0) await this.deps.options.gate?.passed(signal);
      if (signal.aborted) break;
      for (const item of batch) void this.handle(item);
    }
  }

  /**
   * Occurrences a store step handed straight to this replica (no read): evaluated
   * at once, once the gate is open. They count against maxInFlight like read ones,
   * so the next read waits for room.
   */
  private accept(items: readonly LoggedOccurrence[]): void {
    const gate = this.deps.options.gate;
    const signal = this.abort.signal;
    if (!gate?.closed) {
      for (const item of items) void this.handle(item);
      return;
    }
    void gate.passed(signal).then(() => {
      if (!signal.aborted) for (const item of items) void this.handle(item);
    });
  }

  /**
   * Records the evaluations, then settles the occurrence. Occurrences finishing
   * together share one store step (one round trip for many). When that step fails,
   * each of them is settled alone, so that one occurrence the store refuses (a
   * poison one) does not count a failed delivery for the healthy ones beside it.
   */
  private settle(records: Evaluation[], item: LoggedOccurrence): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ records, item, resolve, reject });
      if (this.flushScheduled) return;
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        void this.flush(this.pending.splice(0));
      });
    });
  }

  private async flush(batch: PendingSettle[]): Promise<void> {
    try {
      await this.deps.store.log.settleOccurrences(
        batch.flatMap((item) => item.records),
        batch.map((pending) => pending.item),
      );
      for (const item of batch) item.resolve();
      return;
    } catch (error) {
      if (batch.length === 1) {
        batch[0]?.reject(error);
        return;
      }
    }
    await Promise.all(
      batch.map((item) =>
        this.deps.store.log.settleOccurrences(item.records, [item.item]).then(item.resolve, item.reject),
      ),
    );
  }

  private async handle(item: LoggedOccurrence): Promise<void> {
    this.inFlight++;
    try {
      await this.evaluateAndSettle(item);
    } finally {
      this.inFlight--;
      this.slotWaiters.shift()?.();
      if (this.inFlight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  /** Evaluates against every trigger listening and settles, under the delivery cap. */
  private evaluateAndSettle(item: LoggedOccurrence): Promise<void> {
    const { occurrence } = item;
    const triggers = this.deps.index.forOccurrence(occurrence);
    return this.deps.cap.deliver(
      {
        occurrenceId: occurrence.id,
        deliveries: item.deliveries,
        triggerIds: triggers.map((compiled) => compiled.trigger.id),
      },
      {
        evaluate: async () => {
          // Every trigger's evaluation ends before the occurrence is settled or left.
          const outcomes = await Promise.allSettled(
            triggers.map((compiled) => this.deps.evaluator.evaluate(compiled, occurrence)),
          );
          const failed = outcomes.find(
            (outcome): outcome is PromiseRejectedResult => outcome.status === "rejected",
          );
          if (failed) throw failed.reason;
          return outcomes.flatMap((outcome) => (outcome.status === "fulfilled" ? outcome.value : []));
        },
        settle: (records) => this.settle(records, item),
        retry: () => this.deps.store.log.retryOccurrences([item]),
        now: () => this.deps.clock.now(),
        failing: "evaluating an occurrence",
        item: "an occurrence",
        fields: { occurrenceId: occurrence.id },
      },
    );
  }
}

/** An occurrence waiting for the next batched settle. */
interface PendingSettle {
  records: Evaluation[];
  item: LoggedOccurrence;
  resolve: () => void;
  reject: (error: unknown) => void;
}
