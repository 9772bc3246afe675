// src/core/zoned-time.ts over the whole accepted range, 1970-01-01T00:00:00Z .. 9999-12-31T23:59:59.999Z
// (DESIGN.md section 3), checked against Intl.DateTimeFormat with `timeZoneName: "longOffset"`, which
// states each offset itself rather than through the module's arithmetic. The module once built dates
// with Date.UTC, which reads years 0-99 as 1900-1999; every date now goes through utcMidnight.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_INSTANT_MS, MIN_INSTANT_MS } from "../../schemas/time.js";
import {
  formatLocal,
  instantOfWallTime,
  localDaysBetween,
  offsetAt,
  utcMidnight,
  type WallTime,
  wallTimeAt,
} from "../../src/core/zoned-time.js";

const MINUTE = 60_000;
const DAY = 86_400_000;
const at = (iso: string) => Date.parse(iso);

// DST both ways (New York, London, Santiago, Chatham), a 30-minute DST shift (Lord Howe), half-hour and
// 45-minute offsets (Kolkata, Kathmandu, Chatham), a zone that changed its base offset after 1970
// (Kathmandu, +05:30 to +05:45 in 1986), and none at all (UTC).
const ZONES = [
  "UTC",
  "America/New_York",
  "Europe/London",
  "Australia/Lord_Howe",
  "Asia/Kathmandu",
  "Asia/Kolkata",
  "Pacific/Chatham",
  "America/Santiago",
] as const;

/** What Intl says about `instant` in `zone`: the wall clock and the offset it prints. */
interface IntlView {
  readonly wall: WallTime;
  readonly second: number;
  /** Offset in ms, from the "GMT±HH:MM[:SS]" Intl writes. */
  readonly offset: number;
}

const oracles = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

function intlView(zone: string, instant: number): IntlView {
  let f = oracles.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      weekday: "short",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
      timeZoneName: "longOffset",
    });
    oracles.set(zone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(instant).map((p) => [p.type, p.value]));
  const m = /^GMT(?:([+-])(\d\d):(\d\d)(?::(\d\d))?)?$/.exec(parts["timeZoneName"] ?? "");
  if (!m) throw new Error(`unexpected offset ${parts["timeZoneName"]}`);
  const magnitude = ((Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0)) * 60 + Number(m[4] ?? 0)) * 1000;
  return {
    wall: {
      year: Number(parts["year"]),
      month: Number(parts["month"]),
      day: Number(parts["day"]),
      weekday: WEEKDAYS.indexOf(parts["weekday"] ?? ""),
      minuteOfDay: Number(parts["hour"]) * 60 + Number(parts["minute"]),
    },
    second: Number(parts["second"]),
    offset: m[1] === "-" ? -magnitude : magnitude,
  };
}

/** The RFC 3339 local time Intl's view spells, years past 9999 signed and six digits like toISOString. */
function intlLocal({ wall, second, offset }: IntlView): string {
  const p2 = (n: number) => String(n).padStart(2, "0");
  const year =
    wall.year > 9999 ? `+${String(wall.year).padStart(6, "0")}` : String(wall.year).padStart(4, "0");
  const minutes = Math.abs(offset) / MINUTE;
  const hhmm = `${p2(Math.floor(wall.minuteOfDay / 60))}:${p2(wall.minuteOfDay % 60)}:${p2(second)}`;
  return `${year}-${p2(wall.month)}-${p2(wall.day)}T${hhmm}${offset < 0 ? "-" : "+"}${p2(Math.floor(minutes / 60))}:${p2(minutes % 60)}`;
}

const transitionCache = new Map<string, number[]>();

/** Every instant in `year` at which `zone`'s offset changes, found with Intl alone. */
function transitionsIn(zone: string, year: number): number[] {
  const key = `${zone}|${year}`;
  const cached = transitionCache.get(key);
  if (cached) return cached;
  const from = at(`${String(year).padStart(4, "0")}-01-01T00:00:00Z`);
  const out: number[] = [];
  // No zone here changes its offset twice within a week.
  let before = intlView(zone, from).offset;
  for (let t = from; t < from + 366 * DAY; t += 7 * DAY) {
    const next = intlView(zone, t + 7 * DAY).offset;
    if (next !== before) {
      let lo = t / MINUTE;
      let hi = (t + 7 * DAY) / MINUTE;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (intlView(zone, mid * MINUTE).offset === before) lo = mid;
        else hi = mid;
      }
      out.push(hi * MINUTE);
    }
    before = next;
  }
  transitionCache.set(key, out);
  return out;
}

