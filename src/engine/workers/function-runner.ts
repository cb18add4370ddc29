import type { JsonValue } from "../../domain/json.js";
import type { Clock } from "../clock.js";
import { newId } from "../ids.js";
import type { EvaluationRequest, WorkerSession } from "./worker-session.js";

export interface FunctionRunnerOptions {
  /** How long a worker may take to answer one evaluation. */
  evaluationTimeoutMs: number;
  /** How long an evaluation waits for a worker of its app that knows the function. */
  waitForWorkerMs: number;
}

/**
 * No worker of the app that knows the function connected in time: nothing ran, so
 * the evaluation is kept for later (deferred), not recorded as a failure of user code.
 */
export class NoWorkerError extends Error {
  override name = "NoWorkerError";
}

const STOPPING = "the replica is stopping; the evaluation is kept for another replica or its next start";

interface Call {
  appId: string;
  request: EvaluationRequest;
  resolve: (value: JsonValue) => void;
  reject: (error: Error) => void;
  session?: WorkerSession;
  cancelTimer: () => void;
}

/** What {@link FunctionRunner} needs: one dependencies object. */
export interface FunctionRunnerDeps {
  /** The worker streams of this replica. */
  sessions: () => Iterable<WorkerSession>;
  clock: Clock;
  options: FunctionRunnerOptions;
}

/**
 * Runs filter and provider functions on workers of the app that declared them (the
 * orchestrator never runs user code). A call goes to a connected worker that
 * announced the function; it waits for one to connect, and moves to another worker
 * when its worker disconnects before answering.
 */
export class FunctionRunner {
  private readonly inFlight = new Map<string, Call>();
  private parked: Call[] = [];
  private rotation = 0;
  private stopping = false;

  /** The worker streams of this replica. */
  private readonly sessions: () => Iterable<WorkerSession>;
  private readonly clock: Clock;
  private readonly options: FunctionRunnerOptions;

  constructor(deps: FunctionRunnerDeps) {
    ({ sessions: this.sessions, clock: this.clock, options: this.options } = deps);
  }

  /** Runs `functionId` of `appId`; rejects with the function's error, a timeout, or NoWorkerError. */
  call(appId: string, request: Omit<EvaluationRequest, "requestId">): Promise<JsonValue> {
    return new Promise((resolve, reject) => {
      const call: Call = {
        appId,
        request: { ...request, requestId: newId("eval") },
        resolve,
        reject,
        cancelTimer: () => {},
      };
      this.dispatch(call);
    });
  }

  /** True when a worker of `appId` is connected to this replica. */
  hasWorkerOf(appId: string): boolean {
    for (const session of this.sessions()) if (!session.closed && session.appId === appId) return true;
    return false;
  }

  /** A worker answered. Answers from another stream than the one asked are ignored. */
  answer(
    session: WorkerSession,
    requestId: string,
    outcome: { value: JsonValue } | { error: string },
  ): boolean {
    const call = this.inFlight.get(requestId);
    if (!call || call.session !== session) return false;
    this.inFlight.delete(requestId);
    call.cancelTimer();
    if ("error" in outcome) call.reject(new Error(outcome.error));
    else call.resolve(outcome.value);
    return true;
  }

  /** A worker stream ended: its unanswered calls go to another worker. */
  sessionClosed(session: WorkerSession): void {
    for (const call of [...this.inFlight.values()]) {
      if (call.session !== session) continue;
      this.inFlight.delete(call.request.requestId);
      call.cancelTimer();
      delete call.session;
      this.dispatch(call);
    }
  }

  /** Workers connected or announced functions: parked calls may go now. */
  sessionsChanged(): void {
    const parked = this.parked;
    this.parked = [];
    for (const call of parked) {
      call.cancelTimer();
      this.dispatch(call);
    }
  }

  /**
   * The replica is draining: calls waiting for a worker that knows their function
   * (and any that would wait from now on) give up at once with NoWorkerError, so
   * their evaluations are deferred (stored for another replica or the next start)
   * instead of holding the shutdown for up to waitForWorkerMs.
   */
  stopWaiting(): void {
    this.stopping = true;
    const parked = this.parked;
    this.parked = [];
    for (const call of parked) {
      call.cancelTimer();
      call.reject(new NoWorkerError(STOPPING));
    }
  }

  /**
   * Ends every pending call, answered or not (the drain limit passed), with
   * NoWorkerError: their evaluations are deferred, not recorded as failures of user
   * code. A late answer is ignored.
   */
  stop(): void {
    this.stopWaiting();
    for (const call of this.inFlight.values()) {
      call.cancelTimer();
      call.reject(new NoWorkerError(STOPPING));
    }
    this.inFlight.clear();
  }

  private dispatch(call: Call): void {
    const session = this.pick(call.appId, call.request.functionId);
    if (!session && this.stopping) {
      call.reject(new NoWorkerError(STOPPING));
      return;
    }
    if (!session) {
      this.parked.push(call);
      call.cancelTimer = this.clock.schedule(this.options.waitForWorkerMs, () => {
        this.parked = this.parked.filter((other) => other !== call);
        call.reject(
          new NoWorkerError(
            `no worker of app "${call.appId}" that knows function ${call.request.functionId} connected within ${this.options.waitForWorkerMs} ms`,
          ),
        );
      });
      return;
    }
    call.session = session;
    this.inFlight.set(call.request.requestId, call);
    call.cancelTimer = this.clock.schedule(this.options.evaluationTimeoutMs, () => {
      if (this.inFlight.delete(call.request.requestId)) {
        call.reject(
          new Error(
            `worker ${session.workerId} did not answer within ${this.options.evaluationTimeoutMs} ms`,
          ),
        );
      }
    });
    session.channel.evaluate(call.request);
  }

  private pick(appId: string, functionId: string): WorkerSession | undefined {
    const all = [...this.sessions()].filter(
      (session) => !session.closed && session.appId === appId && session.functions.has(functionId),
    );
    // A draining worker is on its way out: only when no other worker can.
    const active = all.filter((session) => !session.draining);
    const capable = active.length > 0 ? active : all;
    if (capable.length === 0) return undefined;
    this.rotation = (this.rotation + 1) % capable.length;
    return capable[this.rotation];
  }
}
