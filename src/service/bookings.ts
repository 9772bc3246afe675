// create_booking, reschedule_booking and cancel_booking: the bookings an agent makes, moves and
// cancels. Making and moving one is arbitrated (arbitration.ts); cancelling is not.
import { toEpochMs } from "../../schemas/time.js";
import type { CancelBookingInput, CreateBookingInput, RescheduleBookingInput } from "../../schemas/tools.js";
import type { Booking } from "../../schemas/wire.js";
import type { Interval } from "../core/interval.js";
import { findCalendarById, findOwnerById } from "../ledger/owners.repository.js";
import { findBooking, updateBooking, updateHold } from "../ledger/schedule.repository.js";
import type { HoldRow } from "../ledger/tables.js";
import { arbitrationRequest, decide } from "./arbitration.js";
import { requireOwner } from "./caller.js";
import { recordChange, type Scheduling, type Tx, type VerdictBody } from "./decisions.js";
import { tellSlotFreed } from "./displacement.js";
import { OpenavailError } from "./errors.js";
import { ownBooking, ownHold, requireConfirmable } from "./lookups.js";
import { resolveMeetingClass } from "./policy.js";
import { presentBooking, standingOf } from "./present.js";
import { addBooking, writeThrough } from "./schedule-writes.js";
import { findTarget, requestedSpan, type Target, targetOf } from "./targets.js";

/** Arbitrates a booking of the requested slot, or of the slot of a hold of the caller's it confirms. */
export async function createBooking(s: Scheduling, tx: Tx, input: CreateBookingInput): Promise<VerdictBody> {
  let target: Target;
  let slot: Interval;
  let hold: HoldRow | null = null;
  if (input.hold_id !== undefined) {
    hold = await ownHold(tx.trx, tx.caller, input.hold_id);
    const owner = (await findOwnerById(tx.trx, hold.owner_id))!;
    requireOwner(tx.caller, owner.email);
    requireConfirmable(hold, tx.now);
    const calendar = (await findCalendarById(tx.trx, hold.calendar_id))!;
    target = targetOf(s, tx, owner, calendar);
    slot = { start: hold.start_ms, end: hold.end_ms };
    requireSameAsHold(input, hold, owner.email, calendar.calendar_type);
  } else {
    target = await findTarget(s, tx, input.owner_email!, input.calendar_type);
    slot = requestedSpan({ start: input.start!, end: input.end, duration_minutes: input.duration_minutes });
  }
  const meetingClass = resolveMeetingClass(
    s.deps.policy,
    tx.caller,
    input.meeting_class ?? hold?.meeting_class,
  );
  const fromHold = hold;
  return decide(s, tx, target, input, {
    request: arbitrationRequest(tx, slot, meetingClass, input.alternatives_window),
    exclude: fromHold?.id ?? null,
    commit: async () => {
      const booking = await addBooking(tx, target, slot, meetingClass, input, fromHold);
      if (fromHold) await updateHold(tx.trx, fromHold.id, { status: "confirmed", updated_at: tx.now });
      return { booking };
    },
  });
}

/**
 * Fields of a booking request that repeat what its hold says are accepted when they agree with the
 * hold, and refused by name when they do not, rather than silently ignored.
 */
function requireSameAsHold(
  input: CreateBookingInput,
  hold: HoldRow,
  ownerEmail: string,
  calendarType: string,
): void {
  const given: [string, unknown, unknown][] = [
    ["owner_email", input.owner_email, ownerEmail],
    ["calendar_type", input.calendar_type, calendarType],
    ["start", input.start === undefined ? undefined : toEpochMs(input.start), hold.start_ms],
    ["end", input.end === undefined ? undefined : toEpochMs(input.end), hold.end_ms],
    ["duration_minutes", input.duration_minutes, (hold.end_ms - hold.start_ms) / 60_000],
  ];
  const wrong = given.filter(([, value, held]) => value !== undefined && value !== held);
  if (wrong.length === 0) return;
  throw new OpenavailError(
    "bad_request",
    `${wrong.map(([f]) => f).join(", ")} ${wrong.length > 1 ? "differ" : "differs"} from hold ${hold.id}; omit ${wrong.length > 1 ? "them" : "it"} or book without hold_id.`,
    { details: wrong.map(([field]) => ({ field, message: `does not match hold ${hold.id}` })) },
  );
}

/** Arbitrates moving a live booking of the caller's to the requested slot; the booking keeps its id. */
export async function rescheduleBooking(
  s: Scheduling,
  tx: Tx,
  input: RescheduleBookingInput,
): Promise<VerdictBody> {
  const booking = await ownBooking(tx.trx, tx.caller, input.booking_id);
  if (booking.status === "cancelled") {
    throw new OpenavailError(
      "bad_request",
      `Booking ${booking.id} is cancelled; create a new booking instead.`,
      {
        details: [{ field: "booking_id", message: "booking is cancelled" }],
      },
    );
  }
  const owner = (await findOwnerById(tx.trx, booking.owner_id))!;
  requireOwner(tx.caller, owner.email);
  const calendar = (await findCalendarById(tx.trx, booking.calendar_id))!;
  const target = targetOf(s, tx, owner, calendar);
  // Only a new start: the meeting keeps its length.
  const slot = requestedSpan(input, booking.end_ms - booking.start_ms);
  return decide(s, tx, target, input, {
    request: arbitrationRequest(tx, slot, booking.meeting_class, input.alternatives_window),
    exclude: booking.id,
    reason: input.reason,
    commit: async () => {
      await updateBooking(tx.trx, booking.id, {
        start_ms: slot.start,
        end_ms: slot.end,
        status: "confirmed",
        updated_at: tx.now,
      });
      await writeThrough(tx, calendar, booking.id, "upsert");
      const moved = slot.start !== booking.start_ms || slot.end !== booking.end_ms;
      if (booking.status === "confirmed" && moved) await tellSlotFreed(tx, booking, "moved", input.reason);
      return { booking: (await findBooking(tx.trx, booking.id))! };
    },
  });
}

/**
 * Cancels a booking of the caller's agent (and its provider event); cancelling twice changes nothing.
 * Either way the request is an audit row of its own, reason included.
 */
export async function cancelBooking(
  s: Scheduling,
  tx: Tx,
  input: CancelBookingInput,
): Promise<{ decision_id: string; booking: Booking }> {
  const booking = await ownBooking(tx.trx, tx.caller, input.booking_id);
  const owner = (await findOwnerById(tx.trx, booking.owner_id))!;
  requireOwner(tx.caller, owner.email);
  const calendar = (await findCalendarById(tx.trx, booking.calendar_id))!;
  if (booking.status !== "cancelled") {
    await updateBooking(tx.trx, booking.id, { status: "cancelled", updated_at: tx.now });
    await writeThrough(tx, calendar, booking.id, "cancel");
    // Only a confirmed booking held a slot; one that needed rescheduling had lost it already.
    if (booking.status === "confirmed") await tellSlotFreed(tx, booking, "cancelled", input.reason);
  }
  const current = (await findBooking(tx.trx, booking.id))!;
  const tz = targetOf(s, tx, owner, calendar).rules.timeZone;
  const standing = standingOf(s.deps.policy, current.meeting_class, tx.caller.priority);
  return {
    decision_id: await recordChange(s, tx, owner.id, input, { booking_id: booking.id }),
    booking: presentBooking(current, owner, calendar, tz, standing),
  };
}
