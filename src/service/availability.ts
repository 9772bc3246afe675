// check_availability: the free slots of an owner in a window, each a verdict of its own, and a hold on
// the first one for callers that may hold.
import type { CheckAvailabilityInput } from "../../schemas/tools.js";
import { emptyWindowCause } from "../core/empty-window.js";
import { findFreeSlots } from "../core/free-slots.js";
import { lockOwner } from "../ledger/dialect.js";
import { releaseCheckHolds } from "../ledger/schedule.repository.js";
import type { HoldRow } from "../ledger/tables.js";
import { emptyVerdict } from "./arbitration.js";
import { hasScope } from "./caller.js";
import { recordDecision, type Scheduling, type Tx, type VerdictBody } from "./decisions.js";
import { OpenavailError } from "./errors.js";
import { resolveMeetingClass } from "./policy.js";
import { presentHold, presentSlot } from "./present.js";
import { addHold, sweepExpiredHolds } from "./schedule-writes.js";
import { findTarget, MINUTE, slotQuery, snapshot, spanOf } from "./targets.js";

const DEFAULT_HOLD_TTL_S = 300;

/**
 * Accept with the free slots found (and the hold on the first), or a Reject naming why the window
 * holds none (emptyWindowCause). The agent's previous unconfirmed check-hold on this owner is
 * released first: looking again never piles up holds, and never blocks itself.
 */
export async function checkAvailability(
  s: Scheduling,
  tx: Tx,
  input: CheckAvailabilityInput,
): Promise<VerdictBody> {
  const target = await findTarget(s, tx, input.owner_email, input.calendar_type);
  const meetingClass = resolveMeetingClass(s.deps.policy, tx.caller, input.meeting_class);
  const window = spanOf(input.window.start, input.window.end);
  // It may hold the first free slot: no other decision for the owner may slip in between.
  await lockOwner(tx.trx, target.owner.id);
  await sweepExpiredHolds(s, tx);
  const wantHold = input.hold ?? hasScope(tx.caller, "create_holds");
  if (wantHold && !hasScope(tx.caller, "create_holds")) {
    throw new OpenavailError(
      "forbidden",
      "hold: true needs the create_holds scope; omit hold or ask for the scope.",
    );
  }
  if (hasScope(tx.caller, "create_holds"))
    await releaseCheckHolds(tx.trx, tx.caller.agentId, target.owner.id, tx.now);
  const items = await snapshot(tx, target.owner.id, window);
  const slotsFound = findFreeSlots(slotQuery(tx, target, items, window, input), input.max_slots);
  let hold: HoldRow | null = null;
  const first = slotsFound[0];
  if (wantHold && first) hold = await addHold(tx, target, first, meetingClass, DEFAULT_HOLD_TTL_S, true);
  const tz = target.rules.timeZone;
  const presented = hold ? presentHold(hold, target.owner, target.calendar, tz) : null;
  const body: VerdictBody = {
    ...emptyVerdict(target),
    verdict: first ? "Accept" : "Reject",
    reason_code: first
      ? null
      : emptyWindowCause(window, target.rules, tx.now, input.duration_minutes * MINUTE),
    hold: presented,
    // The seed's sample answers with these at the top level too.
    hold_id: presented?.hold_id ?? null,
    expires_at: presented?.expires_at ?? null,
    slots: slotsFound.map((slot) => presentSlot(slot, tz)),
  };
  return recordDecision(s, tx, target.owner.id, input, body);
}
