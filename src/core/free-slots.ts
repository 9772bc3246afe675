// The free-slot engine: which slots of a window can still be booked, aligned to the owner's local grid.
import { type Interval, intersect, normalize, overlapsAny, subtract, union } from "./interval.js";
import { type CompiledRules, cappedDays, expandByBuffers, workingTime } from "./rules.js";
import { type LocalDay, localDaysBetween, offsetAt, utcMidnight } from "./zoned-time.js";

const MINUTE = 60_000;

/** What the engine needs to know; every instant is epoch ms, every interval half-open. */
export interface SlotQuery {
  /** Busy time of the owner from all calendars, raw (buffers are applied here), any order. */
  readonly busy: readonly Interval[];
  readonly rules: CompiledRules;
  readonly window: Interval;
  readonly durationMs: number;
  /** Slot starts are local midnight + k * granularity in the rules' zone. */
  readonly granularityMs: number;
  readonly now: number;
  /** Starts of the owner's bookings that count toward `max_bookings_per_day`. */
  readonly countedStarts?: readonly number[];
}

/** The bookable time of a window and the local days it spans (the grid's origins). */
export interface Bookable {
  readonly free: readonly Interval[];
  readonly days: readonly LocalDay[];
  /** Local days at `max_bookings_per_day`, in order: no slot may start in them. */
  readonly capped: readonly Interval[];
  /** The zone whose wall clock the grid follows. */
  readonly timeZone: string;
}

/**
 * Bookable time in the window: window ∩ [now + notice, now + horizon) ∩ working hours,
 * minus buffered busy time and hard blocks. Normalized. Days at the cap are returned apart,
 * because a booking counts on the day it starts: a slot may still run into a capped day.
 */
export function bookableTime(q: SlotQuery): Bookable {
  const { rules, window } = q;
  const days = localDaysBetween(rules.timeZone, window.start, window.end);
  const earliest = Math.max(window.start, q.now + rules.minNoticeMs);
  const latest = Math.min(window.end, q.now + rules.maxHorizonMs);
  const timeZone = rules.timeZone;
  if (earliest >= latest) return { free: [], days, capped: [], timeZone };
  const open = intersect([{ start: earliest, end: latest }], workingTime(rules, days));
  // Only busy time that meets the open time matters; dropping the rest first keeps the sort small
  // (with 09:00-17:00 on weekdays, three busy items in four fall outside it).
  const { bufferBeforeMs: before, bufferAfterMs: after } = rules;
  const busy = q.busy.filter((b) => overlapsAny(open, { start: b.start - before, end: b.end + after }));
  const blocked = union(expandByBuffers(rules, busy), rules.hardBlocks as Interval[]);
  const free = subtract(open, blocked);
  return { free, days, capped: cappedDays(rules, days, q.countedStarts ?? []), timeZone };
}

/**
 * Every slot of `durationMs` that fits in the bookable time, in start order, at most `maxSlots`.
 * Each free interval is walked once on the local grid, so the cost is linear in busy items + slots.
 */
export function findFreeSlots(q: SlotQuery, maxSlots: number): Interval[] {
  return slotsOn(bookableTime(q), q.durationMs, q.granularityMs, maxSlots);
}

/** Walks the local grid of `days` over the free intervals, skipping starts on capped days. */
export function slotsOn(
  bookable: Bookable,
  durationMs: number,
  granularityMs: number,
  maxSlots: number,
): Interval[] {
  const { free, days, timeZone } = bookable;
  const capped = new Set(bookable.capped.map((c) => c.start));
  // Per day, local midnight as an instant when the offset holds all day; null on a DST day.
  const anchors = days.map((day) => {
    const offset = offsetAt(timeZone, day.start);
    if (offset !== offsetAt(timeZone, day.end - 1)) return null;
    return utcMidnight(day.year, day.month, day.day) - offset;
  });
  const align = (i: number, t: number) => {
    const anchor = anchors[i] ?? null;
    if (anchor === null) return alignAcrossShift(timeZone, days[i]!, t, granularityMs);
    return anchor + Math.ceil((t - anchor) / granularityMs) * granularityMs;
  };
  const out: Interval[] = [];
  let d = 0;
  for (const piece of free) {
    if (out.length >= maxSlots) break;
    while (d < days.length && days[d]!.end <= piece.start) d++;
    if (d >= days.length) break;
    let day = days[d]!;
    let t = align(d, piece.start);
    while (out.length < maxSlots) {
      if (t >= day.end) {
        // Stay on this day when the piece ends in it: the next piece may start on it too.
        if (d + 1 >= days.length || piece.end <= day.end) break;
        day = days[++d]!;
        // A new local day restarts the grid at its own midnight.
        t = align(d, Math.max(day.start, piece.start));
        continue;
      }
      if (t + durationMs > piece.end) break;
      if (capped.has(day.start)) {
        t = day.end;
        continue;
      }
      out.push({ start: t, end: t + durationMs });
      // The next grid point after t: t + granularity, except where a repeated wall time comes sooner.
      t = align(d, t + 1);
    }
  }
  return out;
}

/**
 * The first instant at or after `t` whose wall time on `day` is a whole number of granules after
 * local midnight, on a day whose offset changes: after a 30-minute shift (Lord Howe) hourly slots
 * stay on the hour instead of drifting to :30. Walks minute by minute (grid points are whole
 * minutes), because a jump computed in one offset can overshoot a grid point just after the change.
 */
function alignAcrossShift(timeZone: string, day: LocalDay, t: number, granularityMs: number): number {
  if (granularityMs % MINUTE !== 0)
    return day.start + Math.ceil((t - day.start) / granularityMs) * granularityMs;
  const midnight = utcMidnight(day.year, day.month, day.day);
  for (let m = Math.ceil(t / MINUTE) * MINUTE; ; m += MINUTE) {
    if ((m + offsetAt(timeZone, m) - midnight) % granularityMs === 0) return m;
  }
}

/**
 * Up to `count` slots nearest to `target` (by distance between starts), nearest first; ties go to
 * the earlier slot. Scans the window's slots once.
 */
export function nearestSlots(q: SlotQuery, target: number, count: number): Interval[] {
  if (count <= 0) return [];
  const all = findFreeSlots(q, Number.POSITIVE_INFINITY);
  let after = all.findIndex((s) => s.start >= target);
  if (after === -1) after = all.length;
  let before = after - 1;
  const out: Interval[] = [];
  while (out.length < count && (before >= 0 || after < all.length)) {
    const b = before >= 0 ? all[before]! : undefined;
    const a = after < all.length ? all[after]! : undefined;
    if (b && (!a || target - b.start <= a.start - target)) {
      out.push(b);
      before--;
    } else if (a) {
      out.push(a);
      after++;
    }
  }
  return out;
}

/** Merged busy time within `range` (the free/busy view), without buffers. */
export function busyBlocks(busy: readonly Interval[], range: Interval): Interval[] {
  return intersect(normalize(busy), [range]);
}
