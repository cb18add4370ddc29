#!/usr/bin/env node
/**
 * The install test (`npm run test:install`, run by .ci/run): nenc as a stranger gets
 * it, outside this repository. Builds and packs every npm package, checks each
 * tarball (publint, @arethetypeswrong/cli), installs the tarballs in an empty
 * folder, type-checks a strict TypeScript user of them (moduleResolution node16 and
 * bundler), then starts `npx nenc serve` from there, on the memory store and on
 * Redis, and runs against it: a plain .mjs worker with a task and a trigger, a
 * CommonJS script that invokes the task and waits for the triggered run, a Python
 * script in a fresh venv with the wheel of sdk/python, and a Go program in a module
 * of its own that uses sdk/go through a replace line. Exact results throughout.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { runComposeStack } from "./compose.mjs";
import { expectLine, freePort, HERE, killAll, REPO, run, start, step, stop, work } from "./processes.mjs";

const PACKAGES = ["packages/protocol", "sdk/typescript", "."];

/** Builds, packs and checks the npm packages; returns the tarballs. */
function packAndCheck() {
  step("build (scripts/build.sh)");
  run("bash", ["scripts/build.sh"], { stdio: ["ignore", "ignore", "inherit"] });
  const tarballs = join(work, "tarballs");
  mkdirSync(tarballs);
  for (const dir of PACKAGES) {
    const name = run("npm", ["pack", "--silent", "--pack-destination", tarballs], {
      cwd: join(REPO, dir),
    }).trim();
    step(`${name}: publint, attw`);
    run("npx", ["publint", "--strict"], { cwd: join(REPO, dir) });
    // node10 (TypeScript's legacy resolution) cannot see subpath exports; node16 and bundler must be right.
    if (dir !== ".") run("npx", ["attw", join(tarballs, name), "--profile", "node16"]);
  }
  return readdirSync(tarballs).map((name) => join(tarballs, name));
}

/** An empty project that installs the tarballs (and @types/node, for the strict type check). */
function installTarballs(tarballs) {
  const app = join(work, "app");
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "install-check", private: true }, null, 2));
  step("npm install of the tarballs in an empty folder");
  const typesNode = run("node", ["-p", "require('./package.json').devDependencies['@types/node']"]).trim();
  run("npm", ["install", "--no-audit", "--no-fund", ...tarballs, `@types/node@${typesNode}`], { cwd: app });
  if (existsSync(join(app, "node_modules", "tsx"))) throw new Error("installing nenc pulled in tsx");
  for (const file of ["worker.mjs", "invoke.cjs", "client.py", "strict.ts"])
    copyFileSync(join(HERE, file), join(app, file));
  return app;
}

/** tsc over strict.ts with the strictest settings users have, under both module resolutions. */
function typecheckStrict(app) {
  const tsc = join(REPO, "node_modules", "typescript", "bin", "tsc");
  const strict = [
    "--strict",
    "--exactOptionalPropertyTypes",
    "--noUncheckedIndexedAccess",
    "--noEmit",
    "--target",
    "es2022",
    "--types",
    "node",
  ];
  for (const [module, resolution] of [
    ["node16", "node16"],
    ["esnext", "bundler"],
  ]) {
    step(`strict tsc, moduleResolution ${resolution}`);
    run("node", [tsc, ...strict, "--module", module, "--moduleResolution", resolution, "strict.ts"], {
      cwd: app,
    });
  }
}

/** Run by the venv's python: nenc's declared requirements, and what is installed that nothing requires. */
const REQUIRES_CLOSURE = `
import importlib.metadata as m, json, re
name = lambda req: re.split(r"[ ;<>=!~\\[(]", req, maxsplit=1)[0].lower().replace("_", "-")
needed, todo = set(), ["nenc"]
while todo:
    dist = todo.pop()
    if dist in needed: continue
    needed.add(dist)
    todo += [name(r) for r in (m.requires(dist) or []) if "extra ==" not in r]
installed = sorted(name(d.metadata["Name"]) for d in m.distributions())
declared = sorted(name(r) for r in m.requires("nenc") or [] if "extra ==" not in r)
optional = sorted(name(r) for r in m.requires("nenc") or [] if "extra ==" in r)
extra = [d for d in installed if d not in needed and d not in ("pip", "setuptools", "wheel")]
print(json.dumps({"declared": declared, "optional": optional, "installed": installed, "extra": extra}))
`;

