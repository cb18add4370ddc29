/**
 * Cron shared out among replicas: three orchestrators on one store (one memory store,
 * or three connections to one Redis prefix) and one fake clock. Every slot is
 * claimed exactly once; while all are alive each replica claims the slots of the
 * conditions it owns (rendezvous hashing) and no other; when one stops without
 * leaving (a crash: its membership stays until it is no longer live), its slots are
 * taken over within the takeover delay, then given to new owners, still once each.
 */
import { afterEach, describe, expect, inject, it } from "vitest";
import type { TriggerDefinition } from "../../src/domain/trigger.js";
import { Orchestrator } from "../../src/engine/orchestrator.js";
import { rendezvousOwner } from "../../src/engine/rendezvous.js";
import { MemoryStore } from "../../src/store/memory/memory-store.js";
import { RedisStore } from "../../src/store/redis/redis-store.js";
import type { CronAdvance, ReplicaAnnouncement, Store } from "../../src/store/store.js";
import { FakeClock, settleMicrotasks } from "../support/fake-clock.js";
import { type RecordingLogger, recordingLogger } from "../support/logs.js";
import { STORE_KINDS, type StoreKind, storeAvailable, uniquePrefix } from "../support/stores.js";
import { waitFor } from "../support/wait.js";

const T0 = Date.parse("2026-03-01T10:00:00.100Z");
const STEP_MS = 50;
const SWEEP_MS = 250;
const TAKEOVER_MS = 500;
/** As the orchestrator derives it: four sweeps. */
const LIVE_FOR_MS = 4 * SWEEP_MS;
const TRIGGERS = 30;
const REPLICAS = ["replica-a", "replica-b", "replica-c"] as const;

interface Claim {
  replica: string;
  key: string;
  slot: number;
  /** Fake time of the advanceCron call. */
  at: number;
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
 * flight counted (blocking reads aside: they always are), its latest announcement
 * kept, and once `crashed` its retirement is lost, as when the process dies.
 */
function observed(
  store: Store,
  replica: string,
  claims: Claim[],
  clock: FakeClock,
  inFlight: { count: number },
) {
  const state: { crashed: boolean; announced?: ReplicaAnnouncement } = { crashed: false };
  const proxy = new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function" || property === "readOccurrences" || property === "readDeferred")
        return value;
      return (...args: unknown[]) => {
        if (property === "retireReplica" && state.crashed) return Promise.resolve();
        const at = clock.now();
        if (property === "announceReplica") state.announced = args[0] as ReplicaAnnouncement;
        const result = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (!(result instanceof Promise)) return result; // subscribe, close…
        inFlight.count++;
        return result
          .then((answer: unknown) => {
            if (property === "advanceCron") {
              (args[0] as CronAdvance[]).forEach((advance, i) => {
                if (!(answer as boolean[])[i]) return;
                const key = `${advance.triggerId}:${advance.conditionIndex}`;
                for (const occurrence of advance.occurrences)
                  claims.push({ replica, key, slot: occurrence.scheduledTime, at });
              });
            }
            return answer;
          })
          .finally(() => inFlight.count--);
      };
    },
  });
  return { store: proxy, state };
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

