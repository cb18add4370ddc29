/**
 * compose.yaml and the Dockerfile, run without a Docker engine: reads them, checks
 * what the image promises (multi-stage, production dependencies only, non-root,
 * a HEALTHCHECK, the compiled orchestrator run by node), then starts each service's
 * command as a process on this machine in the order its depends_on says, from the
 * packages installed as the image installs them: service names become 127.0.0.1 and
 * each service gets a free port. Each service with a health check is started only
 * once the services it depends on pass theirs. The replicas check tokens as the image
 * says (NENC_AUTH_TOKENS_FILE at the compose secret's mount), from a tokens file made
 * with the installed `nenc token create` as compose.yaml's comment says, and the
 * worker's token comes through the variable compose.yaml interpolates. Then the stack
 * must run a triggered task: greet invoked through one replica, its success firing
 * log_greeting on the worker connected to the other, exactly once.
 */
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { expectLine, freePort, REPO, run, start, step, stop, work } from "./processes.mjs";

/** What the final stage of the Dockerfile says: its ENTRYPOINT, health check, user and tokens file. */
function readDockerfile() {
  const text = readFileSync(join(REPO, "Dockerfile"), "utf8").replace(/\\\n\s*/g, "");
  const stages = text.split(/^FROM /m).slice(1);
  if (stages.length < 2) throw new Error("the Dockerfile is not multi-stage");
  const final = stages.at(-1);
  const line = (instruction) => final.match(new RegExp(`^${instruction} (.+)$`, "m"))?.[1];
  const entrypoint = JSON.parse(line("ENTRYPOINT") ?? "null");
  const user = line("USER");
  const health = line("HEALTHCHECK");
  if (entrypoint?.[0] !== "node" || !entrypoint[1].endsWith("nenc/bin/nenc.js"))
    throw new Error(
      `the image's ENTRYPOINT should run the installed nenc with node, got ${line("ENTRYPOINT")}`,
    );
  if (!user || user === "root") throw new Error("the image runs as root");
  if (!health?.includes("nenc.js health"))
    throw new Error("the image has no HEALTHCHECK running nenc health");
  if (!/npm install --omit=dev/.test(final))
    throw new Error("the final stage installs more than production dependencies");
  if (/tsx/.test(final)) throw new Error("the final stage mentions tsx");
  const tokensFile = final.match(/NENC_AUTH_TOKENS_FILE=(\S+)/)?.[1];
  if (!tokensFile) throw new Error("the image listens on every interface without NENC_AUTH_TOKENS_FILE");
  console.log(
    `  ✓ Dockerfile: ${stages.length} stages; the final one runs ${entrypoint.join(" ")} as ${user}, with a HEALTHCHECK and tokens from ${tokensFile}`,
  );
  return { entrypoint, tokensFile };
}

/**
 * The tokens compose.yaml's comment says to make, made with the installed CLI: the
 * file (where compose's secret reads it) and the secrets by name.
 */
function makeTokens(app, secrets) {
  const file = join(work, secrets["nenc-tokens"].file);
  const create = (name, ...scopes) =>
    run("node", [
      `${app}/node_modules/nenc/bin/nenc.js`,
      "token",
      "create",
      "--file",
      file,
      "--name",
      name,
      ...scopes.flatMap((scope) => ["--scope", scope]),
    ]).trim();
  return {
    file,
    ops: create("ops", "admin"),
    worker: create("compose-worker", "worker:compose-example", "client:compose-example"),
  };
}

/** compose's `${NAME:?message}` and `${NAME}` in a value, from `variables`. */
function interpolate(value, variables) {
  return String(value).replace(/\$\{(\w+)(?::\?([^}]*))?\}/g, (_, name, message) => {
    if (variables[name] !== undefined) return variables[name];
    throw new Error(`compose.yaml: ${name} is unset: ${message ?? "required"}`);
  });
}

/** The services in start order (each after those it depends on). */
function startOrder(services) {
  const order = [];
  const visit = (name, path = []) => {
    if (order.includes(name)) return;
    if (path.includes(name)) throw new Error(`compose.yaml: depends_on cycle ${[...path, name].join(" → ")}`);
    for (const dependency of Object.keys(services[name].depends_on ?? {})) visit(dependency, [...path, name]);
    order.push(name);
  };
  for (const name of Object.keys(services)) visit(name);
  return order;
}

/** Replaces `<service>:<container port>` in a URL with the process's 127.0.0.1:<port>. */
function localize(value, ports) {
  return String(value).replace(/\/\/([\w-]+):(\d+)/g, (whole, host) =>
    ports.has(host) ? `//127.0.0.1:${ports.get(host)}` : whole,
  );
}