/** The Python wheel in a fresh venv; checks it pulls in nothing the SDK does not import. */
function pythonVenv() {
  step("pip wheel sdk/python, then a fresh venv with it");
  const wheels = join(work, "wheels");
  run("python3", ["-m", "pip", "wheel", "--quiet", "--no-deps", "-w", wheels, "sdk/python"]);
  const wheel = readdirSync(wheels).find((name) => name.endsWith(".whl"));
  const venv = join(work, "venv");
  run("python3", ["-m", "venv", venv]);
  const python = join(venv, "bin", "python");
  run(python, ["-m", "pip", "install", "--quiet", join(wheels, wheel)]);
  // Everything installed besides pip is nenc or what it requires, directly or through its dependencies.
  const closure = JSON.parse(run(python, ["-c", REQUIRES_CLOSURE]));
  if (JSON.stringify(closure.declared) !== JSON.stringify(["grpcio", "protobuf"]))
    throw new Error(`the wheel declares ${closure.declared.join(", ")}; expected grpcio, protobuf`);
  // Tracing is opt-in (nenc[otel]): a plain install pulls in no OpenTelemetry.
  if (JSON.stringify(closure.optional) !== JSON.stringify(["opentelemetry-api"]))
    throw new Error(
      `the wheel's extras declare ${closure.optional.join(", ")}; expected opentelemetry-api (otel)`,
    );
  if (closure.extra.length > 0)
    throw new Error(`the venv holds what nothing requires: ${closure.extra.join(", ")}`);
  console.log(
    `  ✓ the wheel requires grpcio, protobuf (opentelemetry-api with [otel]); the venv holds ${closure.installed.join(", ")}`,
  );
  resolvesOnNewerPythons(join(wheels, wheel));
  return python;
}

/**
 * Only CPython 3.11 runs on this machine: for the newer ones the wheel supports, pip
 * resolves its installation against the registry as that version would (binary
 * wheels only, nothing installed), so a dependency range without wheels for one shows.
 */
function resolvesOnNewerPythons(wheel) {
  for (const version of ["3.12", "3.13", "3.14"]) {
    const report = join(work, `pip-report-${version}.json`);
    run("python3", [
      ...["-m", "pip", "install", "--dry-run", "--quiet", "--only-binary=:all:"],
      ...["--python-version", version, "--platform", "manylinux2014_x86_64"],
      ...["--target", join(work, `py${version}`), "--report", report, wheel],
    ]);
    const names = JSON.parse(readFileSync(report, "utf8")).install.map((item) =>
      item.metadata.name.toLowerCase(),
    );
    if (!names.includes("grpcio") || !names.includes("protobuf"))
      throw new Error(`CPython ${version}: pip resolved ${names.join(", ")}`);
  }
  console.log("  ✓ CPython 3.12, 3.13, 3.14: binary wheels of every dependency resolve");
}

/** A Go module of its own, using sdk/go through a replace line; returns the built program. */
function goProgram() {
  step("a Go module with a replace line to sdk/go");
  const dir = join(work, "go");
  mkdirSync(dir);
  copyFileSync(join(HERE, "go", "main.go"), join(dir, "main.go"));
  const goMod = [
    "module example.com/nenc-install-check",
    "",
    "go 1.26.0",
    "",
    "require github.com/nenc-dev/nenc/sdk/go v0.0.0",
    "",
    `replace github.com/nenc-dev/nenc/sdk/go => ${join(REPO, "sdk", "go")}`,
    "",
  ].join("\n");
  writeFileSync(join(dir, "go.mod"), goMod);
  run("go", ["mod", "tidy"], { cwd: dir });
  run("go", ["build", "-o", "install-check", "."], { cwd: dir });
  return join(dir, "install-check");
}

