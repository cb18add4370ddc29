import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { Nenc, TriggerBuilder } from "@nenc/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "../support/wait.js";

const run = promisify(execFile);
let serveProcess: ChildProcess | undefined;
let app: Nenc | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
  serveProcess?.kill("SIGKILL");
  serveProcess = undefined;
});

/** Starts `nenc serve --port 0` and resolves with its URL once it prints "listening". */
async function serve(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ["bin/nenc.js", "serve", "--port", "0"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  serveProcess = child;
  const lines: string[] = [];
  createInterface({ input: child.stdout! }).on("line", (line) => lines.push(line));
  const line = await waitFor(
    () => lines.find((l) => l.includes("listening")),
    "nenc serve to print listening",
    30_000,
  );
  return { url: (line.match(/http:\/\/\S+/) as RegExpMatchArray)[0], child };
}

const nenc = (...args: string[]) => run(process.execPath, ["bin/nenc.js", ...args], { encoding: "utf8" });

describe("the nenc command", () => {
  it("serves; buf curl checks health through reflection; client commands work; SIGTERM exits cleanly", async () => {
    const { url, child } = await serve();
    const health = await run(
      "node_modules/.bin/buf",
      ["curl", "--protocol", "grpc", "--http2-prior-knowledge", `${url}/grpc.health.v1.Health/Check`],
      {
        encoding: "utf8",
      },
    );
    expect(JSON.parse(health.stdout)).toEqual({ status: "SERVING" });

    const emitted = JSON.parse(
      (await nenc("emit", "user.login", "--payload", '{"userId":"u1"}', "--url", url)).stdout,
    );
    expect(emitted.eventId).toMatch(/^evt_/);
    const listed = JSON.parse((await nenc("events", "--url", url)).stdout);
    expect(listed.events).toHaveLength(1);
    expect(listed.events[0]).toMatchObject({
      id: emitted.eventId,
      code: "user.login",
      payload: { userId: "u1" },
    });

    const failure = await nenc("invoke", "missing_task", "--url", url).catch(
      (error: { stderr: string; code: number }) => error,
    );
    expect(failure).toMatchObject({ code: 1 });
    expect((failure as { stderr: string }).stderr).toContain('task "missing_task" not found');

    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });

  it("invoke --wait (exit 1 when the task failed), get, list; triggers, explain, pause and resume", async () => {
    const { url } = await serve();
    app = new Nenc({ url, appId: "cli" });
    const double = app.task("double", async ({ x }: { x: number }) => x * 2);
    app.task("boom", async () => {
      throw new RangeError("too big");
    });
    app.task("after_double", async ({ doubled }: { doubled: number }) => doubled, {
      triggers: new TriggerBuilder().onSuccess(double).withArgsFromCel("{'doubled': result}"),
    });
    await app.startWorker({ concurrency: 2 });
    const json = async (...args: string[]) => JSON.parse((await nenc(...args, "--url", url)).stdout);

    const done = await json("invoke", "double", "--args", '{"x":21}', "--wait");
    expect(done).toMatchObject({
      done: true,
      invocation: { taskId: "double", status: "SUCCESS", result: 42 },
    });
    const id: string = done.invocation.id;
    expect((await json("get", id)).invocation).toMatchObject({ id, status: "SUCCESS", arguments: { x: 21 } });

    // --wait exits 1 when the task failed, after printing the failed invocation.
    const failed = await nenc("invoke", "boom", "--wait", "--url", url).catch(
      (error: { stdout: string; code: number }) => error,
    );
    expect(failed).toMatchObject({ code: 1 });
    expect(JSON.parse((failed as { stdout: string }).stdout).invocation).toMatchObject({
      status: "FAILED",
      error: { type: "RangeError", message: "too big" },
    });

    const [trigger] = (await json("triggers", "--task", "after_double")).triggers;
    expect(trigger).toMatchObject({ targetTaskId: "after_double", appId: "cli" });
    const triggered = await waitFor(
      async () => (await json("list", "--task", "after_double", "--status", "SUCCESS")).invocations,
      "the trigger's run to finish",
    );
    expect(triggered).toHaveLength(1);
    expect(triggered[0]).toMatchObject({ arguments: { doubled: 42 }, result: 42 });
    const explained = await json("explain", trigger.id);
    expect(explained.evaluations).toHaveLength(1);
    expect(explained.evaluations[0]).toMatchObject({
      outcome: "EVALUATION_OUTCOME_FIRED",
      occurrenceId: expect.stringContaining(id),
      invocationId: triggered[0].id,
    });

    await json("pause", trigger.id);
    expect((await json("triggers", "--task", "after_double")).triggers[0].paused).toBe(true);
    await json("resume", trigger.id);
    expect((await json("triggers", "--task", "after_double")).triggers[0].paused).toBeUndefined();
  });

  it("prints usage for help and exits 2 for an unknown command", async () => {
    expect((await nenc("help")).stdout).toContain("nenc serve");
    const unknown = await nenc("frobnicate").catch((error: { code: number }) => error);
    expect(unknown).toMatchObject({ code: 2 });
  });
});
