// A TypeScript user of the installed packages under the strictest settings (see
// run.mjs: strict, exactOptionalPropertyTypes, noUncheckedIndexedAccess, no
// skipLibCheck), with moduleResolution node16 (this file is CommonJS there) and bundler.
import { PROTOCOL_VERSION } from "@nenc/protocol";
import { Nenc, TriggerBuilder } from "@nenc/sdk";

const app = new Nenc({ appId: "strict", url: "http://127.0.0.1:7070" });
const double = app.task("double", async ({ n }: { n: number }) => n * 2);
app.task("announce", async ({ doubled }: { doubled: number }) => `announced ${doubled}`, {
  triggers: new TriggerBuilder().onSuccess(double).withArgsFromCel("{'doubled': result}"),
});

export const protocol: string = PROTOCOL_VERSION;

export async function doubled(n: number): Promise<number> {
  const invocation = await double.invoke({ n });
  return invocation.result();
}
