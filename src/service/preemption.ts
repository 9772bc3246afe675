// preempt: take the slot of one named booking (or start..end overlapping it), displacing it; it never
// books anywhere else. What happens to the displaced is in displacement.ts.
import type { PreemptInput } from "../../schemas/tools.js";
import { findCalendarById } from "../ledger/owners.repository.js";
import { arbitrationRequest, decide } from "./arbitration.js";
import type { Scheduling, Tx, VerdictBody } from "./decisions.js";
import { visibleBooking } from "./lookups.js";
import { resolveMeetingClass } from "./policy.js";
import { addBooking } from "./schedule-writes.js";
import { requestedSpan, targetOf } from "./targets.js";

/** Arbitrates a booking that must displace `input.booking_id` (Reject TARGET_NOT_IN_SLOT if it would not). */
export async function preempt(s: Scheduling, tx: Tx, input: PreemptInput): Promise<VerdictBody> {
  const { booking: victim, owner } = await visibleBooking(tx.trx, tx.caller, input.booking_id);
  const calendar = (await findCalendarById(tx.trx, victim.calendar_id))!;
  const target = targetOf(s, tx, owner, calendar);
  // No start: the victim's slot; a start alone keeps the victim's length.
  const slot =
    input.start !== undefined
      ? requestedSpan({ ...input, start: input.start }, victim.end_ms - victim.start_ms)
      : { start: victim.start_ms, end: victim.end_ms };
  const meetingClass = resolveMeetingClass(s.deps.policy, tx.caller, input.meeting_class);
  return decide(s, tx, target, input, {
    request: { ...arbitrationRequest(tx, slot, meetingClass, undefined), displaceOnly: victim.id },
    exclude: null,
    commit: async () => ({
      booking: await addBooking(tx, target, slot, meetingClass, input, null),
    }),
  });
}
