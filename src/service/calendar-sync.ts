// Keeps the ledger's mirror of provider calendars current: incremental sync, full resync on 410,
// and the owner's own edits in the provider applied to the bookings they touch:
//
// - an event of the owner's (or one the owner moved onto a booking) that overlaps confirmed bookings
//   turns them into needs_reschedule, their agents are told (booking.needs_reschedule), and their
//   own provider events are queued for deletion, as after a preemption;
// - the owner moving an Openavail booking's own event moves the booking (the owner's calendar is the
//   truth about when a meeting happens), and bookings it now lands on need rescheduling;
// - the owner deleting an Openavail booking's event cancels the booking (booking.cancelled).
//
// An event written for a booking whose write is still queued in the outbox is ours in flight, and is
// never read as an edit of the owner's.
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import { toInstant } from "../../schemas/time.js";
import type { Changes } from "../ledger/change-tracker.js";
import { unlessClaimed } from "../ledger/dialect.js";
import { newId } from "../ledger/ids.js";
import { enqueueOutbox, hasPendingOutbox } from "../ledger/outbox.repository.js";
import { findCalendarById, updateCalendar } from "../ledger/owners.repository.js";
import {
  deleteExternalEvents,
  findBooking,
  updateBooking,
  upsertExternalEvent,
} from "../ledger/schedule.repository.js";
import type { BookingRow, CalendarRow, Database } from "../ledger/tables.js";
import { immediate } from "../ledger/transaction.js";
import {
  type CalendarProvider,
  ProviderError,
  type ProviderEvent,
  type SyncPage,
} from "../providers/calendar-provider.js";
import { notifyAgent } from "./notify.js";

/**
 * Finds the provider adapter of a calendar (null for `local`, which has nothing to sync). A resolver
 * may count the credentials it has been told changed (`generation`): the refresher then notices a
 * calendar connected in this process at once.
 */
export type ProviderResolver = ((calendar: CalendarRow) => Promise<CalendarProvider | null>) & {
  readonly generation?: () => number;
};

export interface SyncDeps {
  readonly db: Kysely<Database>;
  /**
   * Whether the calendars table may have changed (the ledger's change tracker). Given, the refresher
   * trusts "no provider calendar here" until it does, instead of for PROVIDER_CHECK_MS.
   */
  readonly changes?: Changes;
  readonly now: () => number;
  readonly logger: Logger;
  readonly providerFor: ProviderResolver;
}

export interface SyncOutcome {
  readonly calendarId: string;
  readonly events: number;
  readonly fullResync: boolean;
  /** Confirmed bookings an owner's event now collides with: now needs_reschedule. */
  readonly displacedBookings: readonly string[];
  /** Bookings whose event the owner moved: the booking moved with it. */
  readonly movedBookings: readonly string[];
  /** Bookings whose event the owner deleted: cancelled. */
  readonly cancelledBookings: readonly string[];
  /** True when another process synced the calendar meanwhile and this page was dropped as older. */
  readonly superseded: boolean;
}

/**
 * Pulls one calendar's changes and applies them in one transaction. Network I/O happens before the
 * transaction so the write lock is never held while waiting on the provider. A revoked grant marks
 * the calendar `needs_reconnect` and rethrows. Returns null for a calendar with nothing to sync.
 */
export async function syncCalendar(deps: SyncDeps, calendarId: string): Promise<SyncOutcome | null> {
  // Instances sharing a PostgreSQL ledger each sync in the background: one syncs a calendar at a
  // time, and the others pass it by (it is being brought up to date).
  return unlessClaimed(deps.db, `sync:${calendarId}`, () => syncClaimed(deps, calendarId));
}

async function syncClaimed(deps: SyncDeps, calendarId: string): Promise<SyncOutcome | null> {
  const calendar = await findCalendarById(deps.db, calendarId);
  if (!calendar || calendar.provider === "local" || calendar.external_id === null) return null;
  let page: SyncPage;
  try {
    const provider = await deps.providerFor(calendar);
    if (!provider) return null;
    const owner = await deps.db
      .selectFrom("owners")
      .select("timezone")
      .where("id", "=", calendar.owner_id)
      .executeTakeFirstOrThrow();
    page = await provider.sync({
      externalCalendarId: calendar.external_id,
      syncToken: calendar.sync_token,
      // All-day events are whole days where the owner lives.
      timeZone: owner.timezone,
    });
  } catch (err) {
    if (err instanceof ProviderError && err.kind === "auth_revoked") {
      await updateCalendar(deps.db, calendar.id, { status: "needs_reconnect" });
      deps.logger.warn({ calendar_id: calendar.id }, "provider grant revoked; calendar needs reconnect");
    }
    throw err;
  }
  return immediate(deps.db, (trx) => applyPage(trx, deps.now(), calendar, page));
}

