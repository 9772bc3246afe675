// The free-slot engine: which slots of a window can still be booked, aligned to the owner's local grid.
import { type Interval, intersect, normalize, subtract, union } from "./interval.js";
import { type CompiledRules, cappedDays, expandByBuffers, workingTime } from "./rules.js";
import { type LocalDay, localDaysBetween } from "./zoned-time.js";

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
}

/**
 * Bookable time in the window: window ∩ [now + notice, now + horizon) ∩ working hours,
 * minus buffered busy time, hard blocks and days at the cap. Normalized.
 */
export function bookableTime(q: SlotQuery): Bookable {
  const { rules, window } = q;
  const days = localDaysBetween(rules.timeZone, window.start, window.end);
  const earliest = Math.max(window.start, q.now + rules.minNoticeMs);
  const latest = Math.min(window.end, q.now + rules.maxHorizonMs);
  if (earliest >= latest) return { free: [], days };
  let free: Interval[] = intersect([{ start: earliest, end: latest }], workingTime(rules, days));
  const blocked = union(
    union(expandByBuffers(rules, q.busy), rules.hardBlocks as Interval[]),
    cappedDays(rules, days, q.countedStarts ?? []),
  );
  free = subtract(free, blocked);
  return { free, days };
}

/**
 * Every slot of `durationMs` that fits in the bookable time, in start order, at most `maxSlots`.
 * Each free interval is walked once on the local grid, so the cost is linear in busy items + slots.
 */
export function findFreeSlots(q: SlotQuery, maxSlots: number): Interval[] {
  return slotsOn(bookableTime(q), q.durationMs, q.granularityMs, maxSlots);
}

/** Walks the local grid of `days` over the free intervals. */
export function slotsOn(
  bookable: Bookable,
  durationMs: number,
  granularityMs: number,
  maxSlots: number,
): Interval[] {
  const { free, days } = bookable;
  const out: Interval[] = [];
  let d = 0;
  for (const piece of free) {
    if (out.length >= maxSlots) break;
    while (d < days.length && days[d]!.end <= piece.start) d++;
    if (d >= days.length) break;
    let day = days[d]!;
    let t = day.start + Math.ceil((piece.start - day.start) / granularityMs) * granularityMs;
    while (out.length < maxSlots) {
      if (t >= day.end) {
        if (d + 1 >= days.length) break;
        day = days[++d]!;
        // A new local day restarts the grid at its own midnight.
        t = day.start + Math.ceil((t - day.start) / granularityMs) * granularityMs;
        continue;
      }
      if (t + durationMs > piece.end) break;
      out.push({ start: t, end: t + durationMs });
      t += granularityMs;
    }
  }
  return out;
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
