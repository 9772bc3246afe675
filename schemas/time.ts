// Wire forms of time: RFC 3339 instants and windows. Inputs may carry any offset; outputs are UTC `Z`.
import { z } from "zod";

/** 1970-01-01T00:00:00Z, the first accepted instant (DESIGN.md section 3). */
export const MIN_INSTANT_MS = 0;
/** 9999-12-31T23:59:59.999Z, the last accepted instant: the last one RFC 3339's four-digit year can write in UTC. */
export const MAX_INSTANT_MS = 253_402_300_799_999;
export const INSTANT_RANGE_ERROR = "must be between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59Z";

/** Whether epoch milliseconds lie in the accepted range (false for NaN). */
export function isInstantInRange(ms: number): boolean {
  return ms >= MIN_INSTANT_MS && ms <= MAX_INSTANT_MS;
}

/**
 * An RFC 3339 instant with an explicit offset (`Z` or `±HH:MM`), between 1970 and 9999 in UTC.
 * The range is checked after the offset is applied, so 9999-12-31T23:00:00-05:00 (year 10000 in UTC)
 * is refused. Both checks abort, so the cross-field rules of the objects around an instant (end
 * after start, window length) never run on a value already refused, and only one message is given.
 */
export const Instant = z.iso
  .datetime({
    offset: true,
    abort: true,
    error: "must be an RFC 3339 date-time with an offset, e.g. 2026-03-09T14:00:00Z",
  })
  // No description of its own: `format: date-time` says RFC 3339 in every listed schema, and the
  // fields that take an instant say what it is for.
  .refine((s) => isInstantInRange(Date.parse(s)), { error: INSTANT_RANGE_ERROR, abort: true });

/** An IANA time zone name the runtime knows, e.g. America/New_York. */
export const TimeZone = z
  .string()
  .min(1)
  .max(64)
  .refine(isKnownTimeZone, { error: "must be an IANA time zone name, e.g. Europe/London or UTC" })
  .describe("IANA time zone name, e.g. America/New_York");

export function isKnownTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** A half-open window `[start, end)` on the wire. */
export const Window = z
  .object({
    start: Instant,
    end: Instant,
  })
  .strict()
  .refine((w) => Date.parse(w.start) < Date.parse(w.end), {
    error: "end must be after start",
    path: ["end"],
  });
export type Window = z.infer<typeof Window>;

/** Parses an already validated RFC 3339 instant into epoch milliseconds. */
export function toEpochMs(instant: string): number {
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) throw new RangeError(`not an RFC 3339 instant: ${instant}`);
  return ms;
}

const DAY_MS = 86_400_000;
/** 10000-01-01T00:00:00Z: from there on toISOString writes a signed six-digit year. */
const YEAR_10000_MS = MAX_INSTANT_MS + 1;
// Every booking, slot and busy block in a response is formatted here (a week of free/busy is a
// hundred instants), and Date#toISOString took a tenth of an MCP call's CPU. The date part of the
// days seen lately is kept (a week's blocks alternate between days) and the time is written from
// two-digit strings: 42 instants of a week took 3.7 µs instead of 10.4 keeping only the last day.
const DAY_PREFIXES_KEPT = 64;
const dayPrefixes = new Map<number, string>();
const TWO_DIGITS = Array.from({ length: 60 }, (_, n) => (n < 10 ? `0${n}` : `${n}`));

/** Formats epoch milliseconds as an RFC 3339 UTC instant without fractional seconds when whole. */
export function toInstant(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0 || ms >= YEAR_10000_MS) {
    const iso = new Date(ms).toISOString();
    return iso.endsWith(".000Z") ? `${iso.slice(0, -5)}Z` : iso;
  }
  const day = Math.floor(ms / DAY_MS);
  let date = dayPrefixes.get(day);
  if (date === undefined) {
    date = new Date(day * DAY_MS).toISOString().slice(0, 11);
    if (dayPrefixes.size >= DAY_PREFIXES_KEPT) dayPrefixes.delete(dayPrefixes.keys().next().value!);
    dayPrefixes.set(day, date);
  }
  const inDay = ms - day * DAY_MS;
  const milli = inDay % 1000;
  const seconds = (inDay - milli) / 1000;
  const minutes = Math.floor(seconds / 60);
  const time = `${date}${TWO_DIGITS[Math.floor(minutes / 60)]}:${TWO_DIGITS[minutes % 60]}:${TWO_DIGITS[seconds % 60]}`;
  return milli === 0 ? `${time}Z` : `${time}.${String(milli).padStart(3, "0")}Z`;
}
