/**
 * The sweep's registry check reads the store's version with its check-in: notices
 * applied while that read is on its way are not mistaken for a store reset, and
 * a version below what was applied is reported (a store that lost data).
 */
import { afterEach, describe, expect, it } from "vitest";
import { Orchestrator } from "../../src/engine/orchestrator.js";
import { RegistrySync } from "../../src/engine/replicas/registry-sync.js";
import { MemoryStore } from "../../src/store/memory/memory-store.js";
import { recordingLogger } from "../support/logs.js";

let running: Orchestrator[] = [];
afterEach(async () => {
  for (const orchestrator of running) await orchestrator.stop();
  running = [];
});

describe("registry check", () => {
  it("a change applied while the version is read is no reset; a version below what was applied before is", async () => {
    const store = new MemoryStore();
    const orchestrator = await Orchestrator.start(store, { sweepIntervalMs: 600_000, drainTimeoutMs: 0 });
    running.push(orchestrator);
    const logger = recordingLogger();
    const sync = new RegistrySync(store, orchestrator.tasks, orchestrator.triggers, logger);
    await sync.load();
    const version = await store.registry.registryVersion();
    // The answer left the store before two changes, whose notices arrive before it.
    const wentBack = await sync.check(async () => {
      sync.noticeApplied(version + 1);
      sync.noticeApplied(version + 2);
      return version;
    });
    expect(wentBack).toBe(false);
    expect(logger.lines).toEqual([]);
    // Went back: the store lost data; RegistryRecovery handles it (reload included), not this.
    expect(await sync.check(async () => version + 1)).toBe(true);
    expect(logger.lines).toEqual([]);
  });
});
