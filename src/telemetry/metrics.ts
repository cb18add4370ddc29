import { collectDefaultMetrics, Gauge, Registry } from "prom-client";
import type { Evaluation } from "../domain/evaluation.js";
import type { Assignment } from "../domain/invocation.js";
import type { Clock } from "../engine/clock.js";
import type { EngineTelemetry } from "../engine/telemetry.js";
import type { Store } from "../store/store.js";
import { Counter, Histogram, type HistogramSeries } from "./instruments.js";
import { LabelCap } from "./label-cap.js";
import { timedStore } from "./timed-store.js";

/** Distinct values one label keeps by default before the rest are reported as `_other`. */
export const DEFAULT_MAX_LABEL_VALUES = 1_000;

/** Seconds: from half a millisecond (a memory-store step) to a minute (a backlog). */
const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];
/** Seconds: one store request, from a tenth of a millisecond to a second. */
const STORE_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

export interface MetricsOptions {
  /** What the gauges read (queue depths, live workers): the same on every replica. */
  store: Store;
  /** The engine's clock: which worker leases still run. */
  clock: Clock;
  /** Distinct task or trigger ids each labelled metric keeps (NENC_METRICS_MAX_LABEL_VALUES). */
  maxLabelValues?: number;
}

/**
 * The Prometheus metrics of one replica (docs/design.md §5; names in the README):
 * counters and histograms fed by the engine (this is its EngineTelemetry), store
 * request durations (see instrument), gauges read from the store at each scrape,
 * and the process's default metrics. Each replica has its own registry.
 */
export class Metrics implements EngineTelemetry {
  readonly registry = new Registry();
  private readonly tasks: LabelCap;
  private readonly triggers: LabelCap;
  private readonly apps: LabelCap;
  private readonly invocations: Counter;
  private readonly evaluations: Counter;
  private readonly triggerLatency: HistogramSeries;
  private readonly dispatchLatency: HistogramSeries;
  private readonly cronLag: HistogramSeries;
  private readonly storeRequests: Histogram;

  constructor(private readonly options: MetricsOptions) {
    const max = options.maxLabelValues ?? DEFAULT_MAX_LABEL_VALUES;
    if (!Number.isInteger(max) || max < 1)
      throw new Error(`NENC_METRICS_MAX_LABEL_VALUES must be a whole number of at least 1, got ${max}`);
    this.tasks = new LabelCap(max);
    this.triggers = new LabelCap(max);
    this.apps = new LabelCap(max);
    const registry = this.registry;
    this.invocations = new Counter(
      "nenc_invocations_total",
      "Invocations that reached a final status, by task and status.",
      ["task", "status"],
      registry,
    );
    this.evaluations = new Counter(
      "nenc_trigger_evaluations_total",
      "Trigger evaluations recorded, by trigger and outcome (fired, waiting, filtered_out, ...).",
      ["trigger", "outcome"],
      registry,
    );
    const latency = (name: string, help: string) =>
      new Histogram(name, help, [], LATENCY_BUCKETS, registry).series([]);
    this.triggerLatency = latency(
      "nenc_trigger_latency_seconds",
      "From a source occurrence to the invocation its trigger created.",
    );
    this.dispatchLatency = latency(
      "nenc_dispatch_latency_seconds",
      "From an invocation's creation to its first delivery to a worker.",
    );
    this.cronLag = latency(
      "nenc_cron_lag_seconds",
      "From a cron slot's scheduled time to its claim (fired, or logged for its trigger).",
    );
    this.storeRequests = new Histogram(
      "nenc_store_request_duration_seconds",
      "Store requests of this replica, by operation (role.method), as the engine waits for them.",
      ["op"],
      STORE_BUCKETS,
      registry,
    );
    this.registerGauges();
    collectDefaultMetrics({ register: registry });
  }

  /** The store, with each request's duration observed (give this one to the engine). */
  instrument(store: Store): Store {
    return timedStore(store, (op) => this.storeRequests.series([op]));
  }

  /** The exposition text and its content type, for GET /metrics. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  evaluationsRecorded(records: readonly Evaluation[]): void {
    for (const record of records) this.evaluations.inc([this.triggers.of(record.triggerId), record.outcome]);
  }

  invocationTriggered(_triggerId: string, latencyMs: number): void {
    this.triggerLatency.observe(Math.max(0, latencyMs) / 1000);
  }

  assignmentDelivered(assignment: Assignment, now: number): void {
    // The first delivery only: a retry's or a lost invocation's wait is not dispatch.
    if (assignment.attempt === 1 && !assignment.lost)
      this.dispatchLatency.observe(Math.max(0, now - assignment.createdAt) / 1000);
  }

  cronSlotClaimed(lagMs: number): void {
    this.cronLag.observe(Math.max(0, lagMs) / 1000);
  }

  invocationFinished(taskId: string, status: "SUCCESS" | "FAILED"): void {
    this.invocations.inc([this.tasks.of(taskId), status]);
  }

  /** Gauges read from the store at each scrape, so every replica reports the same. */
  private registerGauges(): void {
    const { store, clock } = this.options;
    const tasks = this.tasks;
    const apps = this.apps;
    new Gauge({
      name: "nenc_queue_depth",
      help: "Invocations waiting in each task's queue for a worker (all replicas).",
      labelNames: ["task"],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const [taskId, depth] of await store.work.queueDepths())
          this.inc({ task: tasks.of(taskId) }, depth);
      },
    });
    new Gauge({
      name: "nenc_workers_connected",
      help: "Workers whose lease runs, by app (connected to any replica).",
      labelNames: ["app"],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const worker of await store.work.liveWorkers(clock.now()))
          this.inc({ app: apps.of(worker.appId) });
      },
    });
  }
}
