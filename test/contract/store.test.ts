/** Store contract, notices: notices to every engine on the store. */
import { describe, expect, it } from "vitest";
import type { InvocationStatus } from "../../src/domain/invocation.js";
import type { StoreNotice } from "../../src/store/store.js";
import { trigger } from "../support/fixtures.js";
import { STORE_KINDS } from "../support/stores.js";
import { waitFor } from "../support/wait.js";
import { newInvocation, useContractStore } from "./contract.js";

describe.each(STORE_KINDS)("Store contract, notices: %s", (kind) => {
  const store = useContractStore(kind);

  it("notifies subscribers of work, invocation and trigger changes", async () => {
    const notices: StoreNotice[] = [];
    const unsubscribe = store().subscribe((notice) => notices.push(notice));
    await store().followStatusChanges(true); // REGISTERED is not final: it comes only while followed
    await store().work.createInvocation(newInvocation("n1"));
    await store().registry.createTrigger(trigger("trg_n"));
    const has = (type: string) => notices.some((notice) => notice.type === type);
    await waitFor(() => has("work") && has("invocation") && has("trigger"), "the three notices");
    expect(notices).toEqual(
      expect.arrayContaining([
        { type: "work", taskId: "task" },
        { type: "invocation", invocationId: "n1", status: "REGISTERED" as InvocationStatus },
        { type: "trigger", triggerId: "trg_n", version: expect.any(Number) },
      ]),
    );
    unsubscribe();
  });
});
