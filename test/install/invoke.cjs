// A CommonJS script (require): invokes "double" and waits for the run its success
// triggers. With "check <n>" instead, checks that "announce" ran exactly for the
// doubles given and prints its results.
const { Nenc } = require("@nenc/sdk");

const app = new Nenc({ appId: "install-client" });

async function announcements() {
  const runs = await app.listInvocations({ taskId: "announce", status: "SUCCESS", limit: 100 });
  return runs.map((run) => run.result).sort();
}

async function until(what, check, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function main([mode, value]) {
  if (mode === "invoke") {
    const invocation = await app.invoke("double", { n: Number(value) });
    const result = await invocation.result();
    const expected = `announced ${result}`;
    await until(`"${expected}"`, async () => ((await announcements()).includes(expected) ? true : undefined));
    console.log(`double(${value}) = ${result}; ${expected}`);
  } else if (mode === "check") {
    const expected = value
      .split(",")
      .map((doubled) => `announced ${doubled}`)
      .sort();
    const got = await announcements();
    if (JSON.stringify(got) !== JSON.stringify(expected))
      throw new Error(`announce ran ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`);
    console.log(`announce ran exactly ${got.length} times: ${got.join(", ")}`);
  } else throw new Error(`usage: invoke.cjs invoke <n> | check <doubled,...>`);
}

main(process.argv.slice(2)).then(
  () => app.close(),
  async (error) => {
    console.error(String(error));
    await app.close();
    process.exit(1);
  },
);
