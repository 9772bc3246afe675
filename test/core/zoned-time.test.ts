// The one boundary between instants and owner wall time, pinned on real 2026 transitions.
// Every instant is a literal UTC ISO string with its local wall time in a comment.
import { formatInTimeZone } from "date-fns-tz";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  formatLocal,
  instantOfWallTime,
  localDaysBetween,
  offsetAt,
  wallTimeAt,
} from "../../src/core/zoned-time.js";

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();
const HOUR = 3_600_000;

describe("offsetAt", () => {
  it.each([
    // zone, instant, offset in minutes — local time in the comment
    ["UTC", "2026-03-08T07:00:00Z", 0], // 07:00 UTC
    ["America/New_York", "2026-03-08T06:59:00Z", -300], // 01:59 EST, last minute before spring-forward
    ["America/New_York", "2026-03-08T06:59:59.999Z", -300], // 01:59:59.999 EST
    ["America/New_York", "2026-03-08T07:00:00Z", -240], // 03:00 EDT
    ["America/New_York", "2026-11-01T05:59:00Z", -240], // 01:59 EDT, first pass
    ["America/New_York", "2026-11-01T06:00:00Z", -300], // 01:00 EST, second pass
    ["Europe/London", "2026-03-29T00:59:00Z", 0], // 00:59 GMT
    ["Europe/London", "2026-03-29T01:00:00Z", 60], // 02:00 BST
    ["Europe/London", "2026-10-25T00:59:00Z", 60], // 01:59 BST
    ["Europe/London", "2026-10-25T01:00:00Z", 0], // 01:00 GMT
    ["Asia/Kolkata", "2026-01-15T12:00:00Z", 330], // 17:30 IST
    ["Asia/Kolkata", "2026-07-15T12:00:00Z", 330], // 17:30 IST, no DST
    ["Asia/Kathmandu", "2026-07-15T12:00:00Z", 345], // 17:45 NPT
    ["Australia/Lord_Howe", "2026-10-03T15:29:00Z", 630], // 2026-10-04 01:59 +10:30
    ["Australia/Lord_Howe", "2026-10-03T15:30:00Z", 660], // 2026-10-04 02:30 +11:00
    ["Australia/Lord_Howe", "2026-04-04T14:59:00Z", 660], // 2026-04-05 01:59 +11:00
    ["Australia/Lord_Howe", "2026-04-04T15:00:00Z", 630], // 2026-04-05 01:30 +10:30
    ["America/Santiago", "2026-09-06T03:59:00Z", -240], // 2026-09-05 23:59 -04:00
    ["America/Santiago", "2026-09-06T04:00:00Z", -180], // 2026-09-06 01:00 -03:00, midnight skipped
  ] as const)("%s at %s is %i minutes", (zone, instant, minutes) => {
    expect(offsetAt(zone, at(instant))).toBe(minutes * 60_000);
  });
});

describe("wallTimeAt", () => {
  it.each([
    // NY fall-back: 01:30 happens twice, both read as 01:30 on Sunday 1 November.
    [
      "America/New_York",
      "2026-11-01T05:30:00Z",
      { year: 2026, month: 11, day: 1, weekday: 0, minuteOfDay: 90 },
    ],
    [
      "America/New_York",
      "2026-11-01T06:30:00Z",
      { year: 2026, month: 11, day: 1, weekday: 0, minuteOfDay: 90 },
    ],
    // 2026-06-02 00:00 in Kathmandu (+05:45) is still 1 June in UTC.
    ["Asia/Kathmandu", "2026-06-01T18:15:00Z", { year: 2026, month: 6, day: 2, weekday: 2, minuteOfDay: 0 }],
    // 2026-12-31 19:00 in New York is already 2027 in UTC.
    [
      "America/New_York",
      "2027-01-01T00:00:00Z",
      { year: 2026, month: 12, day: 31, weekday: 4, minuteOfDay: 1140 },
    ],
    // Santiago, first minute of 6 September: 01:00, because midnight is skipped.
    [
      "America/Santiago",
      "2026-09-06T04:00:00Z",
      { year: 2026, month: 9, day: 6, weekday: 0, minuteOfDay: 60 },
    ],
  ] as const)("%s at %s", (zone, instant, expected) => {
    expect(wallTimeAt(zone, at(instant))).toEqual(expected);
  });
});

/** instantOfWallTime for a local date `YYYY-MM-DD` and wall time `HH:MM` (24:00 allowed). */
function wall(zone: string, date: string, hhmm: string): number {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const minutes = Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
  return instantOfWallTime(zone, y, m, d, minutes);
}

