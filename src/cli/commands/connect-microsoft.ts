// `openavail connect microsoft`: connects an owner's Microsoft 365 / Outlook calendar through the
// authorization code flow with PKCE (msal-node, a public client: no secret). The consent URL is
// printed on stderr, so --json output stays clean; nothing is opened automatically.
import { type Command, Option } from "commander";
import pino from "pino";
import { loggerOptions } from "../../compose.js";
import { connectMicrosoft, MICROSOFT_ENV, microsoftConfigFromEnv } from "../../service/microsoft-connect.js";
import type { CalendarChoice, ConnectResult } from "../../service/provider-connect.js";
import { openSecretBox, secretKeyFileFor } from "../../service/provider-registry.js";
import type { CliContext } from "../cli-context.js";
import { type AdminEnv, configOf, emit, table, UsageError, wholeNumber, withLedger } from "./admin-env.js";
import { syncText } from "./connect-summary.js";

const HELP_AFTER = `
What it does:
  1. Prints a Microsoft sign-in URL. Open it in a browser on this machine (the redirect goes to a
     one-shot server on http://127.0.0.1; on a remote host, forward the printed port with ssh -L).
  2. Stores msal's token cache (it holds the refresh token) encrypted (AES-256-GCM) under
     OPENAVAIL_SECRET_KEY or the key file <db>.key; rotated refresh tokens are sealed again as used.
  3. Attaches the chosen calendars (default: the account's default calendar) as the owner's
     Openavail calendars (provider microsoft), and syncs each once.
  Run it again to reconnect (a calendar listed as needs_reconnect by \`openavail calendar list\`).

The app registration (Microsoft Entra admin center > App registrations): a public client with the
platform "Mobile and desktop applications" and the redirect URI http://127.0.0.1, delegated
permissions Calendars.ReadWrite and User.Read (offline_access is asked for by msal).

Environment:
  OPENAVAIL_MICROSOFT_CLIENT_ID   the app registration's Application (client) ID
  OPENAVAIL_MICROSOFT_TENANT      common (default), organizations, consumers, or a tenant id
  OPENAVAIL_MICROSOFT_LOGIN_URL, OPENAVAIL_MICROSOFT_GRAPH_URL
                                  endpoint overrides (a national cloud, or a test double)
`;

interface MicrosoftOpts {
  owner: string;
  clientId?: string;
  tenant?: string;
  calendar: CalendarChoice[];
  timezone?: string;
  timeout: number;
  sync: boolean;
}

function parseChoice(value: string): CalendarChoice {
  const at = value.lastIndexOf("=");
  const externalId = at < 0 ? "" : value.slice(0, at).trim();
  const calendarType = at < 0 ? "" : value.slice(at + 1).trim();
  if (externalId === "" || calendarType === "") {
    throw new UsageError(`--calendar takes NAME_OR_ID=TYPE (e.g. Calendar=work), got "${value}".`);
  }
  return { externalId, calendarType };
}

/** Adds `openavail connect microsoft` under `connect`. */
export function registerConnectMicrosoft(
  connect: Command,
  ctx: CliContext,
  now: () => number = Date.now,
): void {
  const env: AdminEnv = { ctx, now };
  connect
    .command("microsoft")
    .description(
      "Connect an owner's Microsoft 365 / Outlook calendar: prints a sign-in URL, stores the grant encrypted, attaches the calendars and syncs them once.",
    )
    .requiredOption("--owner <email>", "the owner whose Microsoft account this is")
    .option("--client-id <id>", `the app registration's client id (default: $${MICROSOFT_ENV.clientId})`)
    .option(
      "--tenant <tenant>",
      `common, organizations, consumers or a tenant id (default: $${MICROSOFT_ENV.tenant} or common)`,
    )
    .addOption(
      new Option(
        "--calendar <name=type>",
        "attach the calendar named NAME (or with that id) as TYPE (repeatable)",
      )
        .argParser((value: string, previous: CalendarChoice[]) => [...previous, parseChoice(value)])
        .default([], "the default calendar as the owner's default type"),
    )
    .option("--timezone <zone>", "a new owner's time zone (default UTC)")
    .option("--timeout <seconds>", "how long to wait for the browser", wholeNumber, 300)
    .option("--no-sync", "attach without the first sync (`openavail serve` syncs in the background)")
    .addHelpText("after", HELP_AFTER)
    .action(async (opts: MicrosoftOpts, cmd: Command) => {
      const microsoft = microsoftConfigFromEnv(ctx.env, { clientId: opts.clientId, tenant: opts.tenant });
      if (microsoft === null) {
        throw new UsageError(
          `no Microsoft app registration: pass --client-id or set ${MICROSOFT_ENV.clientId} (see --help).`,
        );
      }
      if (opts.timeout < 1) throw new UsageError("--timeout must be at least 1 second.");
      const config = configOf(env, cmd);
      const secretBox = openSecretBox({ dbPath: config.dbPath, secretKey: config.secretKey });
      const logger = pino(loggerOptions(config.logLevel === "info" ? "warn" : config.logLevel), ctx.stderr);
      const result = await withLedger(env, cmd, (db) =>
        connectMicrosoft({
          db,
          secretBox,
          microsoft,
          now: env.now,
          logger,
          ownerEmail: opts.owner,
          calendars: opts.calendar,
          sync: opts.sync,
          timeoutMs: opts.timeout * 1000,
          ...(opts.timezone === undefined ? {} : { timeZone: opts.timezone }),
          onAuthUrl: (url, redirectUri) => {
            ctx.stderr.write(
              "Open this URL in a browser on this machine and allow Openavail to use your calendar:\n\n" +
                `  ${url}\n\n` +
                `Waiting up to ${opts.timeout} s for Microsoft to redirect to ${redirectUri} ...\n`,
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
}

function describe(r: ConnectResult): string {
  const lines = [
    `Connected Microsoft account ${r.credential.account ?? "(unknown)"} for ${r.owner.email}` +
      `${r.owner.created ? ` (new owner, time zone ${r.owner.timezone})` : ""}; credential ${r.credential.id}.`,
    "",
    table(
      ["ID", "TYPE", "CALENDAR", "ACTION", "SYNC"],
      r.calendars.map((c) => [
        c.id,
        c.calendar_type,
        c.name ?? c.external_id,
        c.queued_bookings > 0 ? `${c.action}, ${c.queued_bookings} bookings queued` : c.action,
        syncText(c),
      ]),
    ),
  ];
  const others = r.available.filter((a) => !r.calendars.some((c) => c.external_id === a.id));
  if (others.length > 0) {
    lines.push("", "Other calendars of this account (attach with --calendar NAME=TYPE):");
    for (const o of others) lines.push(`  ${o.summary}`);
  }
  return lines.join("\n");
}
