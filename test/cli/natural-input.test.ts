// What a person types for times and lengths (src/cli/agent/natural-input.ts), with an injected now:
// lengths, days (weekdays are the next one, today excluded), clock times and ranges, wall times read
// in a zone (DST days are 23 or 25 hours long), and a UsageError naming the option for bad input.
import { describe, expect, it } from "vitest";
import {
  atWallTime,
  parseClock,
  parseClockRange,
  parseDay,
  parseLength,
  parseWhen,
  rangeFrom,
} from "../../src/cli/agent/natural-input.js";
import { UsageError } from "../../src/cli/commands/admin-env.js";

// Monday 2026-03-02 12:00Z: 07:00 in New York, 13:00 in Berlin, 21:00 in Tokyo.
const NOW = Date.parse("2026-03-02T12:00:00Z");
const HOUR = 3_600_000;

/** The UsageError `run` throws; fails when it throws nothing or something else. */
function usageError(run: () => unknown): UsageError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return err as UsageError;
  }
  throw new Error("expected a UsageError");
}

const hours = (r: { start: string; end: string } | undefined) =>
  (Date.parse(r!.end) - Date.parse(r!.start)) / HOUR;

describe("parseLength", () => {
  it.each([
    ["30m", 30],
    ["1h30m", 90],
    ["90", 90],
    ["2h", 120],
    ["1d", 1440],
    ["120s", 2],
    [" 45M ", 45],
  ])("%j is %i minutes", (text, minutes) => {
    expect(parseLength("--duration", text, "m")).toBe(minutes);
  });

  it("counts in seconds for --ttl, a bare number being seconds", () => {
    expect(parseLength("--ttl", "5m", "s")).toBe(300);
    expect(parseLength("--ttl", "300", "s")).toBe(300);
    expect(parseLength("--ttl", "2", "s", "m")).toBe(120);
  });

  it.each(["abc", "", "1.5h", "-5", "90s", "1h 30m", "m30", "30 minutes"])(
    "refuses %j, naming the option and the forms that work",
    (text) => {
      const err = usageError(() => parseLength("--duration", text, "m"));
      expect(err.message).toBe(
        `--duration "${text}" is not a length in whole minutes: write it like 30m, 1h30m or 90`,
      );
    },
  );
});

describe("parseDay", () => {
  it.each([
    ["today", { year: 2026, month: 3, day: 2 }],
    ["tomorrow", { year: 2026, month: 3, day: 3 }],
    ["TUESDAY", { year: 2026, month: 3, day: 3 }],
    ["saturday", { year: 2026, month: 3, day: 7 }],
    ["sunday", { year: 2026, month: 3, day: 8 }],
    // Today is a Monday: "monday" is the next one, a week on, never today.
    ["monday", { year: 2026, month: 3, day: 9 }],
    ["2026-12-08", { year: 2026, month: 12, day: 8 }],
    ["2028-02-29", { year: 2028, month: 2, day: 29 }],
  ])("%j in New York on Monday 2026-03-02 is %j", (text, date) => {
    expect(parseDay("--on", text, "America/New_York", NOW)).toEqual(date);
  });

  it("counts from today in the zone given, not in UTC", () => {
    // 2026-03-02T03:00Z is still Sunday evening in New York: "monday" is the next day there.
    const lateSunday = Date.parse("2026-03-02T03:00:00Z");
    expect(parseDay("--on", "today", "America/New_York", lateSunday)).toEqual({
      year: 2026,
      month: 3,
      day: 1,
    });
    expect(parseDay("--on", "monday", "America/New_York", lateSunday)).toEqual({
      year: 2026,
      month: 3,
      day: 2,
    });
    expect(parseDay("--on", "monday", "UTC", lateSunday)).toEqual({ year: 2026, month: 3, day: 9 });
    // ...and already Tuesday in Tokyo at 2026-03-02T20:00Z.
    expect(parseDay("--on", "today", "Asia/Tokyo", NOW + 8 * HOUR)).toEqual({ year: 2026, month: 3, day: 3 });
  });

  it("rolls over month and year ends", () => {
    const newYearsEve = Date.parse("2026-12-31T12:00:00Z");
    expect(parseDay("--on", "tomorrow", "UTC", newYearsEve)).toEqual({ year: 2027, month: 1, day: 1 });
    expect(parseDay("--on", "friday", "UTC", newYearsEve)).toEqual({ year: 2027, month: 1, day: 1 });
  });

  it.each(["2026-02-29", "2026-13-01", "2026-3-1", "funday", "next week", ""])(
    "refuses %j, naming the option",
    (text) => {
      const err = usageError(() => parseDay("--on", text, "UTC", NOW));
      expect(err.message).toMatch(new RegExp(`^--on "${text}" is not a day: write today, tomorrow`));
    },
  );
});

