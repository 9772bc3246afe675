// The admin routes that connect an owner's Microsoft 365 and CalDAV calendars from the console: the
// Microsoft sign-in started here and followed by its id (as Google's), and the same work as `openavail
// connect caldav` with the app password in the body (never logged, kept out of the admin trail, stored
// only sealed). Mounted with the owner routes.
import { z } from "zod";
import { Email } from "../../../schemas/wire.js";
import { connectCalDav } from "../../service/caldav-connect.js";
import { consoleConsentStatus } from "../../service/console-consent.js";
import { type MicrosoftConfig, startMicrosoftConsoleConnect } from "../../service/microsoft-connect.js";
import { openSecretBox } from "../../service/provider-registry.js";
import type { AdminContext, AdminRoute } from "./admin-routes.js";

/**
 * The Microsoft app registration `serve` was started with. AppConfig does not name it yet (it is read
 * from OPENAVAIL_MICROSOFT_CLIENT_ID once compose.ts does); until then it arrives as a config override.
 */
const microsoftOf = (ctx: AdminContext): MicrosoftConfig | null => ctx.app.config.microsoft;

const ConsentBody = z.object({ owner_email: Email, calendar_type: z.string().max(40).optional() }).strict();
const ConsentView = z.object({
  connect_id: z.string(),
  owner_email: z.string(),
  status: z.enum(["waiting", "connected", "failed"]),
  auth_url: z.string().describe("Open this in a browser on the server's machine."),
  redirect_uri: z.string(),
  expires_at: z.string(),
  error: z.string().nullable(),
  calendars: z.array(z.string()),
});

const CalDavConnectBody = z
  .object({
    owner_email: Email,
    url: z.string().min(1).max(2000).describe("The CalDAV server's, account's or calendar's URL."),
    username: z.string().min(1).max(320),
    password: z.string().max(1000).describe("An app password; stored encrypted, never shown again."),
    calendar: z
      .string()
      .max(2000)
      .optional()
      .describe("The calendar to attach, by display name or URL; default the one at url, else the first."),
    calendar_type: z
      .string()
      .max(40)
      .optional()
      .describe("Attach it as this type; default the owner's default, else work."),
    timezone: z.string().max(100).optional().describe("A new owner's time zone; default the calendar's own."),
  })
  .strict();

const ConnectResultView = z.object({
  owner: z.object({ id: z.string(), email: z.string(), timezone: z.string(), created: z.boolean() }),
  credential: z.object({ id: z.string(), account: z.string().nullable(), reused: z.boolean() }),
  calendars: z.array(
    z.object({
      id: z.string(),
      calendar_type: z.string(),
      external_id: z.string(),
      name: z.string().nullable(),
      action: z.enum(["created", "reconnected", "converted"]),
      queued_bookings: z.number().int(),
      sync: z
        .union([
          z.object({ ok: z.literal(true), events: z.number().int() }),
          z.object({ ok: z.literal(false), error: z.string() }),
        ])
        .nullable(),
    }),
  ),
  available: z.array(
    z.object({ id: z.string(), summary: z.string(), primary: z.boolean(), timeZone: z.string() }),
  ),
});

const deps = (ctx: AdminContext) => ({
  db: ctx.app.ledger.db,
  secretBox: () => openSecretBox({ dbPath: ctx.app.config.dbPath, secretKey: ctx.app.config.secretKey }),
  now: ctx.app.config.now,
  logger: ctx.app.logger,
  registry: ctx.app.providers,
});

export const PROVIDER_CONNECT_ROUTES: readonly AdminRoute[] = [
  {
    operationId: "admin_start_microsoft_connect",
    method: "POST",
    path: "/v1/admin/microsoft/connect",
    summary: "Start connecting a Microsoft 365 calendar",
    description:
      "Starts the same sign-in as openavail connect microsoft (authorization code with PKCE, a loopback redirect to this machine) and answers with the URL to open; the grant is stored and the default calendar attached (as calendar_type, default the owner's default type or work) when the browser returns. Poll the connect for its status.",
    status: 201,
    body: ConsentBody,
    output: ConsentView,
    run: (ctx) =>
      startMicrosoftConsoleConnect(
        { ...deps(ctx), microsoft: microsoftOf(ctx) },
        ConsentBody.parse(ctx.body),
      ),
  },
  {
    operationId: "admin_microsoft_connect_status",
    method: "GET",
    path: "/v1/admin/microsoft/connect/{connect_id}",
    summary: "A Microsoft connect's status",
    description:
      "waiting (for the owner's sign-in), connected (with the calendars attached) or failed (with why).",
    status: 200,
    output: ConsentView,
    run: async (ctx) => consoleConsentStatus(ctx.params["connect_id"] ?? "", "Microsoft"),
  },
  {
    operationId: "admin_connect_caldav",
    method: "POST",
    path: "/v1/admin/caldav/connect",
    summary: "Connect a CalDAV calendar",
    description:
      "As openavail connect caldav: checks the sign-in by listing the account's calendars, stores the URL, username and app password encrypted, attaches the chosen calendar (as calendar_type) and syncs it once. Connecting again with a new app password reconnects.",
    status: 201,
    body: CalDavConnectBody,
    output: ConnectResultView,
    run: (ctx) => {
      const body = CalDavConnectBody.parse(ctx.body);
      const type = body.calendar_type?.trim() || undefined;
      const calendars =
        body.calendar !== undefined || type !== undefined
          ? [{ externalId: body.calendar?.trim() || "primary", calendarType: type ?? "work" }]
          : [];
      const d = deps(ctx);
      return connectCalDav({
        ...d,
        secretBox: d.secretBox(),
        ownerEmail: body.owner_email,
        url: body.url,
        username: body.username,
        password: body.password,
        calendars,
        ...(body.timezone === undefined ? {} : { timeZone: body.timezone }),
      });
    },
  },
];
