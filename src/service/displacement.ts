// Displacement, the part of a Preempt verdict that touches others: each displaced booking is marked
// needs_reschedule (its provider event cancelled) and its agent gets a landing hold where the arbiter
// found one; each displaced hold is released; every displaced agent is notified.
import { toInstant } from "../../schemas/time.js";
import type { Displaced } from "../../schemas/wire.js";
import type { Verdict as CoreVerdict } from "../core/arbiter.js";
import { preemptionsBy } from "../ledger/audit.repository.js";
import { findCalendarById } from "../ledger/owners.repository.js";
import { findBooking, updateBooking, updateHold } from "../ledger/schedule.repository.js";
import type { BookingRow, HoldRow } from "../ledger/tables.js";
import type { Tx } from "./decisions.js";
import { type NotificationPayload, presentHold } from "./present.js";
import { addHoldFor, notify, writeThrough } from "./schedule-writes.js";
import type { Target } from "./targets.js";

/** Landing holds wait for a displaced agent that may not poll soon, so they get the longest TTL. */
const LANDING_HOLD_TTL_S = 3600;

/**
 * Applies a Preempt: displaced bookings need rescheduling, holds are released, agents are told (with
 * the winner's `reason`, when it gave one).
 */
export async function displace(
  tx: Tx,
  target: Target,
  outcome: CoreVerdict,
  winnerClass: string,
  reason?: string,
): Promise<Displaced[]> {
  const why = reasonFields(reason);
  const out: Displaced[] = [];
  const tz = target.rules.timeZone;
  for (const item of outcome.displaced) {
    const landing = outcome.landings.find((l) => l.itemId === item.id)?.slot ?? null;
    const agentId = item.agentId!;
    const meetingClass = item.meetingClass!;
    let landingHold: HoldRow | null = null;
    if (item.kind === "booking") {
      const row = (await findBooking(tx.trx, item.id))!;
      await updateBooking(tx.trx, item.id, { status: "needs_reschedule", updated_at: tx.now });
      const calendar = (await findCalendarById(tx.trx, row.calendar_id))!;
      await writeThrough(tx, calendar, item.id, "cancel");
      if (landing) {
        landingHold = await addHoldFor(
          tx,
          agentId,
          target.owner,
          calendar,
          landing,
          meetingClass,
          LANDING_HOLD_TTL_S,
        );
      }
      const payload: NotificationPayload = {
        message:
          `Your booking ${item.id} (${toInstant(item.start)}) for ${target.owner.email} was displaced by a ` +
          `${winnerClass} meeting and needs rescheduling.${why.sentence}` +
          (landingHold
            ? ` A hold ${landingHold.id} was placed for you at ${toInstant(landingHold.start_ms)}; confirm it with create_booking(hold_id) before ${toInstant(landingHold.expires_at)}.`
            : " No other free slot was found that day; call check_availability to find one."),
        booking_id: item.id,
        hold_id: null,
        winner_class: winnerClass,
        landing_hold: landingHold ? presentHold(landingHold, target.owner, calendar, tz) : null,
        reason: why.reason,
      };
      await notify(tx, agentId, "booking.preempted", payload);
    } else {
      await updateHold(tx.trx, item.id, { status: "released", updated_at: tx.now });
      await notify(tx, agentId, "hold.preempted", {
        message: `Your hold ${item.id} (${toInstant(item.start)}) for ${target.owner.email} was released for a ${winnerClass} meeting.${why.sentence} Call check_availability to find another slot.`,
        booking_id: null,
        hold_id: item.id,
        winner_class: winnerClass,
        landing_hold: null,
        reason: why.reason,
      });
    }
    out.push({
      kind: item.kind === "booking" ? "booking" : "hold",
      id: item.id,
      agent_id: agentId,
      start: toInstant(item.start),
      end: toInstant(item.end),
      meeting_class: meetingClass,
      landing_hold_id: landingHold?.id ?? null,
    });
  }
  return out;
}

/**
 * The way back: once `winner` (as it was before the change) is cancelled or moved, the time it held
 * may be free again. Each agent whose booking it displaced there (found through the Preempt decisions
 * that made or moved it) and that still needs rescheduling is told so, with the reason given. A
 * booking displaced where the winner no longer is was told when it left; the caller's own are left out.
 */
export async function tellSlotFreed(
  tx: Tx,
  winner: BookingRow,
  what: "cancelled" | "moved",
  reason: string | undefined,
): Promise<void> {
  const why = reasonFields(reason);
  const told = new Set<string>();
  for (const json of await preemptionsBy(tx.trx, winner.id)) {
    for (const lost of JSON.parse(json) as Displaced[]) {
      if (lost.kind !== "booking" || lost.agent_id === tx.caller.agentId || told.has(lost.id)) continue;
      if (!(Date.parse(lost.start) < winner.end_ms && Date.parse(lost.end) > winner.start_ms)) continue;
      told.add(lost.id);
      if ((await findBooking(tx.trx, lost.id))?.status !== "needs_reschedule") continue;
      await notify(tx, lost.agent_id, "booking.slot_freed", {
        message:
          `Booking ${winner.id}, which displaced your booking ${lost.id} (${lost.start}), was ${what}, so that ` +
          `time may be free again.${why.sentence} If the meeting is still needed, reschedule_booking it there.`,
        booking_id: lost.id,
        hold_id: null,
        winner_class: winner.meeting_class,
        landing_hold: null,
        reason: why.reason,
      });
    }
  }
}

/**
 * A reason as a notification carries it: the field, and a sentence for the message (empty without
 * one). An empty reason is none.
 */
function reasonFields(reason: string | undefined): { reason: string | null; sentence: string } {
  return reason ? { reason, sentence: ` Their reason: "${reason}".` } : { reason: null, sentence: "" };
}
