/**
 * What `nenc --help` and `nenc <command> --help` print: one entry per command, the
 * single source of its usage line and flags.
 */

/** One command's help: its usage line, what it does, and its flags. */
export interface CommandHelp {
  usage: string;
  summary: string;
  flags: ReadonlyArray<readonly [flag: string, what: string]>;
}

const URL_FLAG = ["--url URL", "the orchestrator (default NENC_URL, else http://127.0.0.1:7070)"] as const;
const LIMIT_FLAG = ["--limit N", "at most N items (default: the server's page size)"] as const;

/** Every command, in the order the overview lists them. */
export const COMMAND_HELP: ReadonlyMap<string, CommandHelp> = new Map<string, CommandHelp>([
  [
    "serve",
    {
      usage:
        "nenc serve [--port 7070] [--host 127.0.0.1] [--http-port 7071] [--tls-cert F --tls-key F] [--auth-tokens F] [--ui-read-only] [--redis redis://host:6379] [--redis-prefix nenc]",
      summary: "run an orchestrator (the embedded memory store unless --redis)",
      flags: [
        ["--port N", "port to listen on (default NENC_PORT, else 7070; 0 for any free one)"],
        [
          "--host H",
          "interface to listen on (default NENC_HOST, else 127.0.0.1); other than loopback needs --auth-tokens",
        ],
        [
          "--http-port N",
          "HTTP side port: /metrics and the dashboard (default NENC_HTTP_PORT, else --port + 1; off: none)",
        ],
        ["--tls-cert FILE", "serve TLS with this certificate (PEM; NENC_TLS_CERT); SIGHUP reloads it"],
        ["--tls-key FILE", "the certificate's private key (NENC_TLS_KEY)"],
        ["--tls-client-ca FILE", "require client certificates signed by this CA: mTLS (NENC_TLS_CLIENT_CA)"],
        [
          "--auth-tokens FILE",
          "require a token of this file on every call but health (NENC_AUTH_TOKENS_FILE; see nenc token)",
        ],
        [
          "--insecure",
          "listen beyond loopback without --auth-tokens: anyone reaching the port gets in (NENC_INSECURE=1)",
        ],
        [
          "--ui-read-only",
          "the dashboard shows, never changes: no pause, delete, emit or replay (NENC_UI_READ_ONLY=1)",
        ],
        ["--redis URL", "run on Redis (default NENC_REDIS_URL); several replicas may share it"],
        ["--redis-prefix P", "key prefix in Redis (default NENC_REDIS_PREFIX, else nenc)"],
      ],
    },
  ],
  [
    "invoke",
    {
      usage: "nenc invoke <task> [--args JSON] [--key K] [--wait [--timeout S]]",
      summary: "invoke a task and print the invocation",
      flags: [
        ["--args JSON", "the task's arguments, a JSON object (default {})"],
        ["--key K", "idempotency key: invoking again with it returns the same invocation"],
        ["--wait", "wait until the invocation ends; exit 1 unless it ends SUCCESS"],
        ["--timeout S", "with --wait: give up after S seconds (exit 124, the invocation as it stands)"],
        URL_FLAG,
      ],
    },
  ],
  ["get", { usage: "nenc get <invocation-id>", summary: "print one invocation", flags: [URL_FLAG] }],
  [
    "list",
    {
      usage: "nenc list [--task T] [--status S] [--trigger ID] [--limit N]",
      summary: "list invocations, newest first",
      flags: [
        ["--task T", "only invocations of task T"],
        ["--status S", "only those in status S (REGISTERED, PENDING, RUNNING, SUCCESS, FAILED, RETRY)"],
        ["--trigger ID", "only those the trigger ID created"],
        LIMIT_FLAG,
        URL_FLAG,
      ],
    },
  ],
  [
    "emit",
    {
      usage: "nenc emit <code> [--payload JSON] [--key K]",
      summary: "emit a custom event",
      flags: [
        ["--payload JSON", "the event's payload, a JSON object (default {})"],
        ["--key K", "idempotency key: emitting again with it returns the same event"],
        URL_FLAG,
      ],
    },
  ],
  [
    "events",
    {
      usage: "nenc events [--code C] [--limit N]",
      summary: "list events, newest first",
      flags: [["--code C", "only events with code C"], LIMIT_FLAG, URL_FLAG],
    },
  ],
  [
    "replay",
    {
      usage: "nenc replay [--code C] [--since ISO] [--until ISO]",
      summary: "evaluate stored events again against the current triggers (none fires twice for one event)",
      flags: [
        ["--code C", "only events with code C"],
        ["--since ISO", "only events at or after this time (ISO 8601)"],
        ["--until ISO", "only events before this time (ISO 8601)"],
        URL_FLAG,
      ],
    },
  ],
  [
    "triggers",
    {
      usage:
        "nenc triggers [list] [--task T] [--app A] | nenc triggers create (--json JSON | --file PATH) | nenc triggers preview <trigger-id> [--count N] [--after ISO] | nenc triggers backfill <trigger-id> --from ISO --to ISO | nenc triggers dry-run <trigger-id> (--context JSON | --recent N)",
      summary:
        "list triggers, create one from its definition (a nenc.v1.Trigger as JSON), preview its next fire times, fire its past cron slots once each, or dry-run it against a context",
      flags: [
        ["--task T", "list: only triggers that target task T"],
        ["--app A", "list: only triggers of app A"],
        ["--json JSON", 'create: the definition, e.g. {"targetTaskId":"t","conditions":[...]}'],
        ["--file PATH", "create: read the definition from a file (- for standard input)"],
        ["--count N", "preview: how many fire times (default 10, at most 1000)"],
        ["--after ISO", "preview: the fire times after this instant (default now)"],
        ["--from ISO", "backfill: the first instant of the range (included)"],
        ["--to ISO", "backfill: the last instant of the range (included; not in the future)"],
        [
          "--context JSON",
          'dry-run: a nenc.v1.TriggerContext, e.g. {"event":{"eventCode":"paid","payload":{}}}',
        ],
        [
          "--recent N",
          "dry-run: the last N stored occurrences of the trigger's sources instead (at most 1000)",
        ],
        URL_FLAG,
      ],
    },
  ],
  [
    "explain",
    {
      usage: "nenc explain <trigger-id> [--limit N]",
      summary: "why a trigger fired or not: its recent evaluations, newest first",
      flags: [LIMIT_FLAG, URL_FLAG],
    },
  ],
  ["pause", { usage: "nenc pause <trigger-id>", summary: "pause a trigger", flags: [URL_FLAG] }],
  ["resume", { usage: "nenc resume <trigger-id>", summary: "resume a paused trigger", flags: [URL_FLAG] }],
  [
    "delete",
    {
      usage: "nenc delete <trigger-id>",
      summary: "delete a trigger, its partial AND state and its history",
      flags: [URL_FLAG],
    },
  ],
  [
    "tasks",
    {
      usage: "nenc tasks [--app A]",
      summary: "list registered tasks, with how many workers run each now (any replica)",
      flags: [["--app A", "only app A"], URL_FLAG],
    },
  ],
  [
    "health",
    {
      usage: "nenc health",
      summary: "exit 0 when the orchestrator serves, 1 when it drains (container health checks)",
      flags: [URL_FLAG],
    },
  ],
  [
    "token",
    {
      usage:
        "nenc token create --scope S [--scope S ...] --file F [--name N] [--expires 30d] | list | revoke NAME",
      summary: "manage the access tokens file (it keeps hashes; create prints the secret once)",
      flags: [
        ["--scope S", "admin, read, client:<app> or worker:<app> (repeat for several)"],
        ["--file F", "the tokens file (default NENC_AUTH_TOKENS_FILE)"],
        ["--name N", "the token's name, shown in list and in logs (default token-<n>)"],
        ["--expires D", "it stops working after D: e.g. 30d, 12h, 90m (default: never)"],
      ],
    },
  ],
]);

/** `nenc --help`: every command's usage line and what it does. */
export function overview(): string {
  const lines = ["nenc — declarative trigger orchestrator", "", "Usage:"];
  for (const help of COMMAND_HELP.values()) lines.push(`  ${help.usage}`, `      ${help.summary}`);
  lines.push(
    "  nenc --version",
    "",
    "Every command takes -h/--help. Client commands talk to --url or NENC_URL (default",
    "http://127.0.0.1:7070), in any position, and print JSON. Logs: NENC_LOG_LEVEL=debug|info|warn|error|silent.",
  );
  return lines.join("\n");
}

/** `nenc <command> --help`: its usage line and flags. */
export function commandHelp(name: string): string {
  const help = COMMAND_HELP.get(name);
  if (!help) throw new Error(`no command "${name}"`);
  const width = Math.max(...help.flags.map(([flag]) => flag.length));
  return [
    `Usage: ${help.usage}`,
    "",
    help.summary,
    "",
    "Flags:",
    ...help.flags.map(([flag, what]) => `  ${flag.padEnd(width)}  ${what}`),
    `  ${"-h, --help".padEnd(width)}  this help`,
  ].join("\n");
}
