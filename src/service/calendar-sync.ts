// Keeps the ledger's mirror of provider calendars current: incremental sync, full resync on 410,
// and human edits that now collide with an Openavail booking turning it into needs_reschedule.
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import { toInstant } from "../../schemas/time.js";
import { insertNotification } from "../ledger/audit.repository.js";
import { newId } from "../ledger/ids.js";
import { findCalendarById, updateCalendar } from "../ledger/owners.repository.js";
import { deleteExternalEvents, updateBooking, upsertExternalEvent } from "../ledger/schedule.repository.js";
import type { CalendarRow, Database } from "../ledger/tables.js";
import { immediate } from "../ledger/transaction.js";
import { type CalendarProvider, ProviderError } from "../providers/calendar-provider.js";
import type { NotificationPayload } from "./present.js";

/** Finds the provider adapter of a calendar (null for `local`, which has nothing to sync). */
export type ProviderResolver = (calendar: CalendarRow) => Promise<CalendarProvider | null>;

export interface SyncDeps {
  readonly db: Kysely<Database>;
  readonly now: () => number;
  readonly logger: Logger;
  readonly providerFor: ProviderResolver;
}

export interface SyncOutcome {
  readonly calendarId: string;
  readonly events: number;
  readonly fullResync: boolean;
  readonly displacedBookings: readonly string[];
}

/**
 * Pulls one calendar's changes and applies them in one transaction. Network I/O happens before the
 * transaction so the write lock is never held while waiting on the provider. A revoked grant marks
 * the calendar `needs_reconnect` and rethrows.
 */
export async function syncCalendar(deps: SyncDeps, calendarId: string): Promise<SyncOutcome | null> {
  const calendar = await findCalendarById(deps.db, calendarId);
  if (!calendar || calendar.external_id === null) return null;
  const provider = await deps.providerFor(calendar);
  if (!provider) return null;
  const owner = await deps.db
    .selectFrom("owners")
    .select("timezone")
    .where("id", "=", calendar.owner_id)
    .executeTakeFirstOrThrow();
  let page: Awaited<ReturnType<CalendarProvider["sync"]>>;
  try {
    page = await provider.sync({
      externalCalendarId: calendar.external_id,
      syncToken: calendar.sync_token,
      timeZone: owner.timezone,
    });
  } catch (err) {
    if (err instanceof ProviderError && err.kind === "auth_revoked") {
      await updateCalendar(deps.db, calendar.id, { status: "needs_reconnect" });
      deps.logger.warn({ calendar_id: calendar.id }, "provider grant revoked; calendar needs reconnect");
    }
    throw err;
  }
  return immediate(deps.db, async (trx) => {
    const now = deps.now();
    const complete = calendar.sync_token === null || page.fullResync;
    if (complete) await deleteExternalEvents(trx, calendar.id);
    const displaced: string[] = [];
    for (const ev of page.events) {
      const cancelled = ev.status === "cancelled";
      if (cancelled) {
        await trx
          .deleteFrom("external_events")
          .where("calendar_id", "=", calendar.id)
          .where("external_id", "=", ev.externalId)
          .execute();
        continue;
      }
      await upsertExternalEvent(trx, {
        id: newId("evt"),
        owner_id: calendar.owner_id,
        calendar_id: calendar.id,
        external_id: ev.externalId,
        start_ms: ev.start,
        end_ms: ev.end,
        busy: ev.busy ? 1 : 0,
        title: ev.title,
        booking_id: ev.bookingId,
        updated_at: ev.updatedAt,
      });
      if (!ev.busy) continue;
      // A person's own event now overlaps bookings of ours, or moved the mirror of one: those
      // bookings can no longer happen as booked.
      const hit = await trx
        .selectFrom("bookings")
        .select(["id", "agent_id", "start_ms", "end_ms"])
        .where("owner_id", "=", calendar.owner_id)
        .where("status", "=", "confirmed")
        .where("start_ms", "<", ev.end)
        .where("end_ms", ">", ev.start)
        .execute();
      for (const b of hit) {
        if (ev.bookingId === b.id && b.start_ms === ev.start && b.end_ms === ev.end) continue;
        if (ev.bookingId !== null && ev.bookingId !== b.id && !(b.start_ms < ev.end && ev.start < b.end_ms))
          continue;
        await updateBooking(trx, b.id, { status: "needs_reschedule", updated_at: now });
        const payload: NotificationPayload = {
          message: `Your booking ${b.id} (${toInstant(b.start_ms)}) now collides with a change the owner made in their calendar; reschedule it with reschedule_booking.`,
          booking_id: b.id,
          hold_id: null,
          winner_class: null,
          landing_hold: null,
        };
        await insertNotification(trx, {
          id: newId("ntf"),
          agent_id: b.agent_id,
          type: "booking.needs_reschedule",
          payload_json: JSON.stringify(payload),
          created_at: now,
          delivered_at: null,
        });
        displaced.push(b.id);
      }
    }
    await updateCalendar(trx, calendar.id, {
      sync_token: page.nextSyncToken,
      synced_at: now,
      status: "active",
    });
    return {
      calendarId: calendar.id,
      events: page.events.length,
      fullResync: complete,
      displacedBookings: displaced,
    };
  });
}

/**
 * Brings every provider calendar of the given owners up to date when its mirror is older than
 * `freshForMs`. Failures are logged, not thrown: the decision then answers with PROVIDER_STALE.
 */
export async function refreshIfStale(
  deps: SyncDeps,
  ownerEmails: readonly string[],
  freshForMs: number,
): Promise<void> {
  if (ownerEmails.length === 0) return;
  const now = deps.now();
  const stale = await deps.db
    .selectFrom("calendars")
    .innerJoin("owners", "owners.id", "calendars.owner_id")
    .select(["calendars.id"])
    .where(
      "owners.email",
      "in",
      ownerEmails.map((e) => e.toLowerCase()),
    )
    .where("calendars.provider", "!=", "local")
    .where("calendars.status", "=", "active")
    .where((eb) =>
      eb.or([eb("calendars.synced_at", "is", null), eb("calendars.synced_at", "<", now - freshForMs)]),
    )
    .execute();
  for (const c of stale) {
    try {
      await syncCalendar(deps, c.id);
    } catch (err) {
      deps.logger.warn(
        { calendar_id: c.id, err: String(err) },
        "calendar sync failed; answering from the stale mirror",
      );
    }
  }
}
