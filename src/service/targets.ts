// What a request acts on and reads: the owner and calendar it names (with their compiled rules and
// warnings), the owner's snapshot of busy items, and the spans a request names.
import { AvailabilityRules } from "../../schemas/rules.js";
import { toEpochMs } from "../../schemas/time.js";
import type { BusyItem } from "../core/arbiter.js";
import type { SlotQuery } from "../core/free-slots.js";
import type { Interval } from "../core/interval.js";
import { type CompiledRules, compileRules, openRules } from "../core/rules.js";
import { ownerSnapshot } from "../ledger/busy-time.repository.js";
import type { CalendarRow, OwnerRow } from "../ledger/tables.js";
import { requireOwner } from "./caller.js";
import type { Scheduling, Tx } from "./decisions.js";
import { OpenavailError } from "./errors.js";
import { notFound, requireCalendarTypeName } from "./lookups.js";

export const MINUTE = 60_000;
export const DAY = 86_400_000;
/** Snapshots reach this far around a request so daily caps and buffers see whole local days. */
const SNAPSHOT_MARGIN_MS = 2 * DAY;
const DEFAULT_STALE_AFTER_MS = 5 * MINUTE;

export interface Target {
  owner: OwnerRow;
  calendar: CalendarRow;
  rules: CompiledRules;
  warnings: string[];
}

/** The owner and calendar a request acts on, after the owner check. */
export async function findTarget(
  s: Scheduling,
  tx: Tx,
  ownerEmail: string,
  calendarType: string | undefined,
): Promise<Target> {
  requireOwner(tx.caller, ownerEmail);
  if (calendarType !== undefined) requireCalendarTypeName(calendarType, "calendar_type");
  const { owner, calendar } = await s.owners.find(tx.trx, ownerEmail, calendarType);
  if (!owner) throw notFound("owner", ownerEmail, "owner_email");
  if (!calendar && calendarType !== undefined) {
    throw new OpenavailError("not_found", `${owner.email} has no ${calendarType} calendar.`, {
      details: [{ field: "calendar_type", message: `no calendar of type ${calendarType}` }],
    });
  }
  if (!calendar)
    throw new OpenavailError("not_found", `${owner.email} has no calendar yet; an admin must add one.`);
  return targetOf(s, tx, owner, calendar);
}

/** The target of an owner and calendar already found (and checked), with its rules and warnings. */
export function targetOf(s: Scheduling, tx: Tx, owner: OwnerRow, calendar: CalendarRow): Target {
  const rules = calendar.rules_json
    ? compiledRules(calendar.rules_json, owner.timezone)
    : openRules(owner.timezone);
  const warnings: string[] = [];
  if (calendar.status === "needs_reconnect") warnings.push("PROVIDER_NEEDS_RECONNECT");
  const staleAfter = s.deps.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
  if (
    calendar.provider !== "local" &&
    (calendar.synced_at === null || tx.now - calendar.synced_at > staleAfter)
  ) {
    warnings.push("PROVIDER_STALE");
  }
  return { owner, calendar, rules, warnings };
}

/** The owner's busy items over `span` widened by SNAPSHOT_MARGIN_MS on each side. */
export async function snapshot(tx: Tx, ownerId: string, span: Interval): Promise<BusyItem[]> {
  return ownerSnapshot(
    tx.trx,
    ownerId,
    { start: span.start - SNAPSHOT_MARGIN_MS, end: span.end + SNAPSHOT_MARGIN_MS },
    tx.now,
  );
}

/** Compiled rules by their stored JSON: validating and compiling them costs ~0.1 ms a decision. */
const RULES_CACHE_SIZE = 1024;
const rulesCache = new Map<string, CompiledRules>();

/**
 * The stored rules of a calendar, validated and compiled once per distinct JSON and owner zone (rules
 * that name no zone are read in the owner's, which may change).
 */
function compiledRules(rulesJson: string, ownerZone: string): CompiledRules {
  const key = `${ownerZone}\n${rulesJson}`;
  let rules = rulesCache.get(key);
  if (!rules) {
    rules = compileRules(AvailabilityRules.parse(JSON.parse(rulesJson)), ownerZone);
    if (rulesCache.size >= RULES_CACHE_SIZE) rulesCache.delete(rulesCache.keys().next().value!);
    rulesCache.set(key, rules);
  }
  return rules;
}

/** The free-slot engine's question for one owner: their items and rules over a window. */
export function slotQuery(
  tx: Tx,
  target: Target,
  items: readonly BusyItem[],
  window: Interval,
  size: { duration_minutes: number; granularity_minutes: number },
): SlotQuery {
  return {
    busy: items,
    rules: target.rules,
    window,
    durationMs: size.duration_minutes * MINUTE,
    granularityMs: size.granularity_minutes * MINUTE,
    now: tx.now,
    countedStarts: countedStarts(items),
  };
}

function countedStarts(items: readonly BusyItem[]): number[] {
  const out: number[] = [];
  for (const it of items) if (it.kind !== "external") out.push(it.start);
  return out;
}

/** The interval from two wire instants, as given (the schemas have checked them). */
export function spanOf(start: string, end: string): Interval {
  return { start: toEpochMs(start), end: toEpochMs(end) };
}

/** The slot a request asks for: start plus end or duration_minutes (else `lengthMs`), at most 24 hours. */
export function requestedSpan(
  input: { start: string; end?: string | undefined; duration_minutes?: number | undefined },
  lengthMs = 0,
): Interval {
  const start = toEpochMs(input.start);
  const end =
    input.end !== undefined
      ? toEpochMs(input.end)
      : start + (input.duration_minutes !== undefined ? input.duration_minutes * MINUTE : lengthMs);
  if (end <= start) {
    throw new OpenavailError("bad_request", "end must be after start.", {
      details: [{ field: "end", message: "must be after start" }],
    });
  }
  if (end - start > DAY) {
    throw new OpenavailError("bad_request", "A meeting may last at most 24 hours (1440 minutes).", {
      details: [{ field: "end", message: "at most 1440 minutes after start" }],
    });
  }
  return { start, end };
}
