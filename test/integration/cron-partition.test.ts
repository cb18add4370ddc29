/**
 * Cron shared out among replicas: three orchestrators on one store (one memory store,
 * or three connections to one Redis prefix) and one fake clock. Every slot is
 * claimed exactly once; while all are alive each replica claims the slots of the
 * conditions it owns (rendezvous hashing) and no other; when one stops without
 * leaving (a crash: its membership stays until it is no longer live), its slots are
 * taken over within the takeover delay, then given to new owners; one alive but
 * busy (its claims hang) is left alone until it is stuck for four graces.
 */
import { afterEach, describe, expect, inject, it } from "vitest";
import type { TriggerDefinition } from "../../src/domain/trigger.js";
import { Orchestrator } from "../../src/engine/orchestrator.js";
import { rendezvousOwner } from "../../src/engine/replicas/rendezvous.js";
import { MemoryStore } from "../../src/store/memory/memory-store.js";
import { RedisStore } from "../../src/store/redis/redis-store.js";
import type {
  CronAdvance,
  CronFired,
  CronFiringClaim,
  ReplicaAnnouncement,
  Store,
} from "../../src/store/store.js";
import { FakeClock, settleMicrotasks } from "../support/fake-clock.js";
import { type RecordingLogger, recordingLogger } from "../support/logs.js";
import { interceptCalls } from "../support/store-faults.js";
import { STORE_KINDS, type StoreKind, storeAvailable, uniquePrefix } from "../support/stores.js";
import { deferred, waitFor } from "../support/wait.js";

const T0 = Date.parse("2026-03-01T10:00:00.100Z");
const STEP_MS = 50;
const SWEEP_MS = 250;
/** The default. */
const TAKEOVER_MS = 1_000;
const GRACE_MS = 2_000;
/** As the orchestrator derives them: eight sweeps; four graces. */
const LIVE_FOR_MS = 8 * SWEEP_MS;
const STUCK_OWNER_MS = 4 * GRACE_MS;
const TRIGGERS = 30;
const REPLICAS = ["replica-a", "replica-b", "replica-c"] as const;
const TAKEOVER_LOG = "claimed cron slots whose owner had not reached them";

const at = (time: string) => Date.parse(`2026-03-01T${time}Z`);

interface Claim {
  replica: string;
  key: string;
  slot: number;
  /** Fake time of the advanceCron call. */
  at: number;
}

/** What the test does to one replica's store. */
interface Handle {
  /** Its retirement is lost, as when the process dies. */
  crashed: boolean;
  /** Its claims wait for this (a stuck pass), not counted as in flight meanwhile. */
  hang?: Promise<void>;
  /** Its latest announcement. */
  announced?: ReplicaAnnouncement;
}

let cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

/** Handles on one store, one per replica. */
async function sharedStores(kind: StoreKind, count: number): Promise<Store[]> {
  if (kind === "memory") {
    const store = new MemoryStore();
    return Array.from({ length: count }, () => store);
  }
  const prefix = uniquePrefix();
  const stores: Store[] = [];
  for (let i = 0; i < count; i++) {
    const store = await RedisStore.connect({ url: inject("redisUrl"), prefix });
    cleanups.push(() => store.close());
    stores.push(store);
  }
  return stores;
}

/**
 * The store as one replica uses it: its cron claims won are recorded, its calls in
 * flight counted (blocking reads aside: they always are), and `handle` applied.
 */
function observed(
  store: Store,
  replica: string,
  handle: Handle,
  claims: Claim[],
  clock: FakeClock,
  inFlight: { count: number },
): Store {
  return interceptCalls(store, (property, args, real) => {
    if (property === "readOccurrences" || property === "readDeferred") return real();
    const call = (args: unknown[]) => {
      const calledAt = clock.now();
      if (property === "announceReplica") handle.announced = args[0] as ReplicaAnnouncement;
      const result = real();
      if (!(result instanceof Promise)) return result; // subscribe, close…
      inFlight.count++;
      return result
        .then((answer: unknown) => {
          if (property === "advanceCron") {
            (args[0] as CronAdvance[]).forEach((advance, i) => {
              if (!(answer as boolean[])[i]) return;
              const key = `${advance.triggerId}:${advance.conditionIndex}`;
              for (const occurrence of advance.occurrences)
                claims.push({ replica, key, slot: occurrence.scheduledTime, at: calledAt });
            });
          }
          if (property === "fireCron") {
            (args[0] as CronFiringClaim[]).forEach((claim, i) => {
              if ((answer as CronFired[])[i]?.outcome === "lost") return;
              const key = `${claim.triggerId}:${claim.conditionIndex}`;
              for (const { record } of claim.firings)
                claims.push({
                  replica,
                  key,
                  slot: Number(record.occurrenceId.split(":").at(-1)),
                  at: calledAt,
                });
            });
          }
          return answer;
        })
        .finally(() => inFlight.count--);
    };
    if (property === "retireReplica" && handle.crashed) return Promise.resolve();
    if ((property === "advanceCron" || property === "fireCron") && handle.hang)
      return handle.hang.then(() => call(args));
    return call(args);
  });
}

