// `openavail connect caldav`: connects an owner's CalDAV calendar (iCloud, Fastmail, Nextcloud,
// Radicale, ...) with a username and an app password. The password is read from a prompt (a
// terminal, without echo) or from stdin (a pipe), never from the command line.
import { type Command, Option } from "commander";
import pino from "pino";
import { loggerOptions } from "../../compose.js";
import { connectCalDav } from "../../service/caldav-connect.js";
import type { CalendarChoice, ConnectResult } from "../../service/provider-connect.js";
import { openSecretBox, secretKeyFileFor } from "../../service/provider-registry.js";
import type { CliContext } from "../cli-context.js";
import { type AdminEnv, configOf, emit, table, UsageError, wholeNumber, withLedger } from "./admin-env.js";
import { syncText } from "./connect-summary.js";

const HELP_AFTER = `
The app password is read from stdin: typed at a prompt (not echoed), or piped
(printf '%s\\n' "$APP_PASSWORD" | openavail connect caldav ...). It is never taken from the command line,
where other users of the machine could read it. Create an app password for Openavail at your
provider (iCloud: appleid.apple.com; Fastmail: Settings > Privacy & Security; Nextcloud: Settings >
Security) rather than giving it your account password.

--url is the server, the account, or one calendar's own URL:
  iCloud      https://caldav.icloud.com/
  Fastmail    https://caldav.fastmail.com/dav/calendars/user/you@fastmail.com/
  Nextcloud   https://cloud.example.com/remote.php/dav/calendars/you/personal/
  Radicale    http://127.0.0.1:5232/you/calendar/

What it does: checks the sign-in by listing the calendars, stores the URL, username and app password
encrypted (AES-256-GCM, under OPENAVAIL_SECRET_KEY or the key file <db>.key), attaches the chosen
calendars as the owner's Openavail calendars (provider caldav) and syncs each once. Without
--calendar, the calendar at --url (or the account's first) becomes the owner's default type.
Run it again with a new app password to reconnect.

Examples:
  openavail connect caldav --owner me@example.com --url https://caldav.fastmail.com/ --username me@example.com
  openavail connect caldav --owner me@example.com --url https://caldav.icloud.com/ --username me@icloud.com \\
      --calendar Work=work --calendar Home=personal
`;

export interface PasswordSource {
  /** Reads the app password; default: a prompt on a terminal, else the first line of stdin. */
  readonly readPassword?: (prompt: string) => Promise<string>;
  readonly now?: () => number;
}

interface CalDavOpts {
  owner: string;
  url: string;
  username: string;
  calendar: CalendarChoice[];
  timezone?: string;
  timeout: number;
  sync: boolean;
}

/** `NAME_OR_URL=TYPE`, split at the last `=` (a URL may hold one, a type never does). */
function parseChoice(value: string): CalendarChoice {
  const at = value.lastIndexOf("=");
  const externalId = at < 0 ? "" : value.slice(0, at).trim();
  const calendarType = at < 0 ? "" : value.slice(at + 1).trim();
  if (externalId === "" || calendarType === "") {
    throw new UsageError(`--calendar takes NAME_OR_URL=TYPE (e.g. Work=work), got "${value}".`);
  }
  return { externalId, calendarType };
}