/** Starts one service; resolves once it passes its health check (or, without one, once it started). */
async function startService(name, service, { entrypoint, tokensFile, tokens, app, ports, dataDir }) {
  const port = ports.get(name);
  if (service.image?.startsWith("redis")) {
    const [command, ...args] = service.command;
    const { child } = await start(
      command,
      [...args, "--port", String(port), "--dir", dataDir, "--save", ""],
      {
        ready: /Ready to accept connections/,
      },
    );
    expectLine(
      run("redis-cli", ["-p", String(port), "ping"]),
      "PONG",
      `${name} health check (redis-cli ping)`,
    );
    return child;
  }
  const [command, ...prefix] = service.entrypoint ?? entrypoint;
  const args = [...prefix, ...(service.command ?? [])].map((arg) => localize(arg, ports));
  const env = {
    NENC_HOST: "127.0.0.1",
    NENC_PORT: String(port),
    NENC_HTTP_PORT: String(ports.get(`${name}:http`) ?? 0),
    NENC_LOG_LEVEL: "warn",
  };
  // The compose secret, mounted at /run/secrets/<name>: where the image looks for its tokens.
  if ((service.secrets ?? []).some((secret) => `/run/secrets/${secret}` === tokensFile))
    env.NENC_AUTH_TOKENS_FILE = tokens.file;
  else if (!service.entrypoint)
    throw new Error(`compose.yaml: ${name} does not mount the tokens secret at ${tokensFile}`);
  const variables = { NENC_WORKER_TOKEN: tokens.worker };
  for (const [key, value] of Object.entries(service.environment ?? {}))
    env[key] = localize(interpolate(value, variables), ports);
  const ready = service.build && !service.entrypoint ? /listening on/ : /ready/;
  const { child } = await start(command, args, { ready, cwd: app, env });
  if (!service.entrypoint) {
    const health = run("node", [
      `${app}/node_modules/nenc/bin/nenc.js`,
      "health",
      "--url",
      `http://127.0.0.1:${port}`,
    ]);
    expectLine(health.replace(/\s+/g, " "), '{ "status": "SERVING" }', `${name} health check (nenc health)`);
  }
  return child;
}

/** Runs compose.yaml's stack as processes from the install in `app`, and a triggered task through it. */
export async function runComposeStack(app) {
  step("Dockerfile and compose.yaml, their commands run as processes");
  const { entrypoint, tokensFile } = readDockerfile();
  const { services, secrets } = parse(readFileSync(join(REPO, "compose.yaml"), "utf8"));
  // As the image has it: the example worker beside the installed packages.
  mkdirSync(join(app, "examples"), { recursive: true });
  copyFileSync(join(REPO, "examples", "compose", "worker.mjs"), join(app, "examples", "worker.mjs"));
  const ports = new Map();
  for (const name of Object.keys(services)) {
    ports.set(name, await freePort());
    // The orchestrator's HTTP side port (metrics), as the image's NENC_HTTP_PORT.
    if (services[name].build && !services[name].entrypoint) ports.set(`${name}:http`, await freePort());
  }
  const dataDir = join(work, "redis-data");
  mkdirSync(dataDir);
  const tokens = makeTokens(app, secrets);
  const running = [];
  try {
    for (const name of startOrder(services)) {
      running.push(
        await startService(name, services[name], { entrypoint, tokensFile, tokens, app, ports, dataDir }),
      );
      console.log(`  ✓ ${name} started`);
    }
    checkTriggeredTask(app, ports, tokens.ops);
    await checkMetrics(ports, tokens.ops);
  } finally {
    for (const child of running.reverse()) await stop(child);
  }
}

/** greet through nenc-2; log_greeting, which its success triggers, runs once (seen through nenc-1). */
function checkTriggeredTask(app, ports, token) {
  const nenc = (url, ...args) =>
    run("node", [`${app}/node_modules/nenc/bin/nenc.js`, ...args, "--url", url], {
      env: { ...process.env, NENC_TOKEN: token },
    });
  const [first, second] = ["nenc-1", "nenc-2"].map((name) => `http://127.0.0.1:${ports.get(name)}`);
  const greeted = JSON.parse(
    nenc(second, "invoke", "greet", "--args", '{"name":"compose"}', "--wait", "--timeout", "20"),
  );
  expectLine(JSON.stringify(greeted.invocation.result), '"Hello, compose!"', "greet through nenc-2");
  const deadline = Date.now() + 20_000;
  for (;;) {
    const listed = JSON.parse(
      nenc(first, "list", "--task", "log_greeting", "--status", "SUCCESS"),
    ).invocations;
    if (listed.length > 0) {
      expectLine(
        JSON.stringify(listed.map((invocation) => invocation.result)),
        '["logged: Hello, compose!"]',
        "log_greeting, triggered, seen through nenc-1",
      );
      return;
    }
    if (Date.now() > deadline) throw new Error("log_greeting did not run within 20 s");
    run("sleep", ["0.1"]);
  }
}

/** Each replica serves its own metrics: greet and log_greeting ran once each, counted on one replica. */
async function checkMetrics(ports, token) {
  const counts = { greet: 0, log_greeting: 0 };
  for (const name of ["nenc-1", "nenc-2"]) {
    const text = await (
      await fetch(`http://127.0.0.1:${ports.get(`${name}:http`)}/metrics`, {
        headers: { authorization: `Bearer ${token}` },
      })
    ).text();
    for (const task of Object.keys(counts)) {
      const line = text
        .split("\n")
        .find((l) => l.startsWith(`nenc_invocations_total{task="${task}",status="SUCCESS"}`));
      counts[task] += line ? Number(line.split(" ").pop()) : 0;
    }
  }
  expectLine(
    JSON.stringify(counts),
    '{"greet":1,"log_greeting":1}',
    "SUCCESS counted once over both replicas' /metrics",
  );
}
