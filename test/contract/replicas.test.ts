/** Store contract, replicas: the live replicas, and what a gone replica held. */
import { describe, expect, it } from "vitest";
import type { Occurrence } from "../../src/domain/occurrence.js";
import { FORGET_REPLICA_AFTER_MS } from "../../src/store/store.js";
import { events, trigger } from "../support/fixtures.js";
import { STORE_KINDS } from "../support/stores.js";
import { waitFor } from "../support/wait.js";
import { never, useContractStore } from "./contract.js";

describe.each(STORE_KINDS)("Store contract, replicas: %s", (kind) => {
  const store = useContractStore(kind);

  it("a retired replica's items are handed out again at once, each delivery counted", async () => {
    const occurrence: Occurrence = { kind: "event", id: "ev_x", at: 1, code: "e", payload: {} };
    await store().log.appendOccurrences([occurrence]);
    await store().deferred.deferEvaluation("app-x", "trg_x", occurrence);
    await store().replicas.announceReplica({ replicaId: "r1", seenAt: 10, cronClaimedThrough: 0 }, 0);
    expect(await store().log.readOccurrences("r1", 10, 50, never)).toHaveLength(1);
    expect(await store().deferred.readDeferred(["app-x"], "r1", 10, 50, never)).toHaveLength(1);
    await store().replicas.retireReplica("r1");
    // The store's redelivery delay is 30 s here: "at once" is well within the wait.
    const again = await waitFor(async () => {
      const read = await store().log.readOccurrences("r2", 10, 20, never);
      return read.length > 0 && read;
    }, "the occurrence handed out again");
    const deferredAgain = await waitFor(async () => {
      const read = await store().deferred.readDeferred(["app-x"], "r2", 10, 20, never);
      return read.length > 0 && read;
    }, "the deferred evaluation handed out again");
    expect(again.map((item) => [item.occurrence.id, item.deliveries])).toEqual([["ev_x", 2]]);
    expect(deferredAgain.map((item) => [item.triggerId, item.deliveries])).toEqual([["trg_x", 2]]);
  });

  it("a replica forgotten (not seen for a minute) has its items handed out again", async () => {
    await store().log.appendOccurrences(events(1));
    await store().replicas.announceReplica({ replicaId: "r1", seenAt: 10, cronClaimedThrough: 0 }, 0);
    const [held] = await store().log.readOccurrences("r1", 1, 20, never);
    await store().replicas.announceReplica(
      { replicaId: "r2", seenAt: 10 + FORGET_REPLICA_AFTER_MS + 2000, cronClaimedThrough: 0 },
      10 + FORGET_REPLICA_AFTER_MS + 1000,
    );
    const again = await waitFor(async () => {
      const read = await store().log.readOccurrences("r2", 10, 20, never);
      return read.length > 0 && read;
    }, "the held occurrence, handed out again");
    expect(again.map((item) => [item.occurrence.id, item.deliveries])).toEqual([[held!.occurrence.id, 2]]);
  });

  it("replicas: an announcement answers the live replicas, itself included, and the registry version", async () => {
    const a = { replicaId: "replica:a", seenAt: 100_000, cronClaimedThrough: 99_000 };
    const b = { replicaId: "replica:b", seenAt: 100_500, cronClaimedThrough: 0 };
    const version = await store().registry.registryVersion();
    expect(await store().replicas.announceReplica(a, 99_000)).toEqual({
      replicas: [a],
      registryVersion: version,
      dataSet: "",
      awaitingApps: 0,
      activeInvocations: 0,
    });
    await store().registry.createTrigger(trigger("trg_r"));
    expect(await store().replicas.announceReplica(b, 99_500)).toEqual({
      replicas: [a, b],
      registryVersion: version + 1,
      dataSet: "",
      awaitingApps: 0,
      activeInvocations: 0,
    });
    // An older announcement (a call re-sent after a lost reply) moves nothing back.
    const resent = await store().replicas.announceReplica(
      { ...a, seenAt: 99_900, cronClaimedThrough: 1 },
      99_000,
    );
    expect(resent.replicas).toEqual([a, b]);
    // Not seen since `liveSince`: not listed, but kept for a reader that counts it live still.
    const b2 = { ...b, seenAt: 101_000, cronClaimedThrough: 100_900 };
    expect((await store().replicas.announceReplica(b2, 100_200)).replicas).toEqual([b2]);
    expect((await store().replicas.announceReplica(b2, 99_000)).replicas).toEqual([a, b2]);
  });

  it("replicas: one not seen for a minute before `liveSince` is forgotten; a retired one at once", async () => {
    const a = { replicaId: "replica-a", seenAt: 100_000, cronClaimedThrough: 0 };
    const b = { replicaId: "replica-b", seenAt: 100_000, cronClaimedThrough: 0 };
    await store().replicas.announceReplica(a, 0);
    await store().replicas.announceReplica(b, 0);
    // replica-a was seen exactly FORGET_REPLICA_AFTER_MS before this `liveSince`: still kept.
    const later = { ...b, seenAt: 200_000 };
    await store().replicas.announceReplica(later, 100_000 + FORGET_REPLICA_AFTER_MS);
    expect((await store().replicas.announceReplica(later, 0)).replicas).toEqual([a, later]);
    await store().replicas.announceReplica(later, 100_001 + FORGET_REPLICA_AFTER_MS);
    expect((await store().replicas.announceReplica(later, 0)).replicas).toEqual([later]);
    await store().replicas.retireReplica("replica-b");
    await store().replicas.retireReplica("replica-unknown");
    const c = { replicaId: "replica-c", seenAt: 200_000, cronClaimedThrough: 0 };
    expect((await store().replicas.announceReplica(c, 0)).replicas).toEqual([c]);
  });
});
