// `openavail connect google` (and, from their own files, `connect microsoft` and `connect caldav`): connects an owner's Google Calendar through the installed-app OAuth
// flow (the consent URL is printed on stderr, so --json output stays clean; nothing is opened), or,
// with --service-account, through a Workspace service account with domain-wide delegation.
import { readFileSync } from "node:fs";
import { type Command, Option } from "commander";
import pino from "pino";
import { loggerOptions } from "../../compose.js";
import {
  type CalendarChoice,
  type ConnectResult,
  connectGoogle,
  connectGoogleServiceAccount,
  parseCalendarChoice,
  parseServiceAccountKey,
  type ServiceAccountKey,
} from "../../service/google-connect.js";
import {
  GOOGLE_ENV,
  googleClientFromEnv,
  googleEndpointsFromEnv,
  openSecretBox,
  secretKeyFileFor,
} from "../../service/provider-registry.js";
import type { CliContext } from "../cli-context.js";
import { type AdminEnv, configOf, emit, table, UsageError, wholeNumber, withLedger } from "./admin-env.js";
import { registerConnectCalDav } from "./connect-caldav.js";
import { registerConnectMicrosoft } from "./connect-microsoft.js";
import { syncText } from "./connect-summary.js";

const HELP_AFTER = `
What it does:
  1. Prints a Google consent URL. Open it in a browser on this machine (the redirect goes to a
     one-shot server on 127.0.0.1; on a remote host, forward the printed port with ssh -L first).
  2. Stores the refresh token encrypted (AES-256-GCM) in the database, under OPENAVAIL_SECRET_KEY
     or the key file <db>.key beside the database (created with mode 0600 on first use).
  3. Attaches the chosen Google calendars as the owner's Openavail calendars (provider google),
     creating the owner (in the primary calendar's time zone) if needed, and syncs each once.
     Without --calendar, the primary calendar becomes the owner's default type (else "work").
     A local calendar of the same type becomes the Google one; its future bookings are written
     to Google by \`openavail serve\`.
  Run it again to reconnect (a calendar listed as needs_reconnect by \`openavail calendar list\`).

With --service-account KEY.json (Google Workspace admins): no browser and no OAuth client. The
service account needs domain-wide delegation for https://www.googleapis.com/auth/calendar; it acts
as the owner (--owner is the impersonated user). The key file (type, client_email, private_key) is
stored encrypted like a refresh token and never printed.

Environment:
  OPENAVAIL_GOOGLE_CLIENT_ID, OPENAVAIL_GOOGLE_CLIENT_SECRET
                       the OAuth client (type "Desktop app") from Google Cloud Console; \`serve\` and
                       \`mcp\` need the same two values to use the connection
  OPENAVAIL_SECRET_KEY 32-byte key (64 hex digits or base64) sealing provider tokens
  OPENAVAIL_GOOGLE_API_URL, OPENAVAIL_GOOGLE_TOKEN_URL, OPENAVAIL_GOOGLE_AUTH_URL
                       endpoint overrides (a proxy, or a test double of Google)

Examples:
  openavail connect google --owner ceo@example.com
  openavail connect google --owner ceo@example.com --calendar primary=work \\
      --calendar family123@group.calendar.google.com=personal
  openavail connect google --owner ceo@example.com --service-account ./openavail-sa.json
`;

export interface ConnectCommandOptions {
  /** The clock; tests inject their own. */
  readonly now?: () => number;
  /** Reads a CalDAV app password; default a prompt on a terminal, else stdin. Tests inject their own. */
  readonly readPassword?: (prompt: string) => Promise<string>;
}

interface ConnectOpts {
  owner: string;
  clientId?: string;
  clientSecret?: string;
  calendar: CalendarChoice[];
  timeout: number;
  sync: boolean;
  serviceAccount?: string;
}

