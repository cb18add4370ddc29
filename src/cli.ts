/**
 * The `nenc` command line: `nenc serve` runs an orchestrator; the other commands
 * talk to one at NENC_URL (or --url, in any position). Wiring only; see src/cli/.
 */
import { PROTOCOL_VERSION } from "@nenc/protocol";
import { runClientCommand } from "./cli/client-commands.js";
import { COMMAND_HELP, commandHelp, overview } from "./cli/help.js";
import { serve } from "./cli/serve.js";
import { runTokenCommand } from "./cli/token-commands.js";
import { UsageError } from "./cli/usage.js";
import { NENC_VERSION } from "./version.js";

const HELP = new Set(["-h", "--help"]);

/** The package version, and the wire protocol this build speaks. */
function version(): string {
  return `nenc ${NENC_VERSION} (protocol ${PROTOCOL_VERSION})`;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "help" || HELP.has(command)) {
    console.log(overview());
    return 0;
  }
  if (command === "--version" || command === "-V") {
    console.log(version());
    return 0;
  }
  if (!COMMAND_HELP.has(command)) {
    // `nenc --url X invoke t`: a global flag before the command.
    const moved = command === "--url" || command.startsWith("--url=") ? moveUrlFlag(argv) : undefined;
    if (moved) return main(moved);
    console.error(
      command === "--url"
        ? "nenc: --url needs a value, e.g. --url http://127.0.0.1:7070"
        : `nenc: unknown command "${command}"; see nenc --help`,
    );
    return 2;
  }
  if (rest.some((arg) => HELP.has(arg))) {
    console.log(commandHelp(command));
    return 0;
  }
  try {
    if (command === "token") {
      runTokenCommand(rest);
      return 0;
    }
    if (command !== "serve") return await runClientCommand(command, rest);
    await serve(rest);
    return 0;
  } catch (error) {
    console.error(`nenc ${command}: ${error instanceof Error ? error.message : String(error)}`);
    return error instanceof UsageError ? 2 : 1;
  }
}

/** `--url X cmd ...` (or `--url=X cmd ...`) as `cmd ... --url X`; undefined when the value is missing. */
function moveUrlFlag(argv: string[]): string[] | undefined {
  const [flag, ...rest] = argv as [string, ...string[]];
  if (flag.startsWith("--url=")) return [...rest, flag];
  const [value, ...after] = rest;
  if (value === undefined) return undefined;
  return after.length === 0 ? ["--help"] : [...after, flag, value];
}

process.exitCode = await main(process.argv.slice(2));
