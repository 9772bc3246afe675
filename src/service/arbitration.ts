// The arbitrated decision: sweep expired holds, read the owner's snapshot, ask the pure arbiter,
// apply displacements and commit on Accept or Preempt, and append the decision row.
import { type ArbitrationInput, type ArbitrationRequest, arbitrate, type BusyItem } from "../core/arbiter.js";
import type { Interval } from "../core/interval.js";
import type { CompiledRules } from "../core/rules.js";
import { localDaysBetween } from "../core/zoned-time.js";
import { ownerSnapshot } from "../ledger/busy-time.repository.js";
import { lockOwner } from "../ledger/dialect.js";
import { newId } from "../ledger/ids.js";
import type { BookingRow, HoldRow } from "../ledger/tables.js";
import { hasScope } from "./caller.js";
import { recordDecision, type Scheduling, type Tx, type VerdictBody } from "./decisions.js";
import { displace } from "./displacement.js";
import { explanationOf, wouldDisplace } from "./dry-run.js";
import { presentBooking, presentHold, presentSlot, standingOf } from "./present.js";
import { sweepExpiredHolds } from "./schedule-writes.js";
import { MINUTE, spanOf, type Target } from "./targets.js";

const DEFAULT_GRANULARITY_MS = 15 * MINUTE;

/**
 * Decides `plan.request` for the target: `exclude` is an item the request replaces (the hold it
 * confirms, the booking it moves), and `commit` writes what an Accept or a Preempt makes.
 */
export async function decide(
  s: Scheduling,
  tx: Tx,
  target: Target,
  input: object,
  plan: {
    request: ArbitrationRequest;
    exclude: string | null;
    commit: () => Promise<{ booking?: BookingRow; hold?: HoldRow }>;
    /** The requester's reason, if it gave one: told to the agents it displaces. */
    reason?: string | undefined;
  },
): Promise<VerdictBody> {
  const { request } = plan;
  await lockOwner(tx.trx, target.owner.id);
  await sweepExpiredHolds(s, tx);
  const question = (all: readonly BusyItem[]): ArbitrationInput => ({
    request,
    items: plan.exclude ? all.filter((it) => it.id !== plan.exclude) : all,
    rules: target.rules,
    policy: s.deps.policy.arbiter,
    now: tx.now,
  });
  // Most requests are accepted, and an Accept depends only on the items that could conflict and,
  // under a daily cap, on the slot's local day: read those first. Any other verdict needs whole
  // days (alternatives, landings), so it is decided again over them. The arbiter is pure and the
  // near items are all the wider snapshot holds in their range, so both agree on Accept.
  let items = await ownerSnapshot(tx.trx, target.owner.id, nearSpan(request.slot, target.rules), tx.now);
  let outcome = arbitrate(question(items));
  if (outcome.verdict !== "Accept") {
    items = await ownerSnapshot(tx.trx, target.owner.id, decisionSpan(request, target.rules, items), tx.now);
    outcome = arbitrate(question(items));
  }
  const tz = target.rules.timeZone;
  const body: VerdictBody = {
    ...emptyVerdict(target),
    verdict: outcome.verdict,
    reason_code: outcome.reasonCode,
    alternatives: outcome.alternatives.map((a) => ({
      ...presentSlot(a, tz),
      reason_code: outcome.reasonCode ?? "",
    })),
  };
  if ((input as { dry_run?: unknown }).dry_run === true) {
    body.dry_run = true;
    body.displaced = wouldDisplace(outcome);
    body.explanation = explanationOf(question(items));
  } else if (outcome.verdict === "Accept" || outcome.verdict === "Preempt") {
    body.displaced = await displace(tx, target, outcome, request.meetingClass, plan.reason);
    const made = await plan.commit();
    // The booking made or moved is the caller's own.
    if (made.booking) {
      const standing = standingOf(s.deps.policy, made.booking.meeting_class, tx.caller.priority);
      body.booking = presentBooking(made.booking, target.owner, target.calendar, tz, standing);
    }
    if (made.hold) body.hold = presentHold(made.hold, target.owner, target.calendar, tz);
  }
  return recordDecision(s, tx, target.owner.id, input, body);
}

/** A verdict that so far says nothing, for the target: a new decision id, its calendar type and warnings. */
export function emptyVerdict(target: Target): VerdictBody {
  return {
    decision_id: newId("dec"),
    verdict: "Reject",
    reason_code: null,
    booking: null,
    hold: null,
    alternatives: [],
    displaced: [],
    resolved_calendar_type: target.calendar.calendar_type,
    warnings: [...target.warnings],
  };
}

/** The arbiter's question for a slot asked by the caller, alternatives searched in `window` if given. */
export function arbitrationRequest(
  tx: Tx,
  slot: Interval,
  meetingClass: string,
  window: { start: string; end: string } | undefined,
): ArbitrationRequest {
  return {
    slot,
    ...(window ? { window: spanOf(window.start, window.end) } : {}),
    meetingClass,
    agentId: tx.caller.agentId,
    agentPriority: tx.caller.priority,
    canPreempt: hasScope(tx.caller, "preempt"),
    granularityMs: DEFAULT_GRANULARITY_MS,
  };
}

/**
 * The instants whose items can decide an Accept of `slot`: those a conflict may come from (the slot
 * widened by the buffers) and, when a daily cap applies, the local day the slot starts in.
 */
function nearSpan(slot: Interval, rules: CompiledRules): Interval {
  let start = slot.start - rules.bufferAfterMs;
  let end = slot.end + rules.bufferBeforeMs;
  if (rules.maxBookingsPerDay !== null) {
    const [day] = localDaysBetween(rules.timeZone, slot.start, slot.start + 1);
    if (day) {
      start = Math.min(start, day.start);
      end = Math.max(end, day.end);
    }
  }
  return { start, end };
}

/**
 * Everything a verdict other than Accept reads: the whole local days (caps count per day) of the
 * slot, of the window alternatives are searched in (the slot's day when none is given), and of the
 * bookings that could be displaced (`near` holds every item that can conflict; a landing is searched
 * on the displaced booking's own day), widened by the buffers so items just outside still block.
 */
function decisionSpan(
  request: ArbitrationRequest,
  rules: CompiledRules,
  near: readonly BusyItem[],
): Interval {
  let lo = Math.min(request.slot.start, request.window?.start ?? request.slot.start);
  let hi = Math.max(request.slot.end, request.window?.end ?? request.slot.end);
  for (const it of near) {
    if (it.kind !== "booking") continue;
    lo = Math.min(lo, it.start);
    hi = Math.max(hi, it.end);
  }
  const days = localDaysBetween(rules.timeZone, lo, hi);
  const pad = Math.max(rules.bufferBeforeMs, rules.bufferAfterMs);
  return { start: days[0]!.start - pad, end: days[days.length - 1]!.end + pad };
}