/** One orchestrator started from the install, and every client against it. */
async function againstOrchestrator(store, app, python, goBinary) {
  const serveArgs = ["nenc", "serve", "--port", "0"];
  let redis;
  if (store === "redis") {
    const port = await freePort();
    redis = (
      await start("redis-server", ["--port", String(port), "--save", "", "--appendonly", "no"], {
        ready: /Ready to accept connections/,
      })
    ).child;
    serveArgs.push("--redis", `redis://127.0.0.1:${port}`, "--redis-prefix", "install");
  }
  step(`npx nenc serve (${store})`);
  const startedAt = performance.now();
  const {
    child: server,
    match,
    output,
  } = await start("npx", serveArgs, {
    ready: /listening on (http:\/\/\S+)/,
    cwd: app,
  });
  console.log(`  ✓ listening after ${Math.round(performance.now() - startedAt)} ms: ${match[1]}`);
  const env = { ...process.env, NENC_URL: match[1] };
  try {
    const { child: worker } = await start("node", ["worker.mjs"], { ready: /worker ready/, cwd: app, env });
    expectLine(
      run("node", ["invoke.cjs", "invoke", "21"], { cwd: app, env }),
      "double(21) = 42; announced 42",
      "CommonJS client",
    );
    expectLine(
      run(python, ["client.py", "5"], { cwd: app, env }),
      "double(5) = 10; square(7) = 49",
      "Python wheel",
    );
    expectLine(run(goBinary, ["4"], { cwd: app, env }), "double(4) = 8", "Go module");
    expectLine(
      run("node", ["invoke.cjs", "check", "42,10,8"], { cwd: app, env }),
      "announce ran exactly 3 times: announced 10, announced 42, announced 8",
      "triggered runs",
    );
    const metricsUrl = (output().match(/metrics (http:\/\/\S+)/) ?? [])[1];
    const metrics = metricsUrl ? await (await fetch(metricsUrl)).text() : "(no metrics line printed)";
    expectLine(metrics, 'nenc_workers_connected{app="install"} 1', `${metricsUrl}`);
    await checkDashboard(output());
    if ((await stop(worker)) !== 0) throw new Error("the worker did not stop cleanly");
  } finally {
    await stop(server);
    if (redis) await stop(redis);
  }
  if (!output().includes('"msg":"orchestrator stopped"'))
    throw new Error(`nenc serve did not stop cleanly on SIGTERM:\n${output()}`);
  console.log("  ✓ stopped cleanly on SIGTERM");
}

async function main() {
  const tarballs = packAndCheck();
  const app = installTarballs(tarballs);
  typecheckStrict(app);
  const python = pythonVenv();
  const goBinary = goProgram();
  for (const store of ["memory", "redis"]) await againstOrchestrator(store, app, python, goBinary);
  await runComposeStack(app);
  console.log(`--- install test: passed (${work})`);
  rmSync(work, { recursive: true, force: true });
}

main().catch((error) => {
  console.error(`install test failed: ${error.stack ?? error}`);
  killAll();
  process.exit(1);
});

/** The installed orchestrator serves its dashboard: the app at /ui/ (and any page path) and its assets. */
async function checkDashboard(output) {
  const url = (output.match(/dashboard (http:\/\/\S+)/) ?? [])[1];
  if (!url) throw new Error(`nenc serve printed no dashboard line:\n${output}`);
  const page = await (await fetch(`${url}triggers/some-id`)).text();
  const script = (page.match(/src="(\/ui\/assets\/[^"]+\.js)"/) ?? [])[1];
  if (!script) throw new Error(`${url}: no dashboard page:\n${page}`);
  const asset = await fetch(new URL(script, url));
  const type = asset.headers.get("content-type") ?? "";
  if (!asset.ok || !type.startsWith("text/javascript")) throw new Error(`${script}: ${asset.status} ${type}`);
  console.log(`  ✓ ${url}: the dashboard and its script (${script})`);
}
