// The admin routes that connect an owner's CalDAV (and, later, other) calendars from the console:
// the same work as `openavail connect caldav`, the app password in the body (never logged, kept out
// of the admin trail, stored only sealed). Mounted with the owner routes.
import { z } from "zod";
import { Email } from "../../../schemas/wire.js";
import { connectCalDav } from "../../service/caldav-connect.js";
import { openSecretBox } from "../../service/provider-registry.js";
import type { AdminContext, AdminRoute } from "./admin-routes.js";

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
  secretBox: openSecretBox({ dbPath: ctx.app.config.dbPath, secretKey: ctx.app.config.secretKey }),
  now: ctx.app.config.now,
  logger: ctx.app.logger,
  registry: ctx.app.providers,
});

export const PROVIDER_CONNECT_ROUTES: readonly AdminRoute[] = [
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
      return connectCalDav({
        ...deps(ctx),
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
