/**
 * The Redis key layout. Every key of one deployment starts with `{prefix}:`: the
 * braces make the prefix a hash tag, so on Redis Cluster all of a deployment's
 * keys live in one slot and every multi-key Lua script stays atomic (scripts derive
 * per-entity keys from the prefix, which is valid because they share the tag).
 * Every script declares at least one key (none is `-0.lua`): Cluster routes a
 * script call to the node owning its declared keys' slot, and a derived key is in
 * that slot too.
 * Several deployments (or test runs) share one Redis with different prefixes.
 *
 * | key                          | type   | holds |
 * |------------------------------|--------|-------|
 * | tasks                        | hash   | task id → Task JSON |
 * | triggers                     | hash   | trigger id → Trigger JSON |
 * | paused                       | hash   | trigger id → "1" while the trigger is paused |
 * | app:<appId>:declared         | set    | the app's declared trigger ids |
 * | registry                     | string | registry version: INCR by every change of tasks, triggers, apps (their notices carry it) |
 * | dataset                      | string | the data set's identity: a random id set when the deployment's data is first created; gone or changed = the data was lost (see RegistryStore.openDataSet) |
 * | awaiting                     | set    | after a loss, the apps whose workers were asked to register again (removed as each registers; TTL: the wait's bound) |
 * | seq                          | string | sequence for ordering invocations and events |
 * | inv:<id>:att                 | list   | the invocation's ended attempts, JSON each, oldest first (dropped with it) |
 * | inv:<id>                     | hash   | one invocation (see codec.ts for fields; freq/creq: the request ids of the result and the claim that last changed it, see scripts.ts) |
 * | invs, invs:task:<t>, invs:trigger:<t> | zset | invocation ids by sequence (listing) |
 * | invkey:<key>                 | string | idempotency key → invocation id (TTL) |
 * | fired:<trigger>|<occurrence> | string | firing identity → invocation id (TTL: marker retention; outlives the invocation) |
 * | act:<bucket start>           | hash   | final statuses in a 10 s bucket: s (SUCCESS), f (FAILED) counts (TTL an hour; see activity.ts) |
 * | finished                     | zset   | finished invocations by sequence (retention): "<id>|<task>|<trigger>|<idempotency key>" |
 * | statusfollowers              | string | exists while some replica follows every status change (PX, refreshed) |
 * | resultwaiters                | string | exists while some replica waits for a final status (PX, refreshed): final statuses are published only then |
 * | queues                       | set    | task ids whose queue stream exists |
 * | q:<taskId>                   | stream | work queue of a task (consumer group "dispatch") |
 * | delayed                      | zset   | RETRY invocation ids by due time |
 * | worker:<workerId>            | set    | assignment ids the worker holds |
 * | workers                      | zset   | worker ids by lease deadline |
 * | sessions                     | hash   | worker id → session id of its current connection (only it gets work) |
 * | workerinfo                   | hash   | worker id → its profile JSON: app, tasks, concurrency, SDK (while connected; see liveWorkers) |
 * | occ                          | stream | occurrence log (consumer group "engine"; entries deleted on ack) |
 * | defer:<appId>                | stream | trigger evaluations waiting for a worker of the app |
 * | deferred                     | set    | the defer:<appId> streams that exist |
 * | evt:<id>                     | hash   | event JSON, code, idempotency key |
 * | evt:<id>:invs                | list   | invocations the event started |
 * | evts, evts:code:<c>          | zset   | event ids by emission time |
 * | evtkey:<key>                 | string | idempotency key → event id (TTL) |
 * | join:<trigger>               | hash   | AND partition → "version|entries", one "<firstAt> <entry JSON>" line each, oldest first |
 * | joinage:<trigger>            | zset   | partitions by their oldest entry's firstAt (the cap drops the oldest) |
 * | joinn:<trigger>              | string | waiting entries of the trigger, all partitions together |
 * | jmark:<trigger>|<occurrence> | string | the outcome of the join step an occurrence made (TTL: marker retention) |
 * | cron                         | hash   | "<trigger>:<condition>" → last scheduled slot |
 * | replicas                     | hash   | orchestrator replica id → "<seen at> <cron claimed through>" (ms; announced every sweep, forgotten a minute after it stopped) |
 * | evals:<trigger>              | list   | evaluation records, newest first (capped) |
 * | req:<requestId>              | string | the reply of a rare script call that includes "once" (connectWorker, advanceCron, deferEvaluation, openDataSet, app and trigger changes), answered again if ioredis re-sends that call (TTL 60 s; see scripts.ts). Claims and results keep none: they record their request id in the invocation (freq, creq) |
 * | notices                      | pubsub | change notices for every replica (final statuses while waited for, work; trigger and app changes with their registry version) |
 * | notices:status               | pubsub | non-final status changes, followed only while watched |
 */
