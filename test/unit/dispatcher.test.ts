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
  arguments: {},
  attempt: 1,
});

describe("Dispatcher", () => {
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
    const dispatcher = new Dispatcher({ work: store }, systemClock, silentLogger);
    const delivered: string[] = [];
    const session = new WorkerSession(
      {
        appId: "a",
        workerId: "w",
        concurrency: 4,
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
