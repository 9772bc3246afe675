// Availability rules evaluated over instants: working hours, buffers, notice, horizon, caps, hard blocks.
import type { AvailabilityRules } from "../../schemas/rules.js";
import { WEEKDAYS } from "../../schemas/rules.js";
import { type Interval, normalize, subtract } from "./interval.js";
import { instantOfWallTime, type LocalDay, localDaysBetween } from "./zoned-time.js";

const MINUTE = 60_000;
const DAY = 86_400_000;

/** Working hours of one weekday as minutes since local midnight, `[start, end)`. */
export interface DayMinutes {
  readonly start: number;
  readonly end: number;
}

/** Rules in the form the engine uses: milliseconds, minutes of day, normalized hard blocks. */
export interface CompiledRules {
  readonly timeZone: string;
  readonly bufferBeforeMs: number;
  readonly bufferAfterMs: number;
  /** Indexed by weekday, 0 = Sunday; `null` entry = non-working day; whole field `null` = no limit. */
  readonly workingHours: readonly (DayMinutes | null)[] | null;
  readonly minNoticeMs: number;
  readonly maxHorizonMs: number;
  readonly maxBookingsPerDay: number | null;
  readonly hardBlocks: readonly Interval[];
}

function minutesOf(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

/**
 * Converts validated wire rules (defaults applied) into the engine's form. Rules that name no zone are
 * read in `ownerZone`, the owner's.
 */
export function compileRules(rules: AvailabilityRules, ownerZone: string): CompiledRules {
  const wh = rules.working_hours;
  return {
    timeZone: rules.timezone ?? ownerZone,
    bufferBeforeMs: rules.buffer_before_minutes * MINUTE,
    bufferAfterMs: rules.buffer_after_minutes * MINUTE,
    workingHours: wh
      ? WEEKDAYS.map((d) => {
          const h = wh[d];
          return h ? { start: minutesOf(h.start), end: minutesOf(h.end) } : null;
        })
      : null,
    minNoticeMs: rules.min_notice_minutes * MINUTE,
    maxHorizonMs: rules.max_horizon_days * DAY,
    maxBookingsPerDay: rules.max_bookings_per_day,
    hardBlocks: normalize(
      rules.hard_blocks.map((b) => ({ start: Date.parse(b.start), end: Date.parse(b.end) })),
    ),
  };
}

/** The rules of a calendar that has none: every minute is free, counted in `timeZone`. */
export function openRules(timeZone: string): CompiledRules {
  return {
    timeZone,
    bufferBeforeMs: 0,
    bufferAfterMs: 0,
    workingHours: null,
    minNoticeMs: 0,
    maxHorizonMs: 365 * DAY,
    maxBookingsPerDay: null,
    hardBlocks: [],
  };
}

/** The working intervals of the given local days, normalized. DST-safe per zoned-time's policy. */
export function workingTime(rules: CompiledRules, days: readonly LocalDay[]): Interval[] {
  const wh = rules.workingHours;
  if (!wh) return days.length === 0 ? [] : [{ start: days[0]!.start, end: days[days.length - 1]!.end }];
  const out: Interval[] = [];
  for (const d of days) {
    const hours = wh[d.weekday];
    if (!hours) continue;
    const start = instantOfWallTime(rules.timeZone, d.year, d.month, d.day, hours.start);
    const end = instantOfWallTime(rules.timeZone, d.year, d.month, d.day, hours.end);
    // A span inside a DST gap collapses to nothing rather than being shifted.
    if (start < end) out.push({ start, end });
  }
  return normalize(out);
}

/** Time outside working hours within `range`, normalized. Empty when the rules set no working hours. */
export function nonWorkingTime(rules: CompiledRules, range: Interval): Interval[] {
  if (!rules.workingHours) return [];
  const days = localDaysBetween(rules.timeZone, range.start, range.end);
  return subtract([range], workingTime(rules, days));
}

/** Each busy interval widened by the buffers, normalized. */
export function expandByBuffers(rules: CompiledRules, busy: readonly Interval[]): Interval[] {
  if (rules.bufferBeforeMs === 0 && rules.bufferAfterMs === 0) return normalize(busy);
  return normalize(
    busy.map((b) => ({ start: b.start - rules.bufferBeforeMs, end: b.end + rules.bufferAfterMs })),
  );
}

/** Local days of the rules' zone on which `starts` already reach the daily cap, as intervals. */
export function cappedDays(
  rules: CompiledRules,
  days: readonly LocalDay[],
  starts: readonly number[],
): Interval[] {
  const cap = rules.maxBookingsPerDay;
  if (cap === null || starts.length < cap || days.length === 0) return [];
  const sorted = [...starts].sort((a, b) => a - b);
  const out: Interval[] = [];
  let i = 0;
  for (const d of days) {
    while (i < sorted.length && sorted[i]! < d.start) i++;
    let count = 0;
    while (i < sorted.length && sorted[i]! < d.end) {
      count++;
      i++;
    }
    if (count >= cap) out.push({ start: d.start, end: d.end });
  }
  return out;
}