const zone = fc.constantFrom(...ZONES);
/** Any millisecond of the accepted range, the two ends drawn often. */
const anyInstant = fc.oneof(
  fc.integer({ min: MIN_INSTANT_MS, max: MAX_INSTANT_MS }),
  fc.constantFrom(MIN_INSTANT_MS, MAX_INSTANT_MS),
  fc.integer({ min: MIN_INSTANT_MS, max: MIN_INSTANT_MS + 2 * DAY }),
  fc.integer({ min: MAX_INSTANT_MS - 2 * DAY, max: MAX_INSTANT_MS }),
);
/** A zone and a whole minute within three hours of one of its offset changes in a random year. */
const nearTransition = fc
  .record({
    zone,
    year: fc.integer({ min: 1970, max: 9999 }),
    pick: fc.nat(),
    minutes: fc.integer({ min: -180, max: 180 }),
  })
  .map(({ zone, year, pick, minutes }) => {
    const changes = transitionsIn(zone, year);
    const base = changes.length > 0 ? changes[pick % changes.length]! : at(`${year}-06-01T00:00:00Z`);
    return { zone, instant: base + minutes * MINUTE };
  });
/** Any whole minute of the accepted range, or one near an offset change. */
const anyMinute = fc.oneof(
  fc.record({
    zone,
    instant: fc
      .integer({ min: MIN_INSTANT_MS / MINUTE, max: Math.floor(MAX_INSTANT_MS / MINUTE) })
      .map((m) => m * MINUTE),
  }),
  nearTransition,
);

describe("utcMidnight", () => {
  it.each([
    [0, 1, 1, "0000-01-01T00:00:00Z"],
    [1, 1, 1, "0001-01-01T00:00:00Z"],
    [50, 3, 3, "0050-03-03T00:00:00Z"], // Date.UTC(50, 2, 3) is 1950-03-03
    [99, 12, 31, "0099-12-31T00:00:00Z"],
    [99, 13, 1, "0100-01-01T00:00:00Z"], // month overflow carries into year 100, not 2000
    [100, 0, 1, "0099-12-01T00:00:00Z"],
    [1, 1, 0, "0000-12-31T00:00:00Z"],
    [1969, 12, 31, "1969-12-31T00:00:00Z"],
    [1970, 1, 1, "1970-01-01T00:00:00Z"],
    [2026, 1, 32, "2026-02-01T00:00:00Z"],
    [2024, 2, 30, "2024-03-01T00:00:00Z"],
    [9999, 12, 31, "9999-12-31T00:00:00Z"],
    [9999, 12, 32, "+010000-01-01T00:00:00Z"],
  ])("%i-%i-%i is %s", (year, month, day, expected) => {
    expect(utcMidnight(year, month, day)).toBe(at(expected));
  });
});

describe("zoned time in years 0001-0099, which Date.UTC reads as 1901-1999", () => {
  it.each(ZONES)("%s: offsets and wall times agree with Intl, and wall times map back", (z) => {
    for (const iso of ["0001-01-01T12:00:00Z", "0050-03-03T15:00:00Z", "0099-12-31T23:59:00Z"]) {
      const t = at(iso);
      const intl = intlView(z, t);
      expect(offsetAt(z, t), `${z} ${iso}`).toBe(intl.offset);
      expect(wallTimeAt(z, t), `${z} ${iso}`).toEqual(intl.wall);
      // Local mean time has whole-second offsets, so the wall minute maps back to within that minute.
      const w = intl.wall;
      const back = instantOfWallTime(z, w.year, w.month, w.day, w.minuteOfDay);
      expect(wallTimeAt(z, back), `${z} ${iso}`).toEqual(w);
      expect(Math.abs(back - t), `${z} ${iso}`).toBeLessThan(MINUTE);
    }
  });

  it("lays out local days of year 0050 like any other year", () => {
    const days = localDaysBetween("Asia/Kolkata", at("0050-03-02T12:00:00Z"), at("0050-03-04T12:00:00Z"));
    expect(days.map((d) => d.key)).toEqual(["0050-03-02", "0050-03-03", "0050-03-04"]);
    for (let i = 1; i < days.length; i++) expect(days[i]!.start).toBe(days[i - 1]!.end);
    expect(days.every((d) => d.end - d.start === DAY)).toBe(true);
  });
});