async function applyPage(
  trx: Kysely<Database>,
  now: number,
  calendar: CalendarRow,
  page: SyncPage,
): Promise<SyncOutcome> {
  const outcome = {
    calendarId: calendar.id,
    events: page.events.length,
    fullResync: calendar.sync_token === null || page.fullResync,
    displacedBookings: [] as string[],
    movedBookings: [] as string[],
    cancelledBookings: [] as string[],
    superseded: false,
  };
  // Another process may have applied a newer page since we read the token: ours is then older.
  const current = await trx
    .selectFrom("calendars")
    .select("sync_token")
    .where("id", "=", calendar.id)
    .executeTakeFirst();
  if (!current || current.sync_token !== calendar.sync_token) return { ...outcome, superseded: true };

  // What the mirror knew, before a full listing replaces it: a deletion arrives as a bare id.
  const known = new Map(
    (
      await trx
        .selectFrom("external_events")
        .select(["external_id", "booking_id"])
        .where("calendar_id", "=", calendar.id)
        .where("booking_id", "is not", null)
        .execute()
    ).map((r) => [r.external_id, r.booking_id]),
  );
  if (outcome.fullResync) await deleteExternalEvents(trx, calendar.id);
  for (const id of page.replaced ?? []) {
    // The object itself and its occurrences `id#...` ('$' sorts right after '#').
    await trx
      .deleteFrom("external_events")
      .where("calendar_id", "=", calendar.id)
      .where((eb) =>
        eb.or([
          eb("external_id", "=", id),
          eb.and([eb("external_id", ">", `${id}#`), eb("external_id", "<", `${id}$`)]),
        ]),
      )
      .execute();
  }

  for (const ev of page.events) {
    if (ev.status === "cancelled") {
      await trx
        .deleteFrom("external_events")
        .where("calendar_id", "=", calendar.id)
        .where("external_id", "=", ev.externalId)
        .execute();
      const bookingId = ev.bookingId ?? known.get(ev.externalId) ?? null;
      const booking = bookingId === null ? undefined : await findBooking(trx, bookingId);
      if (booking?.status === "confirmed" && !(await hasPendingOutbox(trx, booking.id))) {
        await updateBooking(trx, booking.id, { status: "cancelled", updated_at: now });
        await notifyAgent(trx, now, booking.agent_id, "booking.cancelled", {
          message: `Your booking ${booking.id} (${toInstant(booking.start_ms)}) was deleted by the owner in their calendar, so it is cancelled; call check_availability if the meeting is still needed.`,
          booking_id: booking.id,
          hold_id: null,
          winner_class: null,
          landing_hold: null,
        });
        outcome.cancelledBookings.push(booking.id);
      }
      continue;
    }

    const own = await ownBookingOf(trx, now, ev);
    const mirrorOf = own?.booking ?? null;
    if (own?.moved) {
      outcome.movedBookings.push(own.booking.id);
      await notifyAgent(trx, now, own.booking.agent_id, "booking.moved", {
        message: `The owner moved your booking ${own.booking.id} in their calendar; it now runs ${toInstant(ev.start)} to ${toInstant(ev.end)}. Tell the attendees, or reschedule it with reschedule_booking.`,
        booking_id: own.booking.id,
        hold_id: null,
        winner_class: null,
        landing_hold: null,
      });
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
      booking_id: mirrorOf?.id ?? null,
      updated_at: ev.updatedAt,
    });
    // Our own event where we put it (or on its way there) is the booking itself, not the owner's time.
    if (!ev.busy || (own !== null && !own.moved)) continue;
    // The owner's busy time (or a booking the owner moved) now overlaps other confirmed bookings:
    // those can no longer happen as booked.
    const hit = await trx
      .selectFrom("bookings")
      .selectAll()
      .where("owner_id", "=", calendar.owner_id)
      .where("status", "=", "confirmed")
      .where("start_ms", "<", ev.end)
      .where("end_ms", ">", ev.start)
      .execute();
    for (const b of hit) {
      if (b.id === mirrorOf?.id) continue;
      await updateBooking(trx, b.id, { status: "needs_reschedule", updated_at: now });
      // As after a preemption: the booking's own event stops claiming the time in the provider.
      if (await onProvider(trx, b.calendar_id)) {
        await enqueueOutbox(trx, { booking_id: b.id, calendar_id: b.calendar_id, op: "cancel", now });
      }
      await notifyAgent(trx, now, b.agent_id, "booking.needs_reschedule", {
        message: `Your booking ${b.id} (${toInstant(b.start_ms)}) now collides with a change the owner made in their calendar; reschedule it with reschedule_booking.`,
        booking_id: b.id,
        hold_id: null,
        winner_class: null,
        landing_hold: null,
      });
      outcome.displacedBookings.push(b.id);
    }
  }
  await updateCalendar(trx, calendar.id, {
    sync_token: page.nextSyncToken,
    synced_at: now,
    status: "active",
  });
  return outcome;
}

/**
 * The Openavail booking a live event stands for in the mirror, or null when it is the owner's own
 * busy time. An event carrying a booking id is ours when a write for that booking is still queued
 * (in flight: it will be rewritten), or when the booking is confirmed; if the owner moved it, the
 * booking moves with it (`moved`). The event of a booking that is no longer confirmed, or that this
 * ledger does not know, is the owner's time.
 */
async function ownBookingOf(
  trx: Kysely<Database>,
  now: number,
  ev: ProviderEvent,
): Promise<{ booking: BookingRow; moved: boolean } | null> {
  if (ev.bookingId === null) return null;
  const booking = await findBooking(trx, ev.bookingId);
  if (!booking) return null;
  if (await hasPendingOutbox(trx, booking.id)) return { booking, moved: false };
  if (booking.status !== "confirmed") return null;
  if (booking.start_ms === ev.start && booking.end_ms === ev.end) return { booking, moved: false };
  await updateBooking(trx, booking.id, { start_ms: ev.start, end_ms: ev.end, updated_at: now });
  return { booking: { ...booking, start_ms: ev.start, end_ms: ev.end, updated_at: now }, moved: true };
}

async function onProvider(trx: Kysely<Database>, calendarId: string): Promise<boolean> {
  const cal = await findCalendarById(trx, calendarId);
  return cal !== undefined && cal.provider !== "local" && cal.external_id !== null;
}
