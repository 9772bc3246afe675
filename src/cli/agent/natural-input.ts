// What a person types for times and lengths, turned into the tool language: `30m` into minutes,
// `tomorrow` + `09:00-12:00` into an RFC 3339 window, `2026-12-08 10:00` into an instant. Wall times
// are read in a stated zone (--tz, else the owner's), through the core's zone code, so a DST day's
// 23 or 25 hours come out right. Every failure names the option and shows what would work.
import { Instant } from "../../../schemas/time.js";
import { instantOfWallTime, wallTimeAt } from "../../core/zoned-time.js";
import { UsageError } from "../commands/admin-env.js";

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;
const WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

/** A calendar date in no particular zone. */
export interface LocalDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

/**
 * `30m`, `1h30m`, `90s`, `2h`, or a bare number in `bareUnit`, as a whole number of `unit`s.
 * A length that is not a whole number of units is refused rather than rounded.
 */
export function parseLength(
  option: string,
  value: string,
  unit: "s" | "m",
  bareUnit: "s" | "m" = unit,
): number {
  const text = value.trim().toLowerCase();
  let seconds: number | undefined;
  if (/^\d+$/.test(text)) seconds = Number(text) * UNIT_SECONDS[bareUnit];
  else if (/^(\d+[dhms])+$/.test(text)) {
    seconds = 0;
    for (const [, n, u] of text.matchAll(/(\d+)([dhms])/g))
      seconds += Number(n) * UNIT_SECONDS[u as keyof typeof UNIT_SECONDS];
  }
  const per = UNIT_SECONDS[unit];
  if (seconds === undefined || seconds % per !== 0) {
    const whole = unit === "m" ? "whole minutes" : "whole seconds";
    throw new UsageError(`${option} "${value}" is not a length in ${whole}: write it like 30m, 1h30m or 90`);
  }
  return seconds / per;
}

/** `today`, `tomorrow`, a weekday (the next one, today excluded) or YYYY-MM-DD, as a date in `zone`. */
export function parseDay(option: string, value: string, zone: string, now: number): LocalDate {
  const text = value.trim().toLowerCase();
  const today = wallTimeAt(zone, now);
  const plus = (days: number): LocalDate => {
    const d = new Date(0);
    d.setUTCFullYear(today.year, today.month - 1, today.day + days);
    return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
  };
  if (text === "today") return plus(0);
  if (text === "tomorrow") return plus(1);
  const weekday = WEEKDAYS.indexOf(text);
  if (weekday >= 0) return plus(((weekday - today.weekday + 6) % 7) + 1);
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (m) {
    const date = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
    if (isRealDate(date)) return date;
  }
  throw new UsageError(
    `${option} "${value}" is not a day: write today, tomorrow, a weekday (monday) or a date (2026-12-08)`,
  );
}

/** `09:00` or `9:30` as minutes after midnight (24:00 allowed as the end of the day). */
export function parseClock(option: string, value: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(value.trim());
  const minutes = m ? Number(m[1]) * 60 + Number(m[2]) : Number.NaN;
  if (!m || Number(m[2]) > 59 || minutes > 24 * 60)
    throw new UsageError(`${option} "${value}" is not a time of day: write it like 09:00 or 14:30`);
  return minutes;
}

/** `09:00-12:00` as [from, to) minutes after midnight. */
export function parseClockRange(option: string, value: string): [number, number] {
  const parts = value.split("-");
  if (parts.length !== 2)
    throw new UsageError(`${option} "${value}" is not a time range: write it like 09:00-12:00`);
  const from = parseClock(option, parts[0]!);
  const to = parseClock(option, parts[1]!);
  if (to <= from)
    throw new UsageError(`${option} "${value}" ends before it starts: write it like 09:00-12:00`);
  return [from, to];
}

/**
 * An instant: RFC 3339 with Z or an offset as given; `YYYY-MM-DD HH:MM` (or with T, or a bare date,
 * meaning its midnight) read as wall time in `zone`; `today`/`tomorrow`/a weekday as that day's midnight.
 */
export function parseWhen(option: string, value: string, zone: string, now: number): string {
  const text = value.trim();
  if (/(Z|[+-]\d{2}:\d{2})$/i.test(text)) {
    if (!Instant.safeParse(text).success)
      throw new UsageError(`${option} "${value}" is not an RFC 3339 instant like 2026-12-08T09:00:00Z`);
    return new Date(Date.parse(text)).toISOString();
  }
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{1,2}:\d{2})(?::00)?$/.exec(text);
  const [dayText, clock] = m ? [m[1]!, m[2]!] : [text, "00:00"];
  let day: LocalDate;
  try {
    day = parseDay(option, dayText, zone, now);
  } catch {
    throw new UsageError(
      `${option} "${value}" is not a time: write 2026-12-08T09:00:00Z, "2026-12-08 09:00" (in --tz or the owner's zone), a date or tomorrow`,
    );
  }
  return atWallTime(zone, day, parseClock(option, clock));
}

/** The options that give a time range: a day (`--on`, with `--between` hours) or `--from` and `--to`. */
export interface RangeOptions {
  readonly on?: unknown;
  readonly between?: unknown;
  readonly from?: unknown;
  readonly to?: unknown;
}

/** The range the options stand for, RFC 3339 UTC, or undefined when none is given. */
export function rangeFrom(
  o: RangeOptions,
  zone: string,
  now: number,
  flags: { from: string; to: string } = { from: "--from", to: "--to" },
): { start: string; end: string } | undefined {
  if (o.on !== undefined) {
    if (o.from !== undefined || o.to !== undefined)
      throw new UsageError(`give --on (with --between) or ${flags.from} and ${flags.to}, not both`);
    const day = parseDay("--on", String(o.on), zone, now);
    const [from, to] =
      o.between === undefined ? [0, 24 * 60] : parseClockRange("--between", String(o.between));
    return { start: atWallTime(zone, day, from), end: atWallTime(zone, day, to) };
  }
  if (o.between !== undefined)
    throw new UsageError("--between needs --on: --on tomorrow --between 09:00-12:00");
  if (o.from === undefined && o.to === undefined) return undefined;
  if (o.from === undefined || o.to === undefined)
    throw new UsageError(`give ${flags.from} and ${flags.to} together`);
  return {
    start: parseWhen(flags.from, String(o.from), zone, now),
    end: parseWhen(flags.to, String(o.to), zone, now),
  };
}

/** The instant, RFC 3339 UTC, at which `zone`'s clock shows `minuteOfDay` on `day`. */
export function atWallTime(zone: string, day: LocalDate, minuteOfDay: number): string {
  return new Date(instantOfWallTime(zone, day.year, day.month, day.day, minuteOfDay)).toISOString();
}

function isRealDate(d: LocalDate): boolean {
  const probe = new Date(0);
  probe.setUTCFullYear(d.year, d.month - 1, d.day);
  return (
    probe.getUTCFullYear() === d.year && probe.getUTCMonth() === d.month - 1 && probe.getUTCDate() === d.day
  );
}
