/**
 * The `nenc` command line: `nenc serve` runs an orchestrator; the other commands
 * talk to one at NENC_URL (or --url). Wiring only; see src/cli/.
 */
import { CLIENT_COMMANDS, runClientCommand } from "./cli/client-commands.js";
import { serve } from "./cli/serve.js";

const USAGE = `nenc — declarative trigger orchestrator

Usage:
  nenc serve [--port 7070] [--host 127.0.0.1] [--redis redis://host:6379] [--redis-prefix nenc]
                                                         run an orchestrator (memory store unless --redis)
  nenc invoke <task> [--args '{"k":1}'] [--key K] [--wait]   (--wait: exit 1 unless it ends SUCCESS)
  nenc get <invocation-id>
  nenc list [--task T] [--status SUCCESS] [--trigger ID] [--limit N]
  nenc emit <code> [--payload '{"k":1}'] [--key K]
  nenc events [--code C] [--limit N]
  nenc replay [--code C] [--since ISO] [--until ISO]
  nenc triggers [--task T] [--app A]
  nenc explain <trigger-id> [--limit N]
  nenc pause|resume|delete <trigger-id>
  nenc tasks [--app A]

Client commands use --url or NENC_URL (default http://127.0.0.1:7070) and print JSON.
Logs: NENC_LOG_LEVEL=debug|info|warn|error.`;

const [command, ...rest] = process.argv.slice(2);
try {
  if (command === "serve") await serve(rest);
  else if (command && CLIENT_COMMANDS.has(command)) await runClientCommand(command, rest);
  else {
    console.log(USAGE);
    process.exitCode = command && command !== "help" && command !== "--help" ? 2 : 0;
  }
} catch (error) {
  console.error(`nenc ${command}: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