describe.each(STORE_KINDS)("cron shared out among replicas: %s", (kind) => {
  it("each slot is claimed once, by its owner while all live; a crashed replica's slots are taken over, then moved", async (context) => {
    if (!storeAvailable(kind)) context.skip();
    const clock = new FakeClock(T0);
    const claims: Claim[] = [];
    const inFlight = { count: 0 };
    const raw = await sharedStores(kind, REPLICAS.length);
    const replicas = REPLICAS.map((replica, i) =>
      observed(raw[i] as Store, replica, claims, clock, inFlight),
    );
    const orchestrators: Orchestrator[] = [];
    const loggers: RecordingLogger[] = [];
    for (const [i, replicaId] of REPLICAS.entries()) {
      const logger = recordingLogger();
      loggers.push(logger);
      const orchestrator = await Orchestrator.start((replicas[i] as { store: Store }).store, {
        clock,
        logger,
        replicaId,
        sweepIntervalMs: SWEEP_MS,
        cronTakeoverMs: TAKEOVER_MS,
        cronGraceMs: 5_000,
        drainTimeoutMs: 0,
      });
      orchestrators.push(orchestrator);
      cleanups.push(() => orchestrator.stop());
    }
    const [a, , c] = orchestrators as [Orchestrator, Orchestrator, Orchestrator];

    /** Moves the fake clock by `ms` in steps, letting each step's store calls end before the next. */
    const run = async (ms: number) => {
      for (let moved = 0; moved < ms; moved += STEP_MS) {
        await clock.advance(STEP_MS);
        for (let quiet = 0; quiet < 2; ) {
          await waitFor(() => inFlight.count === 0, "the replicas' store calls to end", 5_000, 1);
          await settleMicrotasks();
          quiet = inFlight.count === 0 ? quiet + 1 : 0;
        }
      }
    };

    const { triggerIds } = await a.triggers.registerApp(
      "cron-app",
      [{ id: "tick" }],
      Array.from({ length: TRIGGERS }, (_, n) => everySecond(n)),
    );
    await waitFor(
      () => orchestrators.every((orchestrator) => orchestrator.index.size === TRIGGERS),
      "every replica to index the triggers",
    );
    const keys = triggerIds.map((id) => `${id}:0`);
    const ownerOf = (key: string, live: readonly string[]) => rendezvousOwner(key, live) as string;
    const keysOf = (replica: string, live: readonly string[]) =>
      keys.filter((key) => ownerOf(key, live) === replica);
    for (const replica of REPLICAS) expect(keysOf(replica, REPLICAS).length).toBeGreaterThan(0);

    // All alive: 10:00:01 … 10:00:06, each slot by its owner, the moment it is due. Until 10:00:06.900:
    // crashed just before a slot, replica-c still counts as live at its takeover check.
    await run(6_800);
    const firstSlot = Date.parse("2026-03-01T10:00:01.000Z");
    const lastBeforeCrash = Date.parse("2026-03-01T10:00:06.000Z");
    expect(claims.length).toBe(TRIGGERS * 6);
    for (const claim of claims) {
      expect(claim.replica).toBe(ownerOf(claim.key, REPLICAS));
      expect(claim.at - claim.slot).toBeLessThan(STEP_MS);
    }
    for (const replica of REPLICAS) {
      expect(claims.filter((claim) => claim.replica === replica).length).toBe(
        keysOf(replica, REPLICAS).length * 6,
      );
    }

    // replica-c stops as a crash would: no more claims or announcements, but it never leaves. Its
    // last sign of life is the crash (as if it had announced itself just before), so that it
    // counts as live until 10:00:07.900: past the takeover of the 10:00:07 slot.
    const crashedAt = clock.now();
    const victim = (replicas[2] as (typeof replicas)[number]).state;
    victim.crashed = true;
    await c.stop();
    const last = victim.announced as ReplicaAnnouncement;
    await (raw[2] as Store).announceReplica({ ...last, seenAt: crashedAt }, 0);
    const beforeCrash = claims.length;
    await run(5_200); // 10:00:07 … 10:00:12
    const after = claims.slice(beforeCrash);
    const survivors = ["replica-a", "replica-b"];
    // Not live any more once not seen for LIVE_FOR_MS (and the others' next check-in read that).
    const movedBy = crashedAt + LIVE_FOR_MS + 2 * SWEEP_MS + STEP_MS;
    for (const claim of after) {
      expect(survivors).toContain(claim.replica);
      const ownerBefore = ownerOf(claim.key, REPLICAS);
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
    const firstAfterCrash = Date.parse("2026-03-01T10:00:07.000Z");
    const takenOver = after.filter(
      (claim) => ownerOf(claim.key, REPLICAS) === "replica-c" && claim.slot === firstAfterCrash,
    );
    expect(takenOver.length).toBe(keysOf("replica-c", REPLICAS).length);
    for (const claim of takenOver) {
      expect(claim.at - claim.slot).toBeGreaterThanOrEqual(TAKEOVER_MS);
      expect(claim.at).toBeLessThan(crashedAt + LIVE_FOR_MS);
    }
    const takeoverLogs = loggers
      .slice(0, 2)
      .flatMap((logger) => logger.lines)
      .filter((line) => line.message === "claimed cron slots whose owner had not reached them");
    expect(takeoverLogs.reduce((sum, line) => sum + Number(line.fields.conditions), 0)).toBe(
      takenOver.length,
    );

    // Exactly once: every slot of every condition, from the first to 10:00:12, no more and no less.
    const lastSlot = Date.parse("2026-03-01T10:00:12.000Z");
    const expected = keys.flatMap((key) =>
      Array.from({ length: (lastSlot - firstSlot) / 1000 + 1 }, (_, i) => `${key}@${firstSlot + i * 1000}`),
    );
    expect(claims.map((claim) => `${claim.key}@${claim.slot}`).sort()).toEqual(expected.sort());
    expect(lastBeforeCrash).toBeLessThan(crashedAt);
  });
});
