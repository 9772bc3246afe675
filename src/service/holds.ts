// create_hold, release_hold and list_holds: a hold keeps a slot for the caller's agent until it is
// confirmed by create_booking, released, or expires (schedule-writes.ts sweeps expired ones).
import type { CreateHoldInput, ListHoldsInput, ReleaseHoldInput } from "../../schemas/tools.js";
import type { Hold } from "../../schemas/wire.js";
import { findCalendarById, findOwnerByEmail, findOwnerById } from "../ledger/owners.repository.js";
import { findHold, listActiveHolds, updateHold } from "../ledger/schedule.repository.js";
import { arbitrationRequest, decide } from "./arbitration.js";
import { mayActOn, requireOwner } from "./caller.js";
import { recordChange, type Scheduling, type Tx, type VerdictBody } from "./decisions.js";
import { ownHold } from "./lookups.js";
import { resolveMeetingClass } from "./policy.js";
import { presentHold } from "./present.js";
import { RowPresenter } from "./presenter.js";
import { addHold, sweepExpiredHolds } from "./schedule-writes.js";
import { findTarget, requestedSpan, targetOf } from "./targets.js";

/** Arbitrates a hold on the requested slot; on Accept or Preempt the hold is placed. */
export async function createHold(s: Scheduling, tx: Tx, input: CreateHoldInput): Promise<VerdictBody> {
  const target = await findTarget(s, tx, input.owner_email, input.calendar_type);
  const slot = requestedSpan(input);
  const meetingClass = resolveMeetingClass(s.deps.policy, tx.caller, input.meeting_class);
  return decide(s, tx, target, input, {
    request: arbitrationRequest(tx, slot, meetingClass, input.alternatives_window),
    exclude: null,
    commit: async () => ({
      hold: await addHold(tx, target, slot, meetingClass, input.ttl_seconds),
    }),
  });
}

/**
 * Releases an active hold of the caller's agent; a hold in any other state is answered as it is.
 * Either way the request is an audit row of its own.
 */
export async function releaseHold(
  s: Scheduling,
  tx: Tx,
  input: ReleaseHoldInput,
): Promise<{ decision_id: string; hold: Hold }> {
  // A hold past expires_at is expired, swept or not: releasing it must not relabel it "released".
  await sweepExpiredHolds(s, tx);
  const hold = await ownHold(tx.trx, tx.caller, input.hold_id);
  const owner = (await findOwnerById(tx.trx, hold.owner_id))!;
  requireOwner(tx.caller, owner.email);
  if (hold.status === "active") {
    await updateHold(tx.trx, hold.id, { status: "released", updated_at: tx.now });
  }
  const calendar = (await findCalendarById(tx.trx, hold.calendar_id))!;
  const current = (await findHold(tx.trx, hold.id))!;
  return {
    decision_id: await recordChange(s, tx, owner.id, input, { hold_id: hold.id }),
    hold: presentHold(current, owner, calendar, targetOf(s, tx, owner, calendar).rules.timeZone),
  };
}

/**
 * The caller's holds still active now (of one owner, when named), in start order: those on owners it
 * may no longer act on are left out, as it could not release or confirm them.
 */
export async function listHolds(s: Scheduling, tx: Tx, input: ListHoldsInput): Promise<{ holds: Hold[] }> {
  let ownerId: string | undefined;
  if (input.owner_email !== undefined) {
    requireOwner(tx.caller, input.owner_email);
    const owner = await findOwnerByEmail(tx.trx, input.owner_email);
    if (!owner) return { holds: [] };
    ownerId = owner.id;
  }
  const rows = await listActiveHolds(tx.trx, {
    agentId: tx.caller.agentId,
    ...(ownerId !== undefined ? { ownerId } : {}),
    now: tx.now,
  });
  const presenter = new RowPresenter(s, tx);
  const holds: Hold[] = [];
  for (const row of rows) {
    const hold = await presenter.hold(row);
    if (mayActOn(tx.caller, hold.owner_email)) holds.push(hold);
  }
  return { holds };
}
