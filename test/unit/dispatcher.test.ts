import { describe, expect, it } from "vitest";
import type { Assignment } from "../../src/domain/invocation.js";
import { silentLogger } from "../../src/domain/logger.js";
import { systemClock } from "../../src/engine/clock.js";
import { Dispatcher } from "../../src/engine/invocations/dispatcher.js";
import { WorkerSession } from "../../src/engine/workers/worker-session.js";
import type { WorkStore } from "../../src/store/store.js";
import { deferred } from "../support/wait.js";

const assignment = (id: string): Assignment => ({
  assignmentId: `asg-${id}`,
  invocationId: id,
  taskId: "t",
  createdAt: 0,
  arguments: {},
  attempt: 1,
});

/** A serving session of worker "w" running task "t" with `concurrency`, recording what it is given. */
function servingSession(concurrency: number, delivered: string[]): WorkerSession {
  const session = new WorkerSession(
    {
      appId: "a",
      workerId: "w",
      concurrency,
      prefetch: 0,
      taskIds: ["t"],
      functions: [],
      sdk: "",
      heldAssignmentIds: [],
    },
    {
      welcome: () => {},
      assign: (a) => delivered.push(a.invocationId),
      evaluate: () => {},
      abort: () => {},
      close: () => {},
    },
  );
  session.state = "serving";
  return session;
}

describe("Dispatcher", () => {
  it("a result asks for no refill once its tasks' queues were found empty, and asks again after a work notice", async () => {
    const store = { claimWork: async () => [] } as unknown as WorkStore;
    const dispatcher = new Dispatcher({ store: { work: store }, clock: systemClock, logger: silentLogger });
    const delivered: string[] = [];
    const session = servingSession(1, delivered);
    dispatcher.add(session); // its claim finds the queue empty
    await new Promise((resolve) => setImmediate(resolve));
    const refills: Array<string[] | undefined> = [];
    const finish = async (refill?: { taskIds: readonly string[] }) => {
      refills.push(refill ? [...refill.taskIds] : undefined);
      return { applied: true, claimed: refill ? [assignment("inv-q")] : [] };
    };
    // Busy with one attempt; it ends with no work queued: no claim with the result.
    session.deliver(assignment("inv-1"));
    session.finish("asg-inv-1");
    await dispatcher.finishAndRefill(session, finish);
    // Busy again when work is announced: the next result claims it in the same step.
    session.deliver(assignment("inv-2"));
    dispatcher.onWork("t");
    session.finish("asg-inv-2");
    await dispatcher.finishAndRefill(session, finish);
    expect(refills).toEqual([undefined, ["t"]]);
    expect(delivered).toEqual(["inv-1", "inv-2", "inv-q"]);
  });

  it("claims again when work is announced while a claim is under way (its credit set aside)", async () => {
    // The first claim reads an empty queue; the work announced meanwhile must not wait for a sweep.
    const claims: Array<ReturnType<typeof deferred<Assignment[]>>> = [];
    const store = {
      claimWork: () => {
        const claim = deferred<Assignment[]>();
        claims.push(claim);
        return claim.promise;
      },
    } as unknown as WorkStore;
    const dispatcher = new Dispatcher({ store: { work: store }, clock: systemClock, logger: silentLogger });
    const delivered: string[] = [];
    const session = servingSession(4, delivered);
    dispatcher.add(session); // claims at once: the first claim is under way
    expect(claims.length).toBe(1);
    expect(session.free).toBe(0);
    dispatcher.onWork("t");
    claims[0]!.resolve([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(claims.length).toBe(2);
    claims[1]!.resolve([assignment("inv-1")]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(delivered).toEqual(["inv-1"]);
  });
});
