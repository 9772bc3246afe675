// `openavail owner bookings|booking|cancel`: the owner's view of every agent's bookings, on the
// database directly, and cancelling any of them (the booking's agent is told).
import type { Command } from "commander";
import { type App, createApp } from "../../compose.js";
import { listOwners } from "../../service/agents-admin.js";
import { listOwnerBookings, ownerCancelBooking, showOwnerBooking } from "../../service/owner-bookings.js";
import { rangeFrom } from "../agent/natural-input.js";
import { renderHuman } from "../agent/render-result.js";
import { type AdminEnv, configOf, globals, wholeNumber } from "./admin-env.js";

interface ListOptions {
  owner?: string;
  status?: string;
  on?: string;
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string;
  tz?: string;
}

export function registerOwnerBookingCommands(owner: Command, env: AdminEnv): void {
  owner
    .command("bookings")
    .description("List every agent's bookings, by start; filter by owner, status and time.")
    .option("--owner <email>", "only this owner's bookings")
    .option("--status <status>", "confirmed, cancelled or needs_reschedule")
    .option("--on <day>", "only this day: today, tomorrow, monday or 2026-12-08")
    .option("--from <when>", "only bookings ending after this instant or date")
    .option("--to <when>", "...and starting before this one")
    .option("--limit <n>", "page size (1-100, default 50)", wholeNumber)
    .option("--cursor <cursor>", "the next page, as the previous one said")
    .option("--tz <zone>", "show times in this zone (default: the owner's, or UTC)")
    .action(async (opts: ListOptions, cmd: Command) => {
      await withService(env, cmd, async (app) => {
        const zone = opts.tz ?? (await ownerZone(app, opts.owner)) ?? "UTC";
        const window = rangeFrom(opts, zone, env.now());
        const result = await listOwnerBookings(app.service, {
          ...(opts.owner !== undefined ? { owner_email: opts.owner } : {}),
          ...(opts.status !== undefined ? { status: opts.status } : {}),
          ...(window ? { window } : {}),
          ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
          ...(opts.cursor !== undefined ? { cursor: opts.cursor } : {}),
        });
        print(env, cmd, result.json, zone);
      });
    });

  owner
    .command("booking")
    .description("Show one booking of any agent.")
    .argument("<booking_id>", "the booking (bkg_...)")
    .option("--tz <zone>", "show times in this zone (default: the owner's)")
    .action(async (bookingId: string, opts: { tz?: string }, cmd: Command) => {
      await withService(env, cmd, async (app) => {
        const result = await showOwnerBooking(app.service, bookingId);
        print(env, cmd, result.json, opts.tz ?? (await zoneOfBooking(app, result.json)));
      });
    });

  owner
    .command("cancel")
    .description("Cancel any agent's booking for the owner; its agent is told, with the reason.")
    .argument("<booking_id>", "the booking (bkg_...)")
    .option("--reason <text>", "why; logged and told to the booking's agent")
    .option("--tz <zone>", "show times in this zone (default: the owner's)")
    .action(async (bookingId: string, opts: { reason?: string; tz?: string }, cmd: Command) => {
      await withService(env, cmd, async (app) => {
        const result = await ownerCancelBooking(app.service, bookingId, opts.reason);
        print(env, cmd, result.json, opts.tz ?? (await zoneOfBooking(app, result.json)));
      });
    });
}

/** Opens the whole service (not just the ledger): cancelling writes through to the provider's outbox. */
async function withService(env: AdminEnv, cmd: Command, work: (app: App) => Promise<void>): Promise<void> {
  const config = { ...configOf(env, cmd), now: env.now, logLevel: "silent" as const };
  const app = await createApp(config);
  try {
    await work(app);
  } finally {
    await app.close();
  }
}

function print(env: AdminEnv, cmd: Command, json: string, zone: string): void {
  const body = JSON.parse(json) as Record<string, unknown>;
  env.ctx.stdout.write(globals(cmd).json ? `${JSON.stringify(body, null, 2)}\n` : renderHuman(body, zone));
}

async function ownerZone(app: App, email: string | undefined): Promise<string | undefined> {
  if (email === undefined) return undefined;
  const owners = await listOwners(app.ledger.db);
  return owners.find((o) => o.email === email.toLowerCase())?.timezone;
}

async function zoneOfBooking(app: App, json: string): Promise<string> {
  const { booking } = JSON.parse(json) as { booking: { owner_email: string } };
  return (await ownerZone(app, booking.owner_email)) ?? "UTC";
}
