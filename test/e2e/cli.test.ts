import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
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
    expect(JSON.parse((await nenc("health", "--url", url)).stdout)).toEqual({ status: "SERVING" });

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
    // Nothing answers any more: health says so and exits 1 (a container's check fails).
    const gone = await nenc("health", "--url", url).catch((error: { stderr: string; code: number }) => error);
    expect(gone).toMatchObject({ code: 1 });
    expect((gone as { stderr: string }).stderr).toMatch(/^nenc health: \[unavailable\]/);
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

  it("follows the conventions: --version, -h/--help on every command, flags checked per command", async () => {
    const { version } = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };
    expect((await nenc("--version")).stdout).toBe(`nenc ${version} (protocol 1)\n`);
    for (const flag of ["-h", "--help"])
      expect((await nenc(flag)).stdout).toContain("Every command takes -h/--help");
    const commands = ["serve", "invoke", "get", "list", "emit", "events", "replay", "triggers", "explain"];
    for (const command of [...commands, "pause", "resume", "delete", "tasks"]) {
      const { stdout } = await nenc(command, "--help");
      expect(stdout.startsWith(`Usage: nenc ${command}`)).toBe(true);
      expect(stdout).toContain("-h, --help");
    }
    expect((await nenc("serve", "-h")).stdout).toContain("--redis-prefix P");
    // The README shows both as they are.
    const readme = readFileSync("README.md", "utf8");
    expect(readme).toContain((await nenc("--help")).stdout);
    expect(readme).toContain((await nenc("serve", "--help")).stdout);
    expect(await failing("list", "--bogus")).toEqual({
      code: 2,
      stderr: "nenc list: Unknown option '--bogus'; see nenc list --help\n",
    });
    expect(await failing("get", "inv_x", "--payload", "{}")).toEqual({
      code: 2,
      stderr: "nenc get: --payload is not a flag of nenc get; see nenc get --help\n",
    });
    expect(await failing("invoke", "t", "--timeout", "5")).toEqual({
      code: 2,
      stderr: "nenc invoke: --timeout needs --wait\n",
    });
    expect(await failing("--url")).toEqual({
      code: 2,
      stderr: "nenc: --url needs a value, e.g. --url http://127.0.0.1:7070\n",
    });
  });

  it("a busy port is one clear line, not a stack trace", async () => {
    const { url } = await serve();
    const port = new URL(url).port;
    expect(await failing("serve", "--port", port)).toEqual({
      code: 1,
      stderr: `nenc serve: port ${port} is in use; pass --port or set NENC_PORT\n`,
    });
  });

  it("takes --url before the command; prints empty lists as []; creates a trigger from JSON; invoke --wait --timeout", async () => {
    const { url } = await serve();
    expect(JSON.parse((await nenc("--url", url, "list")).stdout)).toEqual({ invocations: [] });
    expect(JSON.parse((await nenc(`--url=${url}`, "triggers")).stdout)).toEqual({ triggers: [] });
    app = new Nenc({ url, appId: "cli-new" });
    app.task("ping", async () => "pong");
    app.task("pinged", async ({ said }: { said: string }) => said);
    await app.register();

    const definition = {
      targetTaskId: "pinged",
      conditions: [{ status: { taskId: "ping", statuses: ["SUCCESS"] } }],
      argumentProviders: [{ cel: "{'said': result}" }],
    };
    const created = JSON.parse(
      (await nenc("triggers", "create", "--json", JSON.stringify(definition), "--url", url)).stdout,
    );
    expect(created).toMatchObject({ created: true, trigger: { targetTaskId: "pinged" } });
    // The same definition from standard input: an identical trigger exists already.
    const again = execFileSync(
      process.execPath,
      ["bin/nenc.js", "triggers", "create", "--file", "-", "--url", url],
      {
        input: JSON.stringify(definition),
        encoding: "utf8",
      },
    );
    expect(JSON.parse(again)).toMatchObject({ trigger: { id: created.trigger.id } });
    expect(JSON.parse(again).created).toBeUndefined();
    expect(await failing("triggers", "create", "--json", "{", "--url", url)).toMatchObject({ code: 2 });
    expect(await failing("triggers", "create", "--url", url)).toEqual({
      code: 2,
      stderr: "nenc triggers: create takes the definition as --json JSON or --file PATH (one of them)\n",
    });

    // No worker yet: --wait says so, then gives up at the timeout, printing the invocation as it stands.
    const timedOut = await failing("invoke", "ping", "--wait", "--timeout", "0.3", "--url", url);
    expect(timedOut.code).toBe(124);
    expect(timedOut.stderr).toMatch(
      /^nenc invoke: no connected worker runs task "ping"; inv_\S+ waits in its queue until one connects \(start a worker of its app; Ctrl-C stops waiting, the invocation stays queued\)\nnenc invoke: inv_\S+ had not ended after 0\.3 s \(still REGISTERED\)\n$/,
    );
    const before = JSON.parse((await nenc("tasks", "--app", "cli-new", "--url", url)).stdout);
    expect(
      before.tasks.map((task: { id: string; connectedWorkers?: number }) => [
        task.id,
        task.connectedWorkers ?? 0,
      ]),
    ).toEqual([
      ["ping", 0],
      ["pinged", 0],
    ]);
    await app.startWorker({ concurrency: 1 });
    const serving = JSON.parse((await nenc("tasks", "--app", "cli-new", "--url", url)).stdout);
    expect(serving.tasks.map((task: { connectedWorkers?: number }) => task.connectedWorkers)).toEqual([1, 1]);
    const done = await nenc("invoke", "ping", "--wait", "--timeout", "30", "--url", url);
    expect(JSON.parse(done.stdout)).toMatchObject({
      done: true,
      invocation: { status: "SUCCESS", result: "pong" },
    });
    expect(done.stderr).toBe("");
    // The timed-out invocation ran once the worker came, and fired too.
    const runs = await waitFor(async () => {
      const found = await app!.listInvocations({ taskId: "pinged", status: "SUCCESS" });
      return found.length === 2 && found;
    }, "the created trigger to fire twice");
    expect(runs.map((run) => run.result).sort()).toEqual(["pong", "pong"]);
  });
});

/** Runs a nenc command that must fail: its exit code and what it printed on stderr. */
async function failing(...args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    await nenc(...args);
  } catch (error) {
    const { code, stderr } = error as { code: number; stderr: string };
    return { code, stderr };
  }
  throw new Error(`nenc ${args.join(" ")} succeeded`);
}