const everySecond = (n: number): TriggerDefinition => ({
  targetTaskId: "tick",
  conditions: [
    { kind: "cron", expression: "* * * * * *", timezone: "UTC", misfire: "skip", catchUpWindowMs: 0 },
  ],
  logic: "and",
  providers: [{ kind: "static", value: { n } }],
  join: { withinMs: 0, correlationKey: "", maxPending: 0 },
  appId: "",
});

/** Three replicas with TRIGGERS conditions on `* * * * * *`, registered at T0. */
async function startCluster(kind: StoreKind) {
  const clock = new FakeClock(T0);
  const claims: Claim[] = [];
  const inFlight = { count: 0 };
  const raw = await sharedStores(kind, REPLICAS.length);
  const handles: Handle[] = REPLICAS.map(() => ({ crashed: false }));
  const orchestrators: Orchestrator[] = [];
  const loggers: RecordingLogger[] = [];
  for (const [i, replicaId] of REPLICAS.entries()) {
    const logger = recordingLogger();
    loggers.push(logger);
    const store = observed(raw[i] as Store, replicaId, handles[i] as Handle, claims, clock, inFlight);
    const orchestrator = await Orchestrator.start(store, {
      clock,
      logger,
      replicaId,
      sweepIntervalMs: SWEEP_MS,
      cronTakeoverMs: TAKEOVER_MS,
      cronGraceMs: GRACE_MS,
      drainTimeoutMs: 0,
    });
    orchestrators.push(orchestrator);
    cleanups.push(() => orchestrator.stop());
  }
  const { triggerIds } = await (orchestrators[0] as Orchestrator).triggers.registerApp(
    "cron-app",
    [{ id: "tick" }],
    Array.from({ length: TRIGGERS }, (_, n) => everySecond(n)),
  );
  await waitFor(
    () => orchestrators.every((orchestrator) => orchestrator.index.size === TRIGGERS),
    "every replica to index the triggers",
  );
  const keys = triggerIds.map((id) => `${id}:0`);
  const ownerOf = (key: string, live: readonly string[] = REPLICAS) => rendezvousOwner(key, live) as string;
  const keysOf = (replica: string, live: readonly string[] = REPLICAS) =>
    keys.filter((key) => ownerOf(key, live) === replica);
  for (const replica of REPLICAS) expect(keysOf(replica).length).toBeGreaterThan(0);
  return {
    clock,
    claims,
    raw,
    handles,
    orchestrators,
    keys,
    ownerOf,
    keysOf,
    /** Takeovers that replica logged, in conditions. */
    takenOverBy: (i: number) =>
      (loggers[i] as RecordingLogger).lines
        .filter((line) => line.message === TAKEOVER_LOG)
        .reduce((sum, line) => sum + Number(line.fields.conditions), 0),
    /** Moves the fake clock by `ms` in steps, letting each step's store calls end before the next. */
    async run(ms: number) {
      for (let moved = 0; moved < ms; moved += STEP_MS) {
        await clock.advance(STEP_MS);
        for (let quiet = 0; quiet < 2; ) {
          await waitFor(() => inFlight.count === 0, "the replicas' store calls to end", 5_000, 1);
          await settleMicrotasks();
          quiet = inFlight.count === 0 ? quiet + 1 : 0;
        }
      }
    },
    /** Every slot of every condition from `first` to `last` but `missed` ("key@slot"), each claimed once. */
    expectEachSlotOnce(first: number, last: number, missed: readonly string[] = []) {
      const expected = keys
        .flatMap((key) =>
          Array.from({ length: (last - first) / 1000 + 1 }, (_, i) => `${key}@${first + i * 1000}`),
        )
        .filter((slot) => !missed.includes(slot));
      expect(claims.map((claim) => `${claim.key}@${claim.slot}`).sort()).toEqual(expected.sort());
    },
  };
}

