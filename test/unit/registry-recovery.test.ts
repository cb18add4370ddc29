/**
 * The engine's side of a store that lost its data, with a fake clock and a memory
 * store whose check-in reports the data set gone once (failure injection: a memory
 * store never loses its data). The replica stops serving and evaluating, asks its
 * workers to register again (NOT_FOUND), logs what cannot come back, and serves
 * again once the app registered and every replica had time to notice. A replica
 * that starts meanwhile holds back too.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { NencError } from "../../src/domain/errors.js";
import { Orchestrator } from "../../src/engine/orchestrator.js";
import type { WorkerChannel } from "../../src/engine/workers/worker-session.js";
import { MemoryStore } from "../../src/store/memory/memory-store.js";
import type { ReplicaAnnouncement, ReplicaCheckIn } from "../../src/store/store.js";
import { FakeClock } from "../support/fake-clock.js";
import { recordingLogger } from "../support/logs.js";
import { waitFor } from "../support/wait.js";

/** Reports its data set gone at the next check-in after `forget()`. */
class ForgetfulStore extends MemoryStore {
  private forgetting = false;

  constructor() {
    super();
    const announce = this.replicas.announceReplica.bind(this.replicas);
    this.replicas.announceReplica = async (
      announcement: ReplicaAnnouncement,
      liveSince: number,
    ): Promise<ReplicaCheckIn> => {
      const checkIn = await announce(announcement, liveSince);
      if (!this.forgetting) return checkIn;
      this.forgetting = false;
      return { ...checkIn, dataSet: "" };
    };
  }

  forget(): void {
    this.forgetting = true;
  }
}

let running: Orchestrator[] = [];
afterEach(async () => {
  for (const orchestrator of running) await orchestrator.stop();
  running = [];
});

const SWEEP_MS = 250;
const SETTLE_MS = 8 * SWEEP_MS;

describe("registry recovery", () => {
  it("a lost data set: not serving, occurrences held, workers asked to register again, counts logged; back once the app registered", async () => {
    const clock = new FakeClock(1_000_000);
    const store = new ForgetfulStore();
    const logger = recordingLogger();
    const orchestrator = await Orchestrator.start(store, {
      clock,
      logger,
      sweepIntervalMs: SWEEP_MS,
      drainTimeoutMs: 0,
    });
    running.push(orchestrator);
    const servingChanges: boolean[] = [];
    orchestrator.onServingChange(() => servingChanges.push(orchestrator.serving));
    const declare = () =>
      orchestrator.triggers.registerApp(
        "app",
        [{ id: "task" }],
        [
          {
            targetTaskId: "task",
            conditions: [{ kind: "event", code: "e" }],
            logic: "and",
            providers: [],
            join: { withinMs: 0, correlationKey: "", maxPending: 0 },
          },
        ],
      );
    await declare();
    const closed: Array<NencError | undefined> = [];
    const channel: WorkerChannel = {
      welcome: () => {},
      assign: () => {},
      evaluate: () => {},
      abort: () => {},
      close: (error) => closed.push(error),
    };
    const hello = {
      workerId: "w1",
      concurrency: 1,
      prefetch: 0,
      taskIds: [],
      functions: [],
      sdk: "test",
      heldAssignmentIds: [],
    };
    await orchestrator.workers.connect({ ...hello, appId: "app" }, channel);
    const fired = async () => (await store.work.listInvocations({ taskId: "task", limit: 10 })).items.length;
    await orchestrator.invocations.invoke("task", {}); // unfinished: no worker runs "task"
    await clock.advance(SWEEP_MS); // the last check-in before the loss counts it

    store.forget();
    await clock.advance(SWEEP_MS);
    expect(orchestrator.serving).toBe(false);
    expect(servingChanges).toEqual([false]);
    expect(closed.map((error) => error?.code)).toEqual(["NOT_FOUND"]);
    expect(closed[0]?.message).toContain('app "app" and its tasks are not registered any more');
    const lost = logger.lines.filter((line) => line.level === "error");
    expect(lost.map((line) => line.fields)).toEqual([
      {
        reason: "its data set is gone: Redis restarted empty, or was flushed",
        tasks: 1,
        declaredTriggers: 1,
        runtimeTriggers: 0,
        runtimeTriggerIds: [],
        assignmentsRunning: 0,
        invocationsAwaited: 0,
        invocationsUnfinished: 1,
        appsAwaited: ["app"],
        workerStreamsClosed: 1,
      },
    ]);

    // A replica started meanwhile holds its evaluation too, without a loss of its own.
    const joiner = await Orchestrator.start(store, { clock, sweepIntervalMs: SWEEP_MS, drainTimeoutMs: 0 });
    running.push(joiner);
    expect(joiner.serving).toBe(false);

    // Emitted while recovering: stored, not evaluated.
    await orchestrator.events.emit("e", {});
    await clock.advance(SETTLE_MS);
    expect(orchestrator.serving).toBe(false); // the app is still awaited
    expect(await fired()).toBe(1); // the invocation from before: nothing fired
    expect(joiner.serving).toBe(false);

    await declare(); // the worker registered again
    await clock.advance(SWEEP_MS);
    expect(orchestrator.serving).toBe(true);
    expect(joiner.serving).toBe(true);
    expect(servingChanges).toEqual([false, true]);
    const back = "serving again: the registry is back after the store lost its data";
    expect(logger.lines.filter((line) => line.message === back).map((line) => line.fields)).toEqual([
      { tasks: 1, triggers: 1, recoveredInMs: SETTLE_MS + SWEEP_MS },
    ]);
    await waitFor(async () => (await fired()) === 2, "the held event to fire");
  });
});