describe("instantOfWallTime", () => {
  it.each([
    // zone, local date, local time, expected instant
    ["UTC", "2026-03-08", "02:30", "2026-03-08T02:30:00.000Z"],
    ["America/New_York", "2026-03-08", "00:00", "2026-03-08T05:00:00.000Z"], // midnight EST
    ["America/New_York", "2026-03-08", "01:30", "2026-03-08T06:30:00.000Z"], // 01:30 EST
    ["America/New_York", "2026-03-08", "03:00", "2026-03-08T07:00:00.000Z"], // 03:00 EDT
    ["America/New_York", "2026-03-08", "24:00", "2026-03-09T04:00:00.000Z"], // next midnight, EDT
    ["America/New_York", "2026-11-01", "00:59", "2026-11-01T04:59:00.000Z"], // 00:59 EDT, before the repeat
    ["America/New_York", "2026-11-01", "02:00", "2026-11-01T07:00:00.000Z"], // 02:00 EST, after the repeat
    ["Europe/London", "2026-03-29", "00:30", "2026-03-29T00:30:00.000Z"], // 00:30 GMT
    ["Europe/London", "2026-10-25", "02:00", "2026-10-25T02:00:00.000Z"], // 02:00 GMT
    ["Asia/Kolkata", "2026-06-01", "09:00", "2026-06-01T03:30:00.000Z"], // 09:00 +05:30
    ["Asia/Kolkata", "2026-06-01", "00:00", "2026-05-31T18:30:00.000Z"], // midnight +05:30
    ["Asia/Kathmandu", "2026-06-01", "09:00", "2026-06-01T03:15:00.000Z"], // 09:00 +05:45
    ["Asia/Kathmandu", "2026-06-01", "00:00", "2026-05-31T18:15:00.000Z"], // midnight +05:45
    ["Australia/Lord_Howe", "2026-10-04", "01:59", "2026-10-03T15:29:00.000Z"], // 01:59 +10:30
    ["Australia/Lord_Howe", "2026-10-04", "03:00", "2026-10-03T16:00:00.000Z"], // 03:00 +11:00
    ["Australia/Lord_Howe", "2026-04-05", "02:00", "2026-04-04T15:30:00.000Z"], // 02:00 +10:30, after the repeat
    ["America/Santiago", "2026-04-05", "00:00", "2026-04-05T04:00:00.000Z"], // midnight -04:00, once
  ] as const)("%s %s %s is %s", (zone, date, time, expected) => {
    expect(iso(wall(zone, date, time))).toBe(expected);
  });

  it.each([
    // zone, local date, wall time inside the gap, the transition instant
    ["America/New_York", "2026-03-08", "02:00", "2026-03-08T07:00:00.000Z"], // 02:00 does not exist; 03:00 EDT
    ["America/New_York", "2026-03-08", "02:30", "2026-03-08T07:00:00.000Z"], // 02:30 does not exist; 03:00 EDT
    ["America/New_York", "2026-03-08", "02:59", "2026-03-08T07:00:00.000Z"], // 02:59 does not exist; 03:00 EDT
    ["Europe/London", "2026-03-29", "01:00", "2026-03-29T01:00:00.000Z"], // 01:00 does not exist; 02:00 BST
    ["Europe/London", "2026-03-29", "01:30", "2026-03-29T01:00:00.000Z"], // 01:30 does not exist; 02:00 BST
    ["Australia/Lord_Howe", "2026-10-04", "02:00", "2026-10-03T15:30:00.000Z"], // 30-minute gap; 02:30 +11:00
    ["Australia/Lord_Howe", "2026-10-04", "02:15", "2026-10-03T15:30:00.000Z"], // 30-minute gap; 02:30 +11:00
    ["America/Santiago", "2026-09-06", "00:00", "2026-09-06T04:00:00.000Z"], // skipped midnight; 01:00 -03:00
    ["America/Santiago", "2026-09-06", "00:30", "2026-09-06T04:00:00.000Z"], // skipped; 01:00 -03:00
    ["America/Santiago", "2026-09-05", "24:00", "2026-09-06T04:00:00.000Z"], // end of 5 Sep = 01:00 on 6 Sep
  ] as const)(
    "a wall time in the spring-forward gap maps to the transition instant: %s %s %s",
    (zone, date, time, expected) => {
      expect(iso(wall(zone, date, time))).toBe(expected);
    },
  );

  it.each([
    // zone, local date, repeated wall time, its earlier occurrence (the later one in the comment)
    ["America/New_York", "2026-11-01", "01:00", "2026-11-01T05:00:00.000Z"], // 01:00 EDT (not 06:00Z EST)
    ["America/New_York", "2026-11-01", "01:30", "2026-11-01T05:30:00.000Z"], // 01:30 EDT (not 06:30Z EST)
    ["America/New_York", "2026-11-01", "01:59", "2026-11-01T05:59:00.000Z"], // 01:59 EDT (not 06:59Z EST)
    ["Europe/London", "2026-10-25", "01:00", "2026-10-25T00:00:00.000Z"], // 01:00 BST (not 01:00Z GMT)
    ["Europe/London", "2026-10-25", "01:30", "2026-10-25T00:30:00.000Z"], // 01:30 BST (not 01:30Z GMT)
    ["Australia/Lord_Howe", "2026-04-05", "01:30", "2026-04-04T14:30:00.000Z"], // 01:30 +11:00 (not 15:00Z +10:30)
    ["Australia/Lord_Howe", "2026-04-05", "01:45", "2026-04-04T14:45:00.000Z"], // 01:45 +11:00 (not 15:15Z +10:30)
    ["America/Santiago", "2026-04-04", "23:30", "2026-04-05T02:30:00.000Z"], // 23:30 -03:00 (not 03:30Z -04:00)
  ] as const)(
    "a repeated wall time maps to its earlier occurrence: %s %s %s",
    (zone, date, time, expected) => {
      expect(iso(wall(zone, date, time))).toBe(expected);
    },
  );

  it("lets day and minute overflow into the next month", () => {
    // 32 January 09:00 in New York is 1 February 09:00 EST.
    expect(iso(instantOfWallTime("America/New_York", 2026, 1, 32, 9 * 60))).toBe("2026-02-01T14:00:00.000Z");
    // 31 March 24:00 in Kolkata is 1 April 00:00 +05:30.
    expect(iso(instantOfWallTime("Asia/Kolkata", 2026, 3, 31, 24 * 60))).toBe("2026-03-31T18:30:00.000Z");
  });

  it("inverts wallTimeAt on every minute of a non-transition hour", () => {
    for (const zone of ["Asia/Kathmandu", "Australia/Lord_Howe", "America/New_York"]) {
      for (let t = at("2026-06-10T00:00:00Z"); t < at("2026-06-10T01:00:00Z"); t += 60_000) {
        const w = wallTimeAt(zone, t);
        expect(instantOfWallTime(zone, w.year, w.month, w.day, w.minuteOfDay)).toBe(t);
      }
    }
  });
});