describe("parseClock and parseClockRange", () => {
  it("read HH:MM as minutes after midnight, 24:00 being the day's end", () => {
    expect(parseClock("--at", "09:00")).toBe(540);
    expect(parseClock("--at", "9:30")).toBe(570);
    expect(parseClock("--at", "00:00")).toBe(0);
    expect(parseClock("--at", "24:00")).toBe(1440);
    expect(parseClockRange("--between", "09:00-12:00")).toEqual([540, 720]);
    expect(parseClockRange("--between", "22:00-24:00")).toEqual([1320, 1440]);
  });

  it.each(["24:01", "12:60", "9", "noon", "9am", "-1:00"])("--at refuses %j", (text) => {
    expect(usageError(() => parseClock("--at", text)).message).toBe(
      `--at "${text}" is not a time of day: write it like 09:00 or 14:30`,
    );
  });

  it.each([
    ["12:00-09:00", "ends before it starts"],
    ["09:00-09:00", "ends before it starts"],
    ["09:00", "is not a time range"],
    ["09:00-10:00-11:00", "is not a time range"],
  ])("--between refuses %j: %s", (text, why) => {
    expect(usageError(() => parseClockRange("--between", text)).message).toContain(
      `--between "${text}" ${why}`,
    );
  });

  it("--between names itself for a bad clock inside the range", () => {
    expect(usageError(() => parseClockRange("--between", "09:00-25:00")).message).toMatch(
      /^--between "25:00"/,
    );
  });
});

