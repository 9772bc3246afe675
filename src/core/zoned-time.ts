// The one boundary between instants and owner wall time. Nothing else in the code base touches IANA zones.
//
// DST policy, named and tested (test/core/zoned-time.test.ts):
// - a wall time that does not exist (the spring-forward gap) maps to the transition instant, so a span
//   that starts or ends in the gap is shortened, never shifted;
// - a wall time that occurs twice (the fall-back overlap) maps to its earlier occurrence.
// Correct for any year a Date can hold; the wire accepts 1970-9999 in UTC (schemas/time.ts), whose
// local days reach into 1969 and 10000.

const MINUTE = 60_000;
const DAY = 86_400_000;

/**
 * Epoch milliseconds of 00:00 UTC on a proleptic Gregorian date (month 1-12; month and day may
 * overflow, e.g. day 32 is the next month). Every date-to-instant step of the core goes through here,
 * never through Date.UTC, which reads years 0-99 as 1900-1999: year 50 became 1950, which once
 * turned a year-0050 request into a 500.
 */
export function utcMidnight(year: number, month: number, day: number): number {
  return new Date(0).setUTCFullYear(year, month - 1, day);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

// Offsets change on whole minutes in every modern zone, so one lookup per zone-minute is enough.
const offsetCache = new Map<string, number>();
const OFFSET_CACHE_LIMIT = 50_000;

/**
 * Offset of `timeZone` at `instant` in milliseconds: local wall clock = instant + offset.
 * Uses Intl rather than date-fns-tz's getTimezoneOffset, which reads its date argument in the
 * process's own zone and so would make the core depend on the machine it runs on.
 */
export function offsetAt(timeZone: string, instant: number): number {
  if (timeZone === "UTC" || timeZone === "Etc/UTC") return 0;
  const minute = Math.floor(instant / MINUTE);
  const key = `${timeZone}|${minute}`;
  const cached = offsetCache.get(key);
  if (cached !== undefined) return cached;
  const at = minute * MINUTE;
  let year = 0;
  let month = 0;
  let day = 0;
  let hour = 0;
  let min = 0;
  let sec = 0;
  for (const part of formatterFor(timeZone).formatToParts(at)) {
    switch (part.type) {
      case "year":
        year = Number(part.value);
        break;
      case "month":
        month = Number(part.value);
        break;
      case "day":
        day = Number(part.value);
        break;
      case "hour":
        hour = Number(part.value);
        break;
      case "minute":
        min = Number(part.value);
        break;
      case "second":
        sec = Number(part.value);
        break;
    }
  }
  const offset = utcMidnight(year, month, day) + ((hour * 60 + min) * 60 + sec) * 1000 - at;
  if (offsetCache.size >= OFFSET_CACHE_LIMIT) offsetCache.clear();
  offsetCache.set(key, offset);
  return offset;
}

/** A calendar date and time of day in some zone. `weekday` is 0 = Sunday .. 6 = Saturday. */
export interface WallTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly weekday: number;
  /** Minutes since local midnight, 0..1439. */
  readonly minuteOfDay: number;
}

/** The wall time in `timeZone` at `instant`. */
export function wallTimeAt(timeZone: string, instant: number): WallTime {
  const local = new Date(instant + offsetAt(timeZone, instant));
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    weekday: local.getUTCDay(),
    minuteOfDay: local.getUTCHours() * 60 + local.getUTCMinutes(),
  };
}

/**
 * The instant at which the wall clock in `timeZone` shows `minuteOfDay` on the given date
 * (month 1-12; day and minuteOfDay may overflow, e.g. 1440 is the next midnight).
 * Gap -> transition instant; overlap -> earlier occurrence (see the module header).
 */
export function instantOfWallTime(
  timeZone: string,
  year: number,
  month: number,
  day: number,
  minuteOfDay: number,
): number {
  const local = utcMidnight(year, month, day) + minuteOfDay * MINUTE;
  if (timeZone === "UTC" || timeZone === "Etc/UTC") return local;
  // No zone changes its offset twice within two days, so the offsets two days either side are the
  // only candidates for this wall time.
  const before = offsetAt(timeZone, local - 2 * DAY);
  const after = offsetAt(timeZone, local + 2 * DAY);
  const early = local - before;
  const late = local - after;
  const earlyValid = offsetAt(timeZone, early) === before;
  const lateValid = offsetAt(timeZone, late) === after;
  if (earlyValid && lateValid) return Math.min(early, late);
  if (earlyValid) return early;
  if (lateValid) return late;
  // In the gap: find the first instant whose offset is the new one.
  let lo = Math.min(early, late);
  let hi = Math.max(early, late);
  while (hi - lo > MINUTE) {
    const mid = lo + Math.floor((hi - lo) / 2 / MINUTE) * MINUTE;
    if (offsetAt(timeZone, mid) === before) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** One local calendar day of a zone as the instants `[start, end)` of its two midnights. */
export interface LocalDay {
  /** `YYYY-MM-DD` in the zone. */
  readonly key: string;
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly weekday: number;
  readonly start: number;
  readonly end: number;
}

/** Every local day of `timeZone` that overlaps `[from, to)`, in order. */
export function localDaysBetween(timeZone: string, from: number, to: number): LocalDay[] {
  const first = wallTimeAt(timeZone, from);
  const days: LocalDay[] = [];
  let cursor = utcMidnight(first.year, first.month, first.day);
  let start = instantOfWallTime(timeZone, first.year, first.month, first.day, 0);
  // The first wall date's midnight can lie after `from` only in zones whose midnight is skipped.
  if (start > from) {
    cursor -= DAY;
    const d = new Date(cursor);
    start = instantOfWallTime(timeZone, d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), 0);
  }
  while (start < to) {
    const d = new Date(cursor);
    const year = d.getUTCFullYear();
    const month = d.getUTCMonth() + 1;
    const day = d.getUTCDate();
    const end = instantOfWallTime(timeZone, year, month, day, 24 * 60);
    const iso = d.toISOString();
    // Up to the "T", not 10 characters: a local day past 9999 has a signed six-digit year.
    const key = iso.slice(0, iso.indexOf("T"));
    days.push({ key, year, month, day, weekday: d.getUTCDay(), start, end });
    start = end;
    cursor += DAY;
  }
  return days;
}

/** RFC 3339 wall time with the zone's offset at that instant, e.g. `2026-03-09T09:00:00-04:00`. */
export function formatLocal(timeZone: string, instant: number): string {
  const offset = offsetAt(timeZone, instant);
  // Drop ".sssZ" from the end rather than cut at a fixed width: a local year past 9999 (the last
  // accepted UTC day, seen east of UTC) is written with a signed six-digit year, as toInstant does.
  const wall = new Date(instant + offset).toISOString().slice(0, -5);
  const sign = offset < 0 ? "-" : "+";
  const minutes = Math.round(Math.abs(offset) / MINUTE);
  return `${wall}${sign}${pad2(Math.floor(minutes / 60))}:${pad2(minutes % 60)}`;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