describe("localDaysBetween", () => {
  const lengths = (zone: string, from: string, to: string) =>
    localDaysBetween(zone, at(from), at(to)).map((d) => [d.key, iso(d.start), (d.end - d.start) / HOUR]);

  it("gives New York's spring-forward day 23 hours and its fall-back day 25", () => {
    expect(lengths("America/New_York", "2026-03-07T12:00:00Z", "2026-03-09T12:00:00Z")).toEqual([
      ["2026-03-07", "2026-03-07T05:00:00.000Z", 24], // Sat 00:00 EST
      ["2026-03-08", "2026-03-08T05:00:00.000Z", 23], // Sun 00:00 EST .. Mon 00:00 EDT
      ["2026-03-09", "2026-03-09T04:00:00.000Z", 24], // Mon 00:00 EDT
    ]);
    expect(lengths("America/New_York", "2026-11-01T04:00:00Z", "2026-11-02T05:00:00Z")).toEqual([
      ["2026-11-01", "2026-11-01T04:00:00.000Z", 25], // Sun 00:00 EDT .. Mon 00:00 EST
    ]);
  });

  it("gives Lord Howe's transition days 23.5 and 24.5 hours", () => {
    expect(lengths("Australia/Lord_Howe", "2026-10-03T14:00:00Z", "2026-10-03T14:00:01Z")).toEqual([
      ["2026-10-04", "2026-10-03T13:30:00.000Z", 23.5], // Sun 00:00 +10:30 .. Mon 00:00 +11:00
    ]);
    expect(lengths("Australia/Lord_Howe", "2026-04-04T14:00:00Z", "2026-04-04T14:00:01Z")).toEqual([
      ["2026-04-05", "2026-04-04T13:00:00.000Z", 24.5], // Sun 00:00 +11:00 .. Mon 00:00 +10:30
    ]);
  });

  it("starts Santiago's 6 September at 01:00, because its midnight is skipped", () => {
    expect(lengths("America/Santiago", "2026-09-05T12:00:00Z", "2026-09-06T12:00:00Z")).toEqual([
      ["2026-09-05", "2026-09-05T04:00:00.000Z", 24], // Sat 00:00 -04:00
      ["2026-09-06", "2026-09-06T04:00:00.000Z", 23], // Sun 01:00 -03:00 (00:00 never happens)
    ]);
    // Fall-back at midnight: 23:00-24:00 on 4 April happens twice.
    expect(lengths("America/Santiago", "2026-04-04T12:00:00Z", "2026-04-04T12:00:01Z")).toEqual([
      ["2026-04-04", "2026-04-04T03:00:00.000Z", 25], // Sat 00:00 -03:00 .. Sun 00:00 -04:00
    ]);
  });

  it("returns whole days for a range that starts and ends inside days, across a month end", () => {
    const days = localDaysBetween("Asia/Kolkata", at("2026-01-31T12:00:00Z"), at("2026-01-31T20:00:00Z"));
    // 17:30 IST on 31 Jan .. 01:30 IST on 1 Feb
    expect(days.map((d) => [d.key, d.weekday, iso(d.start), iso(d.end)])).toEqual([
      ["2026-01-31", 6, "2026-01-30T18:30:00.000Z", "2026-01-31T18:30:00.000Z"],
      ["2026-02-01", 0, "2026-01-31T18:30:00.000Z", "2026-02-01T18:30:00.000Z"],
    ]);
  });

  it("treats the range as half-open: a range ending at midnight does not reach the next day", () => {
    const days = localDaysBetween("America/New_York", at("2026-03-09T04:00:00Z"), at("2026-03-10T04:00:00Z"));
    expect(days.map((d) => d.key)).toEqual(["2026-03-09"]); // Mon 00:00 EDT .. Tue 00:00 EDT
  });

  it("chains days without gaps or overlaps across a whole DST year", () => {
    for (const zone of ["America/New_York", "Australia/Lord_Howe", "America/Santiago", "Asia/Kathmandu"]) {
      const days = localDaysBetween(zone, at("2026-01-01T00:00:00Z"), at("2027-01-01T00:00:00Z"));
      expect(days.length).toBeGreaterThanOrEqual(365);
      for (let i = 1; i < days.length; i++) expect(days[i]!.start).toBe(days[i - 1]!.end);
      expect(new Set(days.map((d) => d.key)).size).toBe(days.length);
    }
  });
});