type Cluster = Awaited<ReturnType<typeof startCluster>>;

/** All alive: each slot by its owner, the moment it is due. */
function expectOwnersOnTime(cluster: Cluster, claims: readonly Claim[], slots: number) {
  expect(claims.length).toBe(TRIGGERS * slots);
  for (const claim of claims) {
    expect(claim.replica).toBe(cluster.ownerOf(claim.key));
    expect(claim.at - claim.slot).toBeLessThan(STEP_MS);
  }
  for (const replica of REPLICAS) {
    expect(claims.filter((claim) => claim.replica === replica).length).toBe(
      cluster.keysOf(replica).length * slots,
    );
  }
}

describe.each(STORE_KINDS)("cron shared out among replicas: %s", (kind) => {
  it("each slot is claimed once, by its owner while all live; a crashed replica's slots are taken over, then moved", async (context) => {
    if (!storeAvailable(kind)) context.skip();
    const cluster = await startCluster(kind);
    const { claims, ownerOf, keysOf } = cluster;
    // Until 10:00:06.900, 10:00:01 … 10:00:06 due: crashed just before a slot, replica-c still
    // counts as live at its takeover check.
    await cluster.run(6_800);
    expectOwnersOnTime(cluster, claims, 6);

    // replica-c stops as a crash would: no more claims or announcements, but it never leaves. Its
    // last sign of life is the crash (as if it had announced itself just before), so that it
    // counts as live until 10:00:07.900: past the takeover of the 10:00:07 slot.
    const crashedAt = cluster.clock.now();
    const victim = cluster.handles[2] as Handle;
    victim.crashed = true;
    await (cluster.orchestrators[2] as Orchestrator).stop();
    const last = victim.announced as ReplicaAnnouncement;
    await (cluster.raw[2] as Store).replicas.announceReplica({ ...last, seenAt: crashedAt }, 0);
    const beforeCrash = claims.length;
    await cluster.run(5_200); // 10:00:07 … 10:00:12
    const after = claims.slice(beforeCrash);
    const survivors = ["replica-a", "replica-b"];
    // Not live any more once not seen for LIVE_FOR_MS (and the others' next check-in read that).
    const movedBy = crashedAt + LIVE_FOR_MS + 2 * SWEEP_MS + STEP_MS;
    for (const claim of after) {
      expect(survivors).toContain(claim.replica);
      const ownerBefore = ownerOf(claim.key);
      if (ownerBefore !== "replica-c") {
        // The survivors' own conditions go on as before.
        expect(claim.replica).toBe(ownerBefore);
        expect(claim.at - claim.slot).toBeLessThan(STEP_MS);
      } else if (claim.slot > movedBy) {
        // replica-c is gone from the live replicas: its conditions have new owners, on time.
        expect(claim.replica).toBe(ownerOf(claim.key, survivors));
        expect(claim.at - claim.slot).toBeLessThan(STEP_MS);
      } else {
        // Meanwhile: taken over once its progress showed it had not got there, or claimed by the new
        // owner as soon as it learnt it owns the condition: at the latest, the first check-in past the delay.
        expect(claim.at - claim.slot).toBeLessThan(TAKEOVER_MS + SWEEP_MS + 2 * STEP_MS);
      }
    }
    // The first slot after the crash came while replica-c still counted as live: taken over.
    const takenOver = after.filter(
      (claim) => ownerOf(claim.key) === "replica-c" && claim.slot === at("10:00:07.000"),
    );
    expect(takenOver.length).toBe(keysOf("replica-c").length);
    for (const claim of takenOver) {
      expect(claim.at - claim.slot).toBeGreaterThanOrEqual(TAKEOVER_MS);
      expect(claim.at).toBeLessThan(crashedAt + LIVE_FOR_MS);
    }
    expect(cluster.takenOverBy(0) + cluster.takenOverBy(1)).toBe(takenOver.length);
    cluster.expectEachSlotOnce(at("10:00:01.000"), at("10:00:12.000"));
  });

  it("a busy owner (its claims hang, it announces itself) is left to claim its own; once stuck for four graces, taken over", async (context) => {
    if (!storeAvailable(kind)) context.skip();
    const cluster = await startCluster(kind);
    const { claims, ownerOf, keysOf } = cluster;
    await cluster.run(3_800); // 10:00:03.900
    expectOwnersOnTime(cluster, claims, 3);

    // replica-b's pass of 10:00:04 hangs; it goes on announcing itself (its sweeps run), its
    // claims standing at its pass of 10:00:03.
    const release = deferred();
    (cluster.handles[1] as Handle).hang = release.promise;
    const beforeHang = claims.length;
    await cluster.run(9_200); // 10:00:13.100
    const stuck = keysOf("replica-b");
    const since = claims.slice(beforeHang);
    for (const claim of since.filter((claim) => !stuck.includes(claim.key))) {
      expect(claim.replica).toBe(ownerOf(claim.key));
      expect(claim.at - claim.slot).toBeLessThan(STEP_MS);
    }
    const takenOver = since.filter((claim) => stuck.includes(claim.key));
    const stuckFrom = at("10:00:03.000");
    for (const claim of takenOver) {
      expect(claim.replica).not.toBe("replica-b");
      // Left alone while only busy.
      expect(claim.at).toBeGreaterThanOrEqual(stuckFrom + STUCK_OWNER_MS);
    }
    // Then slots older than the grace were missed (dropped by misfire policy "skip"), the due ones claimed…
    const firstTakeover = Math.min(...takenOver.map((claim) => claim.at));
    // (Its next announcement, then a check-in of the others: a sweep each, plus a step of the clock.)
    expect(firstTakeover).toBeLessThanOrEqual(
      stuckFrom + STUCK_OWNER_MS + 2 * (SWEEP_MS + STEP_MS) + STEP_MS,
    );
    const slotsOf = (key: string) =>
      takenOver.filter((claim) => claim.key === key).map((claim) => claim.slot);
    const firstDue = Math.ceil((firstTakeover - GRACE_MS) / 1000) * 1000;
    for (const key of stuck) {
      expect(slotsOf(key)[0]).toBe(firstDue);
      // (10:00:13 is claimed by 10:00:13.100 or not, as the check-ins fall.)
      expect(slotsOf(key).filter((slot) => slot <= at("10:00:12.000"))).toEqual(
        Array.from({ length: (at("10:00:12.000") - firstDue) / 1000 + 1 }, (_, i) => firstDue + i * 1000),
      );
    }
    const triggerId = (stuck[0] as string).replace(/:0$/, "");
    const { evaluations } = await (cluster.orchestrators[0] as Orchestrator).triggers.explain(triggerId, 50);
    expect(evaluations.filter((evaluation) => evaluation.outcome === "skipped").map((e) => e.detail)).toEqual(
      [
        `${(firstDue - at("10:00:04.000")) / 1000} missed slot(s) from 2026-03-01T10:00:04.000Z dropped by misfire policy "skip"`,
      ],
    );
    // …and the next ones at the latest after the takeover delay (the owner still stuck, a takeover
    // claims what is due then).
    for (const claim of takenOver.filter((claim) => claim.at > firstTakeover)) {
      expect(claim.at - claim.slot).toBeLessThan(TAKEOVER_MS + SWEEP_MS + 2 * STEP_MS);
    }
    // Logged by the takers: one condition per claim, whatever the slots it took.
    const claimsMade = new Set(takenOver.map((claim) => `${claim.key}@${claim.at}`)).size;
    expect(cluster.takenOverBy(0) + cluster.takenOverBy(2)).toBe(claimsMade);

    // Its stuck claim goes through at last, and loses: the slots were claimed. It claims its own again.
    release.resolve();
    const beforeRelease = claims.length;
    await cluster.run(3_000); // 10:00:16.100
    for (const claim of claims.slice(beforeRelease).filter((claim) => claim.slot >= at("10:00:15.000"))) {
      expect(claim.replica).toBe(ownerOf(claim.key));
      expect(claim.at - claim.slot).toBeLessThan(STEP_MS);
    }
    const missed = stuck.flatMap((key) =>
      Array.from(
        { length: (firstDue - at("10:00:04.000")) / 1000 },
        (_, i) => `${key}@${at("10:00:04.000") + i * 1000}`,
      ),
    );
    cluster.expectEachSlotOnce(at("10:00:01.000"), at("10:00:16.000"), missed);
  });
});