export class RedisKeys {
  /** The part every key starts with, e.g. `{nenc}:`. */
  readonly base: string;

  constructor(prefix: string) {
    if (!/^[A-Za-z0-9_.:-]+$/.test(prefix)) {
      throw new Error(`redis key prefix "${prefix}" may use letters, digits and _ . : - only`);
    }
    this.base = `{${prefix}}:`;
  }

  key(...parts: string[]): string {
    return this.base + parts.join(":");
  }

  get tasks(): string {
    return this.key("tasks");
  }
  get triggers(): string {
    return this.key("triggers");
  }
  get paused(): string {
    return this.key("paused");
  }
  get registry(): string {
    return this.key("registry");
  }
  get dataSet(): string {
    return this.key("dataset");
  }
  get awaiting(): string {
    return this.key("awaiting");
  }
  get seq(): string {
    return this.key("seq");
  }
  get invocations(): string {
    return this.key("invs");
  }
  get finished(): string {
    return this.key("finished");
  }
  get queues(): string {
    return this.key("queues");
  }
  get delayed(): string {
    return this.key("delayed");
  }
  get workers(): string {
    return this.key("workers");
  }
  get sessions(): string {
    return this.key("sessions");
  }
  get workerProfiles(): string {
    return this.key("workerinfo");
  }
  get occurrences(): string {
    return this.key("occ");
  }
  get events(): string {
    return this.key("evts");
  }
  get cron(): string {
    return this.key("cron");
  }
  get replicas(): string {
    return this.key("replicas");
  }
  get notices(): string {
    return this.key("notices");
  }
  invocation(id: string): string {
    return this.key("inv", id);
  }
  invocationsOfTask(taskId: string): string {
    return this.key("invs", "task", taskId);
  }
  invocationsOfTrigger(triggerId: string): string {
    return this.key("invs", "trigger", triggerId);
  }
  worker(workerId: string): string {
    return this.key("worker", workerId);
  }
  queue(taskId: string): string {
    return this.key("q", taskId);
  }
  /** The final statuses counted in the activity bucket starting at `start` (see activity.ts). */
  activity(start: number): string {
    return this.key("act", String(start));
  }
  deferred(appId: string): string {
    return this.key("defer", appId);
  }
  event(id: string): string {
    return this.key("evt", id);
  }
  eventsOfCode(code: string): string {
    return this.key("evts", "code", code);
  }
  join(triggerId: string): string {
    return this.key("join", triggerId);
  }
  joinAge(triggerId: string): string {
    return this.key("joinage", triggerId);
  }
  joinCount(triggerId: string): string {
    return this.key("joinn", triggerId);
  }
  joinMarker(triggerId: string, occurrenceId: string): string {
    return this.key("jmark", `${triggerId}|${occurrenceId}`);
  }
  evaluations(triggerId: string): string {
    return this.key("evals", triggerId);
  }
  declared(appId: string): string {
    return this.key("app", appId, "declared");
  }
}