describe("formatLocal", () => {
  it.each([
    ["America/New_York", "2026-03-09T13:00:00Z", "2026-03-09T09:00:00-04:00"],
    ["America/New_York", "2026-11-01T05:30:00Z", "2026-11-01T01:30:00-04:00"], // first 01:30
    ["America/New_York", "2026-11-01T06:30:00Z", "2026-11-01T01:30:00-05:00"], // second 01:30
    ["Asia/Kolkata", "2026-06-01T03:30:00Z", "2026-06-01T09:00:00+05:30"],
    ["Asia/Kathmandu", "2026-06-01T03:15:00Z", "2026-06-01T09:00:00+05:45"],
    ["Australia/Lord_Howe", "2026-10-03T15:30:00Z", "2026-10-04T02:30:00+11:00"],
    ["UTC", "2026-06-01T03:15:00Z", "2026-06-01T03:15:00+00:00"],
  ] as const)("%s at %s is %s", (zone, instant, expected) => {
    expect(formatLocal(zone, at(instant))).toBe(expected);
  });
});

// date-fns-tz is the independent oracle here: the core formats through Intl offsets itself, because
// date-fns-tz's getTimezoneOffset reads its date in the machine's zone and its formatter costs
// ~200 ms of start-up that `openavail mcp` cannot afford.
describe("formatLocal agrees with date-fns-tz", () => {
  const zones = [
    "UTC",
    "America/New_York",
    "Europe/London",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Australia/Lord_Howe",
    "America/Santiago",
    "Pacific/Chatham",
  ];
  it("for any instant of 2000-2040 in zones with odd offsets and DST rules", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({
          min: Date.parse("2000-01-01T00:00:00Z") / 60_000,
          max: Date.parse("2040-01-01T00:00:00Z") / 60_000,
        }),
        (zone, minute) => {
          const instant = minute * 60_000;
          expect(formatLocal(zone, instant)).toBe(
            formatInTimeZone(instant, zone, "yyyy-MM-dd'T'HH:mm:ssxxx"),
          );
        },
      ),
      { numRuns: 2000 },
    );
  });
});