/** Adds `openavail connect caldav` under `connect`. */
export function registerConnectCalDav(connect: Command, ctx: CliContext, source: PasswordSource = {}): void {
  const env: AdminEnv = { ctx, now: source.now ?? Date.now };
  connect
    .command("caldav")
    .description(
      "Connect an owner's CalDAV calendar (iCloud, Fastmail, Nextcloud, Radicale) with a username and an app password read from stdin.",
    )
    .requiredOption("--owner <email>", "the owner whose calendar this is")
    .requiredOption("--url <url>", "the CalDAV server, account or calendar URL")
    .requiredOption("--username <user>", "the CalDAV username (often your email address)")
    .addOption(
      new Option("--calendar <name=type>", "attach the calendar named NAME (or at URL) as TYPE (repeatable)")
        .argParser((value: string, previous: CalendarChoice[]) => [...previous, parseChoice(value)])
        .default([], "the calendar at --url (or the first) as the owner's default type"),
    )
    .option("--timezone <zone>", "a new owner's time zone (default: the calendar's own, else UTC)")
    .option("--timeout <seconds>", "per-request timeout", wholeNumber, 10)
    .option("--no-sync", "attach without the first sync (`openavail serve` syncs in the background)")
    .addHelpText("after", HELP_AFTER)
    .action(async (opts: CalDavOpts, cmd: Command) => {
      if (opts.timeout < 1) throw new UsageError("--timeout must be at least 1 second.");
      const read = source.readPassword ?? ((prompt: string) => readPassword(ctx, prompt));
      const password = await read(`App password for ${opts.username} at ${opts.url}: `);
      // An empty password is sent as it is: a server without authentication accepts it, any other
      // refuses it, and the command says so.
      const config = configOf(env, cmd);
      const secretBox = openSecretBox({ dbPath: config.dbPath, secretKey: config.secretKey });
      const logger = pino(loggerOptions(config.logLevel === "info" ? "warn" : config.logLevel), ctx.stderr);
      const result = await withLedger(env, cmd, (db) =>
        connectCalDav({
          db,
          secretBox,
          now: env.now,
          logger,
          ownerEmail: opts.owner,
          url: opts.url,
          username: opts.username,
          password,
          calendars: opts.calendar,
          sync: opts.sync,
          timeoutMs: opts.timeout * 1000,
          ...(opts.timezone === undefined ? {} : { timeZone: opts.timezone }),
        }),
      );
      if (config.secretKey === undefined && config.dbPath !== ":memory:") {
        ctx.stderr.write(
          `The app password is encrypted with the key in ${secretKeyFileFor(config.dbPath)}; back it up with the database.\n`,
        );
      }
      emit(env, cmd, result, () => describe(result));
    });
}

/**
 * The password from the process's stdin: typed at a terminal without echo, or the first line of a
 * pipe (only the line ending is removed: a password may begin or end with spaces).
 */
async function readPassword(ctx: CliContext, prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(Buffer.from(chunk as Buffer));
    return Buffer.concat(chunks).toString("utf8").split(/\r?\n/, 1)[0] ?? "";
  }
  ctx.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  try {
    return await new Promise<string>((resolve, reject) => {
      let typed = "";
      const onData = (data: Buffer) => {
        for (const ch of data.toString("utf8")) {
          if (ch === "\r" || ch === "\n" || ch === "\u0004") {
            stdin.off("data", onData);
            ctx.stderr.write("\n");
            resolve(typed);
            return;
          }
          if (ch === "\u0003") {
            stdin.off("data", onData);
            reject(new UsageError("cancelled."));
            return;
          }
          if (ch === "\u007f" || ch === "\b") typed = typed.slice(0, -1);
          else typed += ch;
        }
      };
      stdin.on("data", onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
  }
}

function describe(r: ConnectResult): string {
  const lines = [
    `Connected CalDAV account ${r.credential.account ?? ""} for ${r.owner.email}` +
      `${r.owner.created ? ` (new owner, time zone ${r.owner.timezone})` : ""}; credential ${r.credential.id}.`,
    "",
    table(
      ["ID", "TYPE", "CALDAV CALENDAR", "ACTION", "SYNC"],
      r.calendars.map((c) => [
        c.id,
        c.calendar_type,
        c.external_id,
        c.queued_bookings > 0 ? `${c.action}, ${c.queued_bookings} bookings queued` : c.action,
        syncText(c),
      ]),
    ),
  ];
  const others = r.available.filter((a) => !r.calendars.some((c) => c.external_id === a.id));
  if (others.length > 0) {
    lines.push("", "Other calendars of this account (attach with --calendar NAME=TYPE):");
    for (const o of others) lines.push(`  ${o.summary}  ${o.id}`);
  }
  return lines.join("\n");
}
