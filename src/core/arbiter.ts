// The arbiter (DESIGN.md section 5): one requested slot against the owner's snapshot -> one verdict.
// Pure and deterministic: the same input always gives the same output; `now` is a parameter.

import { nearestSlots, type SlotQuery } from "./free-slots.js";
import { contains, type Interval, overlaps } from "./interval.js";
import { type CompiledRules, workingTime } from "./rules.js";
import { localDaysBetween } from "./zoned-time.js";

const HOUR = 3_600_000;

/** Something that occupies the owner's time. Openavail items carry a class and an agent. */
export interface BusyItem extends Interval {
  readonly id: string;
  readonly kind: "booking" | "hold" | "external";
  readonly agentId: string | null;
  readonly meetingClass: string | null;
  /** Tie-break between agents of one class; 0 where unknown. */
  readonly agentPriority: number;
  /** Epoch ms the item was created; used for `protect_after_hours`. */
  readonly createdAt: number;
}

/** The parts of the meeting-class policy the arbiter reads. */
export interface ArbiterPolicy {
  /**
   * A Map, not an object: class names come from requests and stored rows, and a plain object would
   * answer "constructor" or "toString" from Object.prototype (an undisplaceable phantom class).
   */
  readonly classes: ReadonlyMap<string, { readonly rank: number; readonly preemptible: boolean }>;
  readonly protectAfterHours: number;
}

export type HardRuleCode = "WORKING_HOURS" | "HARD_BLOCK" | "DAILY_LIMIT" | "MIN_NOTICE" | "OUTSIDE_HORIZON";
export type ReasonCode =
  | HardRuleCode
  | "CONFLICT"
  | "NO_CAPACITY"
  | "PREEMPT_NOT_PERMITTED"
  | "TARGET_NOT_IN_SLOT";
export type VerdictKind = "Accept" | "Reject" | "CounterPropose" | "Preempt";

export interface ArbitrationRequest {
  readonly slot: Interval;
  /** Where alternatives may be looked for; defaults to the slot's local day. */
  readonly window?: Interval;
  readonly meetingClass: string;
  readonly agentId: string;
  readonly agentPriority: number;
  /** The caller holds the `preempt` scope. */
  readonly canPreempt: boolean;
  readonly granularityMs: number;
  /** Explicit preemption: the slot may be taken only by displacing this item; no alternatives. */
  readonly displaceOnly?: string;
}

export interface ArbitrationInput {
  readonly request: ArbitrationRequest;
  /** Every live item of the owner on all calendars, minus the one being confirmed or moved. */
  readonly items: readonly BusyItem[];
  readonly rules: CompiledRules;
  readonly policy: ArbiterPolicy;
  readonly now: number;
}

/** Where a displaced booking can go instead: a slot on its own local day, or null when none is free. */
export interface Landing {
  readonly itemId: string;
  readonly slot: Interval | null;
}

export interface Verdict {
  readonly verdict: VerdictKind;
  readonly reasonCode: ReasonCode | null;
  readonly displaced: readonly BusyItem[];
  readonly landings: readonly Landing[];
  readonly alternatives: readonly Interval[];
}

const MAX_ALTERNATIVES = 5;

/** Arbitrates one request. */
export function arbitrate(input: ArbitrationInput): Verdict {
  const { request, items, rules, policy, now } = input;
  const { slot } = request;
  const explicit = request.displaceOnly !== undefined;

  const hard = hardRuleViolation(slot, items, rules, now);
  const conflicts = hard ? [] : conflictsOf(slot, items, rules);

  if (!hard && conflicts.length === 0) {
    if (explicit) return reject("TARGET_NOT_IN_SLOT");
    return { verdict: "Accept", reasonCode: null, displaced: [], landings: [], alternatives: [] };
  }

  let reason: ReasonCode = hard ?? "CONFLICT";
  if (!hard) {
    const targetOk = !explicit || conflicts.some((c) => c.id === request.displaceOnly);
    const allDisplaceable = conflicts.every((c) => displaceable(c, request, policy, now));
    if (targetOk && allDisplaceable && request.canPreempt) {
      const landings = landingsFor(conflicts, input);
      return { verdict: "Preempt", reasonCode: null, displaced: conflicts, landings, alternatives: [] };
    }
    if (!targetOk) return reject("TARGET_NOT_IN_SLOT");
    if (allDisplaceable) reason = "PREEMPT_NOT_PERMITTED";
  }
  if (explicit) return reject(reason === "CONFLICT" ? "NO_CAPACITY" : reason);

  // The seed's verdict table: a hard rule or a missing preempt scope is a Reject, which may still
  // suggest free slots nearby; CounterPropose is only for a slot taken while the window has room.
  const window = request.window ?? dayAround(slot, rules);
  const alternatives = nearestSlots(
    slotQuery(items, rules, window, slot.end - slot.start, request.granularityMs, now),
    slot.start,
    MAX_ALTERNATIVES,
  );
  if (reason !== "CONFLICT") return { ...reject(reason), alternatives };
  if (alternatives.length > 0) {
    return { verdict: "CounterPropose", reasonCode: "CONFLICT", displaced: [], landings: [], alternatives };
  }
  return reject("NO_CAPACITY");
}

function reject(reasonCode: ReasonCode): Verdict {
  return { verdict: "Reject", reasonCode, displaced: [], landings: [], alternatives: [] };
}

/** The first hard rule the slot breaks, in DESIGN.md order, or null. */
export function hardRuleViolation(
  slot: Interval,
  items: readonly BusyItem[],
  rules: CompiledRules,
  now: number,
): HardRuleCode | null {
  for (const code of HARD_RULES) if (breaksRule(code, slot, items, rules, now)) return code;
  return null;
}