/** Adds `openavail connect google` to the program. */
export function registerConnectCommand(
  program: Command,
  ctx: CliContext,
  options: ConnectCommandOptions = {},
): Command {
  const env: AdminEnv = { ctx, now: options.now ?? Date.now };
  const connect = program
    .command("connect")
    .description("Connect an owner's calendars at a provider (Google Calendar, Microsoft 365, CalDAV).");
  connect
    .command("google")
    .description(
      "Connect an owner's Google Calendar with OAuth: prints a consent URL, stores the grant encrypted, " +
        "attaches the chosen calendars and syncs them once.",
    )
    .requiredOption("--owner <email>", "the owner whose Google account this is")
    .option("--client-id <id>", `OAuth client id (default: $${GOOGLE_ENV.clientId})`)
    .option(
      "--client-secret <secret>",
      `OAuth client secret (default: $${GOOGLE_ENV.clientSecret}; prefer it: command lines are visible to other users)`,
    )
    .addOption(
      new Option(
        "--calendar <id=type>",
        "attach Google calendar ID as the owner's TYPE calendar (repeatable; ID may be `primary`)",
      )
        .argParser((value: string, previous: CalendarChoice[]) => [...previous, parseChoice(value)])
        .default([], "the primary calendar as the owner's default type"),
    )
    .option(
      "--service-account <key.json>",
      "connect with this service account key (domain-wide delegation, acting as the owner) instead of OAuth",
    )
    .option("--timeout <seconds>", "how long to wait for the browser", wholeNumber, 300)
    .option("--no-sync", "attach without the first sync (`openavail serve` syncs in the background)")
    .addHelpText("after", HELP_AFTER)
    .action(async (opts: ConnectOpts, cmd: Command) => {
      if (opts.serviceAccount !== undefined) {
        await connectWithServiceAccount(env, cmd, opts, readKeyFile(opts.serviceAccount));
        return;
      }
      const google = clientOf(ctx, opts);
      if (opts.timeout < 1) throw new UsageError("--timeout must be at least 1 second.");
      const config = configOf(env, cmd);
      const secretBox = openSecretBox({ dbPath: config.dbPath, secretKey: config.secretKey });
      const logger = pino(loggerOptions(config.logLevel === "info" ? "warn" : config.logLevel), ctx.stderr);
      const result = await withLedger(env, cmd, (db) =>
        connectGoogle({
          db,
          secretBox,
          google,
          now: env.now,
          logger,
          ownerEmail: opts.owner,
          calendars: opts.calendar,
          sync: opts.sync,
          timeoutMs: opts.timeout * 1000,
          onAuthUrl: (url, redirectUri) => {
            ctx.stderr.write(
              "Open this URL in a browser on this machine and allow Openavail to use Google Calendar:\n\n" +
                `  ${url}\n\n` +
                `Waiting up to ${opts.timeout} s for Google to redirect to ${redirectUri} ...\n`,
            );
          },
        }),
      );
      if (config.secretKey === undefined && config.dbPath !== ":memory:") {
        ctx.stderr.write(
          `The grant is encrypted with the key in ${secretKeyFileFor(config.dbPath)}; back it up with the database.\n`,
        );
      }
      emit(env, cmd, result, () => describe(result));
    });
  registerConnectMicrosoft(connect, ctx, options.now);
  registerConnectCalDav(connect, ctx, {
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.readPassword === undefined ? {} : { readPassword: options.readPassword }),
  });
  return connect;
}

async function connectWithServiceAccount(
  env: AdminEnv,
  cmd: Command,
  opts: ConnectOpts,
  key: ServiceAccountKey,
): Promise<void> {
  const { ctx } = env;
  // The OAuth client is not needed; only where Google is (and its timeout, when configured).
  let google: ReturnType<typeof googleClientFromEnv> = null;
  try {
    google = googleClientFromEnv(ctx.env);
  } catch {
    google = null;
  }
  const endpoints = google ?? googleEndpointsFromEnv(ctx.env);
  const config = configOf(env, cmd);
  const secretBox = openSecretBox({ dbPath: config.dbPath, secretKey: config.secretKey });
  const logger = pino(loggerOptions(config.logLevel === "info" ? "warn" : config.logLevel), ctx.stderr);
  const result = await withLedger(env, cmd, (db) =>
    connectGoogleServiceAccount({
      db,
      secretBox,
      google: endpoints,
      now: env.now,
      logger,
      ownerEmail: opts.owner,
      calendars: opts.calendar,
      sync: opts.sync,
      serviceAccount: key,
    }),
  );
  if (config.secretKey === undefined && config.dbPath !== ":memory:") {
    ctx.stderr.write(
      `The service account key is encrypted with the key in ${secretKeyFileFor(config.dbPath)}; back it up with the database.\n`,
    );
  }
  emit(env, cmd, result, () => describe(result, key.clientEmail));
}

/** Reads and validates the key file; a problem is a usage error naming the file and the field. */
function readKeyFile(path: string): ServiceAccountKey {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "unreadable";
    throw new UsageError(`--service-account: cannot read ${path} (${code}).`);
  }
  try {
    return parseServiceAccountKey(text, `--service-account ${path}`);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

function parseChoice(value: string): CalendarChoice {
  try {
    return parseCalendarChoice(value);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

function clientOf(ctx: CliContext, opts: ConnectOpts) {
  let google: ReturnType<typeof googleClientFromEnv>;
  try {
    google = googleClientFromEnv(ctx.env, { clientId: opts.clientId, clientSecret: opts.clientSecret });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (google === null) {
    throw new UsageError(
      `no Google OAuth client: pass --client-id and --client-secret, or set ${GOOGLE_ENV.clientId} and ${GOOGLE_ENV.clientSecret} (create a "Desktop app" OAuth client in Google Cloud Console).`,
    );
  }
  return google;
}

function describe(r: ConnectResult, serviceAccount?: string): string {
  const via = serviceAccount === undefined ? "" : ` through service account ${serviceAccount}`;
  const lines = [
    `Connected Google account ${r.credential.account ?? "(no primary calendar)"} for ${r.owner.email}${via}` +
      `${r.owner.created ? ` (new owner, time zone ${r.owner.timezone})` : ""}; credential ${r.credential.id}.`,
    "",
    table(
      ["ID", "TYPE", "GOOGLE CALENDAR", "ACTION", "SYNC"],
      r.calendars.map((c) => [
        c.id,
        c.calendar_type,
        c.external_id,
        c.queued_bookings > 0 ? `${c.action}, ${c.queued_bookings} bookings queued for Google` : c.action,
        syncText(c),
      ]),
    ),
  ];
  const others = r.available.filter((a) => !r.calendars.some((c) => c.external_id === a.id));
  if (others.length > 0) {
    lines.push("", "Other calendars of this account (attach with --calendar ID=TYPE):");
    for (const o of others) lines.push(`  ${o.id}  ${o.summary}`);
  }
  return lines.join("\n");
}
