// The admin routes the owner console needs beyond agents and keys: every agent's bookings (list,
// show, cancel), one owner's week for the calendar view, a calendar's rules, connecting a provider
// (Google here, the others from provider-connect-routes.ts), and the trail of admin actions. Rows of
// the same table shape as admin-routes.ts, mounted and documented by the same loop.
import { z } from "zod";
import { RulesView } from "../../../schemas/rules.js";
import { Instant } from "../../../schemas/time.js";
import { BookingOutput, CancelBookingOutput, ListBookingsOutput } from "../../../schemas/tools.js";
import { Email, Slot } from "../../../schemas/wire.js";
import { listAdminActions } from "../../service/admin-actions.js";
import { getCalendarRules, setCalendarRules } from "../../service/agents-admin.js";
import { consoleConnectStatus, startConsoleConnect } from "../../service/google-connect-console.js";
import { listOwnerBookings, ownerCancelBooking, showOwnerBooking } from "../../service/owner-bookings.js";
import { ownerWeek } from "../../service/owner-week.js";
import { openSecretBox } from "../../service/provider-registry.js";
import { previewRules } from "../../service/rules-preview.js";
import type { AdminContext, AdminRoute } from "./admin-routes.js";
import { PROVIDER_CONNECT_ROUTES } from "./provider-connect-routes.js";

const BookingsQuery = z
  .object({
    owner: Email.optional().describe("Only this owner's bookings."),
    status: z.enum(["confirmed", "cancelled", "needs_reschedule"]).optional(),
    start: Instant.optional().describe("Only bookings ending after this instant (with end)."),
    end: Instant.optional().describe("...and starting before this one."),
    limit: z.number().int().min(1).max(100).default(50),
    cursor: z.string().max(200).optional().describe("next_cursor of the previous page."),
  })
  .strict();

const WeekQuery = z
  .object({
    owner: Email.describe("The owner whose calendar to draw."),
    date: z
      .string()
      .optional()
      .describe("A day (YYYY-MM-DD) of the Monday-to-Sunday week to draw; default this week."),
    start: Instant.optional().describe("Or a range start..."),
    end: Instant.optional().describe("...and end, at most 14 days after start."),
  })
  .strict();

const Span = {
  start: z.string(),
  end: z.string(),
  local_start: z.string().describe("Wall time in the owner's zone, with the offset."),
  local_end: z.string(),
};
const WeekView = z.object({
  owner_email: z.string(),
  timezone: z.string(),
  ...Span,
  days: z.array(
    z.object({ date: z.string(), weekday: z.number().int(), start: z.string(), end: z.string() }),
  ),
  items: z.array(
    z.object({
      kind: z.enum(["booking", "hold", "event"]),
      id: z.string(),
      calendar_type: z.string(),
      ...Span,
      title: z.string().nullable(),
      status: z.string(),
      meeting_class: z.string().nullable(),
      agent_id: z.string().nullable(),
      agent_name: z.string().nullable(),
      expires_at: z.string().nullable().describe("A hold's expiry."),
      displaced_by: z.array(z.string()).describe("What took a needs_reschedule booking's slot."),
    }),
  ),
  calendars: z.array(
    z.object({
      calendar_id: z.string(),
      calendar_type: z.string(),
      provider: z.string(),
      rules: z.unknown(),
    }),
  ),
});

const ActionsQuery = z
  .object({
    limit: z.number().int().min(1).max(1000).default(100),
    before_seq: z.number().int().min(0).optional().describe("The last seq of the previous page."),
  })
  .strict();
const ActionList = z.object({
  actions: z.array(
    z.object({
      seq: z.number().int(),
      action_id: z.string(),
      at: z.string(),
      actor: z.string().describe("The admin token's prefix, or session:ses_... for the console."),
      action: z.string().describe("The operationId of the admin route."),
      target: z.string().nullable(),
      details: z.unknown(),
    }),
  ),
});

const ConnectBody = z.object({ owner_email: Email, calendar_type: z.string().max(40).optional() }).strict();
const ConnectView = z.object({
  connect_id: z.string(),
  owner_email: z.string(),
  status: z.enum(["waiting", "connected", "failed"]),
  auth_url: z.string().describe("Open this in a browser on the server's machine."),
  redirect_uri: z.string(),
  expires_at: z.string(),
  error: z.string().nullable(),
  calendars: z.array(z.string()),
});
const connectDeps = (ctx: AdminContext) => ({
  db: ctx.app.ledger.db,
  secretBox: () => openSecretBox({ dbPath: ctx.app.config.dbPath, secretKey: ctx.app.config.secretKey }),
  google: ctx.app.config.google,
  now: ctx.app.config.now,
  logger: ctx.app.logger,
  registry: ctx.app.providers,
});

const CancelBody = z.object({ reason: z.string().max(500).optional() }).strict();
const bookingId = (ctx: AdminContext) => ctx.params["booking_id"] ?? "";
const calendarId = (ctx: AdminContext) => ctx.params["calendar_id"] ?? "";
const parsed = (json: string) => JSON.parse(json) as unknown;