/** The hard rules in the order they are checked (DESIGN.md section 5, step 1). */
export const HARD_RULES: readonly HardRuleCode[] = [
  "WORKING_HOURS",
  "HARD_BLOCK",
  "DAILY_LIMIT",
  "MIN_NOTICE",
  "OUTSIDE_HORIZON",
];

/** Whether the slot breaks one hard rule; a rule the owner has not set is never broken. */
export function breaksRule(
  code: HardRuleCode,
  slot: Interval,
  items: readonly BusyItem[],
  rules: CompiledRules,
  now: number,
): boolean {
  switch (code) {
    case "WORKING_HOURS": {
      if (!rules.workingHours) return false;
      const working = workingTime(rules, localDaysBetween(rules.timeZone, slot.start, slot.end));
      return !working.some((w) => contains(w, slot));
    }
    case "HARD_BLOCK":
      return rules.hardBlocks.some((b) => overlaps(b, slot));
    case "DAILY_LIMIT": {
      if (rules.maxBookingsPerDay === null) return false;
      const [day] = localDaysBetween(rules.timeZone, slot.start, slot.start + 1);
      if (!day) return false;
      let count = 0;
      for (const it of items)
        if (it.kind !== "external" && it.start >= day.start && it.start < day.end) count++;
      return count >= rules.maxBookingsPerDay;
    }
    case "MIN_NOTICE":
      return slot.start < now + rules.minNoticeMs;
    case "OUTSIDE_HORIZON":
      return slot.end > now + rules.maxHorizonMs;
  }
}

/** Items whose buffered span overlaps the slot, in start order. */
export function conflictsOf(slot: Interval, items: readonly BusyItem[], rules: CompiledRules): BusyItem[] {
  const out: BusyItem[] = [];
  for (const it of items) {
    if (it.start - rules.bufferBeforeMs < slot.end && slot.start < it.end + rules.bufferAfterMs) out.push(it);
  }
  return out.sort((a, b) => a.start - b.start || (a.id < b.id ? -1 : 1));
}

/**
 * An item may be displaced when it is an Openavail booking or hold of a preemptible class, younger
 * than `protect_after_hours`, and the requester's (rank, priority) is strictly greater.
 */
export function displaceable(
  item: BusyItem,
  request: ArbitrationRequest,
  policy: ArbiterPolicy,
  now: number,
): boolean {
  if (item.kind === "external" || item.meetingClass === null) return false;
  const incumbent = policy.classes.get(item.meetingClass);
  const challenger = policy.classes.get(request.meetingClass);
  if (!incumbent || !challenger || !incumbent.preemptible) return false;
  if (now - item.createdAt >= policy.protectAfterHours * HOUR) return false;
  if (challenger.rank !== incumbent.rank) return challenger.rank > incumbent.rank;
  return request.agentPriority > item.agentPriority;
}

function slotQuery(
  items: readonly BusyItem[],
  rules: CompiledRules,
  window: Interval,
  durationMs: number,
  granularityMs: number,
  now: number,
): SlotQuery {
  const countedStarts: number[] = [];
  for (const it of items) if (it.kind !== "external") countedStarts.push(it.start);
  return { busy: items, rules, window, durationMs, granularityMs, now, countedStarts };
}

function dayAround(slot: Interval, rules: CompiledRules): Interval {
  const days = localDaysBetween(rules.timeZone, slot.start, slot.end);
  return { start: days[0]!.start, end: days[days.length - 1]!.end };
}

/**
 * A landing slot for each displaced booking on its own local day, nearest its old start, placed in
 * order so that landings never collide with the winner, the remaining items or each other.
 */
function landingsFor(displaced: readonly BusyItem[], input: ArbitrationInput): Landing[] {
  const { request, items, rules, now } = input;
  const gone = new Set(displaced.map((d) => d.id));
  const occupied: BusyItem[] = items.filter((it) => !gone.has(it.id));
  occupied.push(...claim("winner", request.slot, rules));
  const out: Landing[] = [];
  for (const d of displaced) {
    if (d.kind !== "booking") continue;
    const window = dayAround(d, rules);
    const query = slotQuery(occupied, rules, window, d.end - d.start, request.granularityMs, now);
    const [slot] = nearestSlots(query, d.start, 1);
    out.push({ itemId: d.id, slot: slot ?? null });
    if (slot) occupied.push(...claim(d.id, slot, rules));
  }
  return out;
}

/**
 * What a newly placed span (the winner, an earlier landing) occupies for the landings after it: itself,
 * counted toward the day's cap, and, when the buffers differ, the span widened so that a landing also
 * keeps its own buffers clear of it. Otherwise, with 30 minutes before and none after, a booking
 * displaced for starting right after the winner would land right back on its old slot.
 */
function claim(id: string, span: Interval, rules: CompiledRules): BusyItem[] {
  const out = [occupant(id, "hold", span)];
  const before = Math.max(0, rules.bufferAfterMs - rules.bufferBeforeMs);
  const after = Math.max(0, rules.bufferBeforeMs - rules.bufferAfterMs);
  if (before > 0 || after > 0) {
    out.push(occupant(id, "external", { start: span.start - before, end: span.end + after }));
  }
  return out;
}

function occupant(id: string, kind: BusyItem["kind"], span: Interval): BusyItem {
  return {
    id,
    kind,
    start: span.start,
    end: span.end,
    agentId: null,
    meetingClass: null,
    agentPriority: 0,
    createdAt: 0,
  };
}