describe("parseWhen", () => {
  it("keeps an RFC 3339 instant with Z or an offset as given, whatever the zone", () => {
    expect(parseWhen("--start", "2026-12-08T10:00:00Z", "Asia/Tokyo", NOW)).toBe("2026-12-08T10:00:00.000Z");
    expect(parseWhen("--start", "2026-12-08T10:00:00+02:00", "UTC", NOW)).toBe("2026-12-08T08:00:00.000Z");
    expect(parseWhen("--start", "2026-12-08T10:00:00-05:00", "Europe/Berlin", NOW)).toBe(
      "2026-12-08T15:00:00.000Z",
    );
  });

  it("reads a wall time, a bare date (its midnight) or tomorrow in the zone", () => {
    expect(parseWhen("--start", "2026-12-08 10:00", "Europe/Berlin", NOW)).toBe("2026-12-08T09:00:00.000Z");
    expect(parseWhen("--start", "2026-12-08T10:00", "Europe/Berlin", NOW)).toBe("2026-12-08T09:00:00.000Z");
    expect(parseWhen("--start", "2026-07-08 10:00", "Europe/Berlin", NOW)).toBe("2026-07-08T08:00:00.000Z");
    expect(parseWhen("--start", "2026-12-08 10:00", "America/New_York", NOW)).toBe(
      "2026-12-08T15:00:00.000Z",
    );
    expect(parseWhen("--start", "2026-12-08", "Europe/Berlin", NOW)).toBe("2026-12-07T23:00:00.000Z");
    expect(parseWhen("--start", "tomorrow", "America/New_York", NOW)).toBe("2026-03-03T05:00:00.000Z");
  });

  it("takes a skipped wall time as the transition and a repeated one as its first occurrence", () => {
    // Berlin skips 02:00-03:00 on 2026-03-29 and repeats 02:00-03:00 on 2026-10-25.
    expect(parseWhen("--start", "2026-03-29 02:30", "Europe/Berlin", NOW)).toBe("2026-03-29T01:00:00.000Z");
    expect(parseWhen("--start", "2026-10-25 02:30", "Europe/Berlin", NOW)).toBe("2026-10-25T00:30:00.000Z");
  });

  it.each([
    ["2026-13-08T10:00:00Z", /is not an RFC 3339 instant/],
    ["2026-12-08T10:00:00+25:00", /is not an RFC 3339 instant/],
    ["next week", /is not a time: write 2026-12-08T09:00:00Z, "2026-12-08 09:00"/],
    ["2026-12-32 10:00", /is not a time/],
  ])("refuses %j naming the option", (text, message) => {
    const err = usageError(() => parseWhen("--from", text, "UTC", NOW));
    expect(err.message).toMatch(/^--from "/);
    expect(err.message).toMatch(message);
  });
});

describe("rangeFrom", () => {
  it("--on is the whole local day; --between narrows it to those hours", () => {
    expect(rangeFrom({ on: "tomorrow" }, "America/New_York", NOW)).toEqual({
      start: "2026-03-03T05:00:00.000Z",
      end: "2026-03-04T05:00:00.000Z",
    });
    expect(rangeFrom({ on: "tuesday", between: "09:00-12:00" }, "America/New_York", NOW)).toEqual({
      start: "2026-03-03T14:00:00.000Z",
      end: "2026-03-03T17:00:00.000Z",
    });
  });

  it.each([
    ["Europe/Berlin", "2026-03-29", 23, "2026-03-28T23:00:00.000Z"],
    ["Europe/Berlin", "2026-10-25", 25, "2026-10-24T22:00:00.000Z"],
    ["Europe/Berlin", "2026-03-30", 24, "2026-03-29T22:00:00.000Z"],
    ["America/New_York", "2026-03-08", 23, "2026-03-08T05:00:00.000Z"],
    ["America/New_York", "2026-11-01", 25, "2026-11-01T04:00:00.000Z"],
    ["UTC", "2026-03-29", 24, "2026-03-29T00:00:00.000Z"],
  ])("in %s, --on %s is %i hours from local midnight", (zone, day, length, start) => {
    const range = rangeFrom({ on: day }, zone, NOW);
    expect(range!.start).toBe(start);
    expect(hours(range)).toBe(length);
  });

  it("hours across a DST change are counted as the clock shows them", () => {
    // 01:00-04:00 in Berlin on 2026-03-29 is two real hours: 02:00-03:00 does not exist.
    expect(hours(rangeFrom({ on: "2026-03-29", between: "01:00-04:00" }, "Europe/Berlin", NOW))).toBe(2);
    expect(hours(rangeFrom({ on: "2026-11-01", between: "00:00-03:00" }, "America/New_York", NOW))).toBe(4);
  });

  it("--from and --to read instants, dates and wall times", () => {
    expect(rangeFrom({ from: "2026-03-03", to: "2026-03-04 12:00" }, "Asia/Kolkata", NOW)).toEqual({
      start: "2026-03-02T18:30:00.000Z",
      end: "2026-03-04T06:30:00.000Z",
    });
    expect(
      rangeFrom({ from: "2026-03-03T00:00:00Z", to: "2026-03-04T00:00:00Z" }, "Asia/Tokyo", NOW),
    ).toEqual({
      start: "2026-03-03T00:00:00.000Z",
      end: "2026-03-04T00:00:00.000Z",
    });
  });

  it("is undefined when no option gives a range", () => {
    expect(rangeFrom({}, "UTC", NOW)).toBeUndefined();
  });

  it.each([
    [{ between: "09:00-12:00" }, "--between needs --on: --on tomorrow --between 09:00-12:00"],
    [{ on: "monday", from: "2026-03-03" }, "give --on (with --between) or --from and --to, not both"],
    [{ on: "monday", to: "2026-03-03" }, "give --on (with --between) or --from and --to, not both"],
    [{ from: "2026-03-03" }, "give --from and --to together"],
    [{ to: "2026-03-03" }, "give --from and --to together"],
  ])("refuses %j", (options, message) => {
    expect(usageError(() => rangeFrom(options, "UTC", NOW)).message).toBe(message);
  });

  it("names the options it was given, for the alternatives window", () => {
    const flags = { from: "--alternatives-from", to: "--alternatives-to" };
    expect(usageError(() => rangeFrom({ to: "2026-03-03" }, "UTC", NOW, flags)).message).toBe(
      "give --alternatives-from and --alternatives-to together",
    );
    expect(usageError(() => rangeFrom({ from: "x", to: "y" }, "UTC", NOW, flags)).message).toMatch(
      /^--alternatives-from "x" is not a time/,
    );
    expect(usageError(() => rangeFrom({ on: "funday" }, "UTC", NOW)).message).toMatch(/^--on "funday"/);
  });
});

describe("atWallTime", () => {
  it("lets the minute of day overflow into the next day", () => {
    expect(atWallTime("Europe/Berlin", { year: 2026, month: 3, day: 28 }, 1440)).toBe(
      "2026-03-28T23:00:00.000Z",
    );
    expect(atWallTime("Europe/Berlin", { year: 2026, month: 3, day: 29 }, 1440)).toBe(
      "2026-03-29T22:00:00.000Z",
    );
  });
});