describe("zoned time over 1970-9999", () => {
  it("offsetAt, wallTimeAt and formatLocal agree with Intl at any instant", () => {
    fc.assert(
      fc.property(zone, anyInstant, (z, t) => {
        const intl = intlView(z, t);
        expect(offsetAt(z, t)).toBe(intl.offset);
        expect(wallTimeAt(z, t)).toEqual(intl.wall);
        expect(formatLocal(z, t)).toBe(intlLocal(intl));
      }),
      { numRuns: 3_000 },
    );
  });

  it("agrees with Intl within three hours of offset changes", () => {
    fc.assert(
      fc.property(nearTransition, ({ zone: z, instant: t }) => {
        const intl = intlView(z, t);
        expect(offsetAt(z, t)).toBe(intl.offset);
        expect(wallTimeAt(z, t)).toEqual(intl.wall);
      }),
      { numRuns: 500 },
    );
  });

  // instant -> wall minute -> instant is the identity, except for the later pass of a repeated wall
  // time, which maps to the earlier one (the module's overlap rule).
  it("round-trips every whole minute, a repeated wall time going to its earlier occurrence", () => {
    fc.assert(
      fc.property(anyMinute, ({ zone: z, instant: t }) => {
        const w = wallTimeAt(z, t);
        const back = instantOfWallTime(z, w.year, w.month, w.day, w.minuteOfDay);
        if (back === t) return;
        expect(back, `${z} ${new Date(t).toISOString()}`).toBeLessThan(t);
        expect(wallTimeAt(z, back)).toEqual(w);
        expect(intlView(z, back).offset).toBeGreaterThan(intlView(z, t).offset);
      }),
      { numRuns: 2_000 },
    );
  });

  // Any wall minute near an offset change: if some instant shows it, instantOfWallTime is the earliest
  // such instant; if none does (the spring-forward gap), it is the transition the gap belongs to.
  it("maps wall times to their earliest instant, and gap wall times to the transition", () => {
    fc.assert(
      fc.property(nearTransition, fc.integer({ min: -180, max: 180 }), ({ zone: z, instant }, shift) => {
        // A wall clock reading, as naive UTC milliseconds, near the one shown at `instant`.
        const naive = instant + intlView(z, instant).offset + shift * MINUTE;
        const n = new Date(naive);
        const minuteOfDay = n.getUTCHours() * 60 + n.getUTCMinutes();
        const got = instantOfWallTime(
          z,
          n.getUTCFullYear(),
          n.getUTCMonth() + 1,
          n.getUTCDate(),
          minuteOfDay,
        );
        // Every offset in force within a day of it; an instant shows the reading iff naive - offset has that offset.
        const offsets = new Set([-DAY, -DAY / 2, 0, DAY / 2, DAY].map((d) => intlView(z, naive + d).offset));
        const shown = [...offsets].map((o) => naive - o).filter((c) => intlView(z, c).offset === naive - c);
        if (shown.length > 0) {
          expect(got).toBe(Math.min(...shown));
        } else {
          const before = intlView(z, got - MINUTE).offset;
          const after = intlView(z, got).offset;
          expect(after, "the gap's transition").toBeGreaterThan(before);
          expect(naive).toBeGreaterThanOrEqual(got + before);
          expect(naive).toBeLessThan(got + after);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("chains local days over any 90-day window, even where they reach into 1969 or 10000", () => {
    const window = fc.oneof(
      fc.integer({ min: MIN_INSTANT_MS, max: MAX_INSTANT_MS - 90 * DAY }),
      fc.constantFrom(MIN_INSTANT_MS, MAX_INSTANT_MS - 90 * DAY),
    );
    fc.assert(
      fc.property(zone, window, fc.integer({ min: 1, max: 90 * DAY }), (z, from, length) => {
        const to = Math.min(from + length, MAX_INSTANT_MS);
        const days = localDaysBetween(z, from, to);
        expect(days[0]!.start).toBeLessThanOrEqual(from);
        expect(days.at(-1)!.end).toBeGreaterThanOrEqual(to);
        for (let i = 1; i < days.length; i++) expect(days[i]!.start).toBe(days[i - 1]!.end);
        expect(new Set(days.map((d) => d.key)).size).toBe(days.length);
        for (const d of days) {
          // A day starts at local midnight, or where its midnight was skipped, at the first instant after.
          const w = intlView(z, d.start).wall;
          expect([w.year, w.month, w.day]).toEqual([d.year, d.month, d.day]);
          if (w.minuteOfDay !== 0) expect(intlView(z, d.start - MINUTE).wall.day).not.toBe(d.day);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("writes the last accepted instant east of UTC in year 10000, with a signed six-digit year", () => {
    // 9999-12-31T23:59:59.999Z is 10000-01-01 13:44:59 in Chatham (+13:45 in its summer).
    expect(formatLocal("Pacific/Chatham", MAX_INSTANT_MS)).toBe("+010000-01-01T13:44:59+13:45");
    const [last] = localDaysBetween("Pacific/Chatham", MAX_INSTANT_MS, MAX_INSTANT_MS + 1);
    expect(last).toMatchObject({ key: "+010000-01-01", year: 10000, month: 1, day: 1, weekday: 6 });
    // 1970-01-01T00:00:00Z is still 31 December 1969 in New York.
    expect(formatLocal("America/New_York", MIN_INSTANT_MS)).toBe("1969-12-31T19:00:00-05:00");
  });
});