export const OWNER_ROUTES: readonly AdminRoute[] = [
  {
    operationId: "admin_list_bookings",
    method: "GET",
    path: "/v1/admin/bookings",
    summary: "List every agent's bookings",
    description: "All agents' bookings by start, filtered by owner, status and time; pages with cursor.",
    status: 200,
    query: BookingsQuery,
    output: ListBookingsOutput,
    run: async (ctx) => {
      const q = ctx.query as z.output<typeof BookingsQuery>;
      const window =
        q.start !== undefined && q.end !== undefined ? { start: q.start, end: q.end } : undefined;
      const result = await listOwnerBookings(ctx.app.service, {
        ...(q.owner !== undefined ? { owner_email: q.owner } : {}),
        ...(q.status !== undefined ? { status: q.status } : {}),
        ...(window ? { window } : {}),
        limit: q.limit,
        ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
      });
      return parsed(result.json);
    },
  },
  {
    operationId: "admin_get_booking",
    method: "GET",
    path: "/v1/admin/bookings/{booking_id}",
    summary: "Show any booking",
    description: "One booking of any agent.",
    status: 200,
    output: BookingOutput,
    run: async (ctx) => parsed((await showOwnerBooking(ctx.app.service, bookingId(ctx))).json),
  },
  {
    operationId: "admin_cancel_booking",
    method: "POST",
    path: "/v1/admin/bookings/{booking_id}/cancel",
    summary: "Cancel any booking",
    description:
      "Cancels a booking for the owner: the slot is freed, the provider event removed, the booking's agent told (booking.cancelled with the reason). Cancelling twice changes nothing.",
    status: 200,
    body: CancelBody,
    output: CancelBookingOutput,
    run: async (ctx) => {
      const body = CancelBody.parse(ctx.body);
      return parsed((await ownerCancelBooking(ctx.app.service, bookingId(ctx), body.reason)).json);
    },
  },
  {
    operationId: "admin_owner_week",
    method: "GET",
    path: "/v1/admin/week",
    summary: "One owner's calendar for a range",
    description:
      "Bookings (with what displaced those needing a reschedule), active holds, the owner's own events and each calendar's rules, for the console's week view.",
    status: 200,
    query: WeekQuery,
    output: WeekView,
    run: (ctx) => {
      const q = ctx.query as z.output<typeof WeekQuery>;
      return ownerWeek(
        ctx.app.ledger.db,
        { owner_email: q.owner, date: q.date, start: q.start, end: q.end },
        ctx.now,
      );
    },
  },
  {
    operationId: "admin_get_rules",
    method: "GET",
    path: "/v1/admin/calendars/{calendar_id}/rules",
    summary: "Show a calendar's rules",
    description: "The calendar's availability rules; not found when it has none.",
    status: 200,
    output: RulesView,
    run: (ctx) => getCalendarRules(ctx.app.ledger.db, calendarId(ctx)),
  },
  {
    operationId: "admin_set_rules",
    method: "PUT",
    path: "/v1/admin/calendars/{calendar_id}/rules",
    summary: "Replace a calendar's rules",
    description: "Sets every rule field; the fields the body omits take their defaults.",
    status: 200,
    body: z.record(z.string(), z.unknown()),
    output: RulesView,
    run: (ctx) =>
      setCalendarRules(ctx.app.ledger.db, calendarId(ctx), ctx.body, { replace: true, now: ctx.now }),
  },
  {
    operationId: "admin_preview_rules",
    method: "POST",
    path: "/v1/admin/calendars/{calendar_id}/rules/preview",
    summary: "Preview rules",
    description:
      "The free 30-minute slots of the next seven days if the body were the calendar's rules, against its real bookings, holds and events. Saves nothing.",
    status: 200,
    body: z.record(z.string(), z.unknown()),
    output: z.object({
      timezone: z.string(),
      start: z.string(),
      end: z.string(),
      duration_minutes: z.number().int(),
      slots: z.array(Slot),
    }),
    readOnly: true,
    run: (ctx) => previewRules(ctx.app.ledger.db, calendarId(ctx), ctx.body, ctx.now),
  },
  {
    operationId: "admin_get_policy",
    method: "GET",
    path: "/v1/admin/policy",
    summary: "The meeting-class policy",
    description: "The policy in force: each class's rank and whether it can be displaced, and its hash.",
    status: 200,
    output: z.object({
      hash: z.string(),
      default_class: z.string(),
      protect_after_hours: z.number(),
      classes: z.record(z.string(), z.object({ rank: z.number(), preemptible: z.boolean() })),
    }),
    run: async (ctx) => {
      const { policy, hash } = ctx.app.policy;
      const classes = Object.fromEntries(
        Object.entries(policy.classes).map(([name, c]) => [
          name,
          { rank: c.rank, preemptible: c.preemptible },
        ]),
      );
      return {
        hash,
        default_class: policy.default_class,
        protect_after_hours: policy.protect_after_hours,
        classes,
      };
    },
  },
  {
    operationId: "admin_start_google_connect",
    method: "POST",
    path: "/v1/admin/google/connect",
    summary: "Start connecting a Google Calendar",
    description:
      "Starts the same consent as openavail connect google (a loopback redirect to this machine, PKCE) and answers with the consent URL to open; the grant is stored and the primary calendar attached (as calendar_type, default the owner's default type or work) when the browser returns. Poll the connect for its status.",
    status: 201,
    body: ConnectBody,
    output: ConnectView,
    run: (ctx) => startConsoleConnect(connectDeps(ctx), ctx.body),
  },
  {
    operationId: "admin_google_connect_status",
    method: "GET",
    path: "/v1/admin/google/connect/{connect_id}",
    summary: "A Google connect's status",
    description:
      "waiting (for the owner's consent), connected (with the calendars attached) or failed (with why).",
    status: 200,
    output: ConnectView,
    run: async (ctx) => consoleConnectStatus(ctx.params["connect_id"] ?? ""),
  },
  {
    operationId: "admin_list_actions",
    method: "GET",
    path: "/v1/admin/actions",
    summary: "List admin actions",
    description: "Who created, changed, disabled or revoked what, newest first.",
    status: 200,
    query: ActionsQuery,
    output: ActionList,
    run: async (ctx) => {
      const q = ctx.query as z.output<typeof ActionsQuery>;
      return { actions: await listAdminActions(ctx.app.ledger.db, q) };
    },
  },
  ...PROVIDER_CONNECT_ROUTES,
];
