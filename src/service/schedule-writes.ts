// The writes decisions share, all inside the call's transaction: new holds and bookings, the provider
// write-through of a booking change, agent notifications, and the sweep of expired holds.

import { toInstant } from "../../schemas/time.js";
import type { Attendee, Notification } from "../../schemas/wire.js";
import type { Interval } from "../core/interval.js";
import { newId } from "../ledger/ids.js";
import { enqueueOutbox } from "../ledger/outbox.repository.js";
import {
  earliestActiveHoldExpiry,
  expireHolds,
  insertBooking,
  insertHold,
} from "../ledger/schedule.repository.js";
import type { BookingRow, CalendarRow, HoldRow, OwnerRow } from "../ledger/tables.js";
import type { Scheduling, Tx } from "./decisions.js";
import { notifyAgent } from "./notify.js";
import type { NotificationPayload } from "./present.js";
import type { Target } from "./targets.js";

/**
 * Expires every hold past its `expires_at` and tells its agent. Every decision sweeps first. On
 * SQLite, while `now` is before the earliest active hold's expiry, read once and kept until the holds
 * table changes (change-tracker.ts), there is nothing to sweep and no statement runs: ~6 µs of a
 * booking under load. Not on PostgreSQL: decisions for different owners run side by side there, so
 * the earliest expiry could be read just before another transaction's new hold commits, and no
 * notification of that commit would make it be read again (holds are not among the tables notified).
 */
export async function sweepExpiredHolds(s: Scheduling, tx: Tx): Promise<number> {
  const cache = s.earliestHoldExpiry;
  const earliest = cache?.get(EVERY_HOLD);
  if (earliest !== undefined && tx.now < earliest) return 0;
  const expired = await expireHolds(tx.trx, tx.now);
  for (const h of expired) {
    await notify(tx, h.agent_id, "hold.expired", {
      message: `Your hold ${h.id} (${toInstant(h.start_ms)}) expired unconfirmed at ${toInstant(h.expires_at)}.`,
      booking_id: null,
      hold_id: h.id,
      winner_class: null,
      landing_hold: null,
    });
  }
  // Stamped after the sweep, which writes to holds when it expires any.
  if (cache) {
    const stamp = cache.stamp();
    cache.set(EVERY_HOLD, stamp, await earliestActiveHoldExpiry(tx.trx));
  }
  return expired.length;
}

/** The one key of Scheduling's earliestHoldExpiry. */
const EVERY_HOLD = "";

/** Queues the provider write of a booking change; it commits (or not) with the decision. */
export async function writeThrough(
  tx: Tx,
  calendar: CalendarRow,
  bookingId: string,
  op: "upsert" | "cancel",
): Promise<void> {
  if (calendar.provider === "local") return;
  await enqueueOutbox(tx.trx, { booking_id: bookingId, calendar_id: calendar.id, op, now: tx.now });
}

/** Queues a notification for `agentId` in the call's transaction. */
export async function notify(
  tx: Tx,
  agentId: string,
  type: Notification["type"],
  payload: NotificationPayload,
): Promise<void> {
  await notifyAgent(tx.trx, tx.now, agentId, type, payload);
}

/**
 * A new active hold of the caller's agent on `slot` of the target's calendar; `fromCheck` marks the
 * one check_availability places, which the agent's next check of the owner releases.
 */
export async function addHold(
  tx: Tx,
  target: Target,
  slot: Interval,
  meetingClass: string,
  ttlSeconds: number,
  fromCheck = false,
): Promise<HoldRow> {
  return addHoldFor(
    tx,
    tx.caller.agentId,
    target.owner,
    target.calendar,
    slot,
    meetingClass,
    ttlSeconds,
    fromCheck,
  );
}

/** A new active hold of `agentId` (the caller's, or a displaced agent's landing hold). */
export async function addHoldFor(
  tx: Tx,
  agentId: string,
  owner: OwnerRow,
  calendar: CalendarRow,
  slot: Interval,
  meetingClass: string,
  ttlSeconds: number,
  fromCheck = false,
): Promise<HoldRow> {
  const row: HoldRow = {
    id: newId("hld"),
    owner_id: owner.id,
    calendar_id: calendar.id,
    agent_id: agentId,
    start_ms: slot.start,
    end_ms: slot.end,
    meeting_class: meetingClass,
    status: "active",
    expires_at: tx.now + ttlSeconds * 1000,
    created_at: tx.now,
    updated_at: tx.now,
    from_check: fromCheck ? 1 : 0,
  };
  await insertHold(tx.trx, row);
  return row;
}

/** What a booking says besides its slot and class, as the request gave it. */
export interface BookingDetails {
  readonly title: string;
  /** Empty or absent: none (null). */
  readonly description?: string | undefined;
  readonly attendees: readonly Attendee[];
}

/** A new confirmed booking of the caller's agent, queued for the provider; `hold` is the one it confirms. */
export async function addBooking(
  tx: Tx,
  target: Target,
  slot: Interval,
  meetingClass: string,
  details: BookingDetails,
  hold: HoldRow | null,
): Promise<BookingRow> {
  const row: BookingRow = {
    id: newId("bkg"),
    owner_id: target.owner.id,
    calendar_id: target.calendar.id,
    agent_id: tx.caller.agentId,
    start_ms: slot.start,
    end_ms: slot.end,
    title: details.title,
    description: details.description || null,
    attendees_json: JSON.stringify(details.attendees),
    meeting_class: meetingClass,
    status: "confirmed",
    hold_id: hold?.id ?? null,
    created_at: tx.now,
    updated_at: tx.now,
  };
  await insertBooking(tx.trx, row);
  await writeThrough(tx, target.calendar, row.id, "upsert");
  return row;
}
