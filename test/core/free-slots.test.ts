// The free-slot engine, pinned case by case (literal instants, local time in comments), then checked
// against a naive minute-by-minute oracle that reads wall time through its own Intl formatter.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AvailabilityRules, type AvailabilityRulesInput } from "../../schemas/rules.js";
import { busyBlocks, findFreeSlots, nearestSlots, type SlotQuery } from "../../src/core/free-slots.js";
import { type Interval, interval, overlaps, totalLength } from "../../src/core/interval.js";
import { compileRules, workingTime } from "../../src/core/rules.js";
import { formatLocal, localDaysBetween } from "../../src/core/zoned-time.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const at = (iso: string) => Date.parse(iso);
const span = (start: string, end: string) => interval(at(start), at(end));

const EVERY_DAY = (start: string, end: string) => ({
  mon: { start, end },
  tue: { start, end },
  wed: { start, end },
  thu: { start, end },
  fri: { start, end },
  sat: { start, end },
  sun: { start, end },
});

/** A query with defaults: no busy time, 30-minute meetings on a 15-minute grid, `now` = window start. */
function query(
  rules: AvailabilityRulesInput,
  window: Interval,
  extra: Partial<Omit<SlotQuery, "rules" | "window">> = {},
): SlotQuery {
  return {
    busy: [],
    rules: compileRules(AvailabilityRules.parse(rules), "UTC"),
    window,
    durationMs: 30 * MINUTE,
    granularityMs: 15 * MINUTE,
    now: window.start,
    ...extra,
  };
}

/** Slot starts as wall time with offset in `zone`, the form `local_start` takes on the wire. */
const localStarts = (zone: string, slots: readonly Interval[]) =>
  slots.map((s) => formatLocal(zone, s.start));

describe("working hours across DST (America/New_York)", () => {
  const ny = { timezone: "America/New_York", working_hours: EVERY_DAY("09:00", "17:00") };

  it.each([
    // spring-forward Sunday: 09:00 EDT = 13:00Z .. 17:00 EDT = 21:00Z
    ["2026-03-08", "2026-03-08T05:00:00Z", "2026-03-09T04:00:00Z", "2026-03-08T13:00:00Z"],
    // fall-back Sunday: 09:00 EST = 14:00Z .. 17:00 EST = 22:00Z
    ["2026-11-01", "2026-11-01T04:00:00Z", "2026-11-02T05:00:00Z", "2026-11-01T14:00:00Z"],
  ])("09:00-17:00 is 8 hours on %s", (_day, dayStart, dayEnd, nineAm) => {
    const q = query(ny, span(dayStart, dayEnd), { durationMs: HOUR, granularityMs: HOUR });
    const working = workingTime(q.rules, localDaysBetween("America/New_York", at(dayStart), at(dayEnd)));
    expect(working).toEqual([interval(at(nineAm), at(nineAm) + 8 * HOUR)]);
    const slots = findFreeSlots(q, Number.POSITIVE_INFINITY);
    expect(slots).toHaveLength(8);
    expect(localStarts("America/New_York", slots).map((s) => s.slice(11, 16))).toEqual([
      "09:00",
      "10:00",
      "11:00",
      "12:00",
      "13:00",
      "14:00",
      "15:00",
      "16:00",
    ]);
  });

  it("working hours spanning the missing hour are shortened, not shifted", () => {
    // 01:00-04:00 on 2026-03-08: 01:00 EST = 06:00Z .. 04:00 EDT = 08:00Z, two real hours.
    const q = query(
      { ...ny, working_hours: EVERY_DAY("01:00", "04:00") },
      span("2026-03-08T05:00:00Z", "2026-03-09T04:00:00Z"),
      { durationMs: HOUR, granularityMs: HOUR },
    );
    const working = workingTime(q.rules, localDaysBetween("America/New_York", q.window.start, q.window.end));
    expect(working).toEqual([span("2026-03-08T06:00:00Z", "2026-03-08T08:00:00Z")]);
    expect(localStarts("America/New_York", findFreeSlots(q, 10))).toEqual([
      "2026-03-08T01:00:00-05:00",
      "2026-03-08T03:00:00-04:00",
    ]);
  });

  it("working hours spanning the repeated hour include both passes of it", () => {
    // 01:00-04:00 on 2026-11-01: 01:00 EDT = 05:00Z .. 04:00 EST = 09:00Z, four real hours.
    const q = query(
      { ...ny, working_hours: EVERY_DAY("01:00", "04:00") },
      span("2026-11-01T04:00:00Z", "2026-11-02T05:00:00Z"),
      { durationMs: HOUR, granularityMs: HOUR },
    );
    expect(localStarts("America/New_York", findFreeSlots(q, 10))).toEqual([
      "2026-11-01T01:00:00-04:00",
      "2026-11-01T01:00:00-05:00",
      "2026-11-01T02:00:00-05:00",
      "2026-11-01T03:00:00-05:00",
    ]);
  });

  it("working hours inside the gap give no time at all that day", () => {
    const q = query(
      { ...ny, working_hours: EVERY_DAY("02:00", "03:00") },
      span("2026-03-08T05:00:00Z", "2026-03-09T04:00:00Z"), // Sun 2026-03-08, whole local day
    );
    expect(findFreeSlots(q, 10)).toEqual([]);
  });
});

describe("working hours at the end of the day", () => {
  const monday = span("2026-03-09T04:00:00Z", "2026-03-10T04:00:00Z"); // Mon 00:00 EDT .. Tue 00:00 EDT

  it("a day ending 23:59 leaves its last minute unbookable", () => {
    const q = query(
      { timezone: "America/New_York", working_hours: { mon: { start: "23:00", end: "23:59" } } },
      monday,
    );
    expect(localStarts("America/New_York", findFreeSlots(q, 10))).toEqual([
      "2026-03-09T23:00:00-04:00",
      "2026-03-09T23:15:00-04:00", // ends 23:45; 23:30 would end at 00:00, after 23:59
    ]);
  });

  it("a day ending 24:00 runs to midnight", () => {
    const q = query(
      { timezone: "America/New_York", working_hours: { mon: { start: "23:00", end: "24:00" } } },
      monday,
    );
    expect(localStarts("America/New_York", findFreeSlots(q, 10))).toEqual([
      "2026-03-09T23:00:00-04:00",
      "2026-03-09T23:15:00-04:00",
      "2026-03-09T23:30:00-04:00", // ends exactly at 24:00
    ]);
  });

  it("24:00 followed by a day starting 00:00 lets a meeting cross midnight", () => {
    const q = query(
      {
        timezone: "America/New_York",
        working_hours: { mon: { start: "23:00", end: "24:00" }, tue: { start: "00:00", end: "01:00" } },
      },
      span("2026-03-10T03:00:00Z", "2026-03-10T05:00:00Z"), // Mon 23:00 EDT .. Tue 01:00 EDT
      { durationMs: HOUR, granularityMs: 30 * MINUTE },
    );
    expect(localStarts("America/New_York", findFreeSlots(q, 10))).toEqual([
      "2026-03-09T23:00:00-04:00",
      "2026-03-09T23:30:00-04:00", // crosses local midnight
      "2026-03-10T00:00:00-04:00",
    ]);
  });
});

describe("windows crossing local midnight and month ends", () => {
  it.each([
    [
      "Asia/Kolkata, 31 Jan into 1 Feb",
      "Asia/Kolkata",
      "2026-01-31T17:30:00Z", // 2026-01-31 23:00 IST
      "2026-01-31T19:30:00Z", // 2026-02-01 01:00 IST
      ["2026-01-31T23:00:00+05:30", "2026-01-31T23:30:00+05:30", "2026-02-01T00:00:00+05:30"],
    ],
    [
      "America/New_York, New Year's Eve",
      "America/New_York",
      "2027-01-01T04:00:00Z", // 2026-12-31 23:00 EST
      "2027-01-01T06:00:00Z", // 2027-01-01 01:00 EST
      ["2026-12-31T23:00:00-05:00", "2026-12-31T23:30:00-05:00", "2027-01-01T00:00:00-05:00"],
    ],
    [
      "Asia/Kathmandu, 30 Apr into 1 May",
      "Asia/Kathmandu",
      "2026-04-30T17:15:00Z", // 2026-04-30 23:00 +05:45
      "2026-04-30T19:15:00Z", // 2026-05-01 01:00 +05:45
      ["2026-04-30T23:00:00+05:45", "2026-04-30T23:30:00+05:45", "2026-05-01T00:00:00+05:45"],
    ],
  ])("%s", (_name, zone, start, end, expected) => {
    const q = query({ timezone: zone }, span(start, end), { durationMs: HOUR, granularityMs: 30 * MINUTE });
    expect(localStarts(zone, findFreeSlots(q, 10))).toEqual(expected);
  });
});

describe("the slot grid is counted from local midnight", () => {
  it.each([
    // zone, granularity (min), window start (local in comment), first slots expected
    [
      "Asia/Kolkata",
      60,
      "2026-06-01T03:00:00Z", // 08:30 IST; a UTC grid would give 04:00Z = 09:30 IST
      ["2026-06-01T09:00:00+05:30", "2026-06-01T10:00:00+05:30", "2026-06-01T11:00:00+05:30"],
    ],
    [
      "Asia/Kathmandu",
      60,
      "2026-06-01T03:00:00Z", // 08:45 NPT
      ["2026-06-01T09:00:00+05:45", "2026-06-01T10:00:00+05:45", "2026-06-01T11:00:00+05:45"],
    ],
    [
      "Asia/Kathmandu",
      30,
      "2026-06-01T03:20:00Z", // 09:05 NPT
      ["2026-06-01T09:30:00+05:45", "2026-06-01T10:00:00+05:45", "2026-06-01T10:30:00+05:45"],
    ],
    [
      "Asia/Kathmandu",
      15,
      "2026-06-01T03:23:00Z", // 09:08 NPT
      ["2026-06-01T09:15:00+05:45", "2026-06-01T09:30:00+05:45", "2026-06-01T09:45:00+05:45"],
    ],
  ])("%s, every %i minutes", (zone, minutes, start, expected) => {
    const q = query({ timezone: zone }, interval(at(start), at(start) + 8 * HOUR), {
      granularityMs: minutes * MINUTE,
    });
    const slots = findFreeSlots(q, Number.POSITIVE_INFINITY);
    expect(localStarts(zone, slots.slice(0, 3))).toEqual(expected);
    for (const s of localStarts(zone, slots)) expect(Number(s.slice(14, 16)) % minutes).toBe(0);
  });

  it("stays on the wall-clock hour through Lord Howe's 30-minute DST change", () => {
    // Regression: the grid used to be counted in elapsed time from midnight, so after 02:00 +10:30
    // became 02:30 +11:00 every hourly slot of 2026-10-04 started at :30 local.
    const q = query(
      { timezone: "Australia/Lord_Howe" },
      span("2026-10-03T13:30:00Z", "2026-10-03T19:00:00Z"), // 2026-10-04 00:00 +10:30 .. 06:00 +11:00
      { durationMs: HOUR, granularityMs: HOUR },
    );
    expect(localStarts("Australia/Lord_Howe", findFreeSlots(q, 10))).toEqual([
      "2026-10-04T00:00:00+10:30",
      "2026-10-04T01:00:00+10:30",
      "2026-10-04T03:00:00+11:00", // 01:00 +10:30 + 1 h of elapsed time is 02:30 +11:00, off the grid
      "2026-10-04T04:00:00+11:00",
      "2026-10-04T05:00:00+11:00",
    ]);
  });

  it("stays on the wall-clock hour through Lord Howe's 30-minute fall-back", () => {
    const q = query(
      { timezone: "Australia/Lord_Howe" },
      span("2026-04-04T13:00:00Z", "2026-04-04T18:30:00Z"), // 2026-04-05 00:00 +11:00 .. 05:00 +10:30
      { durationMs: HOUR, granularityMs: HOUR },
    );
    expect(localStarts("Australia/Lord_Howe", findFreeSlots(q, 10))).toEqual([
      "2026-04-05T00:00:00+11:00",
      "2026-04-05T01:00:00+11:00",
      "2026-04-05T02:00:00+10:30", // 01:30-02:00 happens twice; neither pass is on the hourly grid
      "2026-04-05T03:00:00+10:30",
      "2026-04-05T04:00:00+10:30",
    ]);
  });

  it("keeps a 90-minute grid on the wall clock across New York's missing hour", () => {
    // Regression: a jump computed in EST from 01:59 overshot 03:00 EDT, the first grid point after the gap.
    const q = query(
      { timezone: "America/New_York" },
      span("2026-03-08T05:00:00Z", "2026-03-08T10:00:00Z"), // 00:00 EST .. 06:00 EDT
      { durationMs: 30 * MINUTE, granularityMs: 90 * MINUTE },
    );
    expect(localStarts("America/New_York", findFreeSlots(q, 10))).toEqual([
      "2026-03-08T00:00:00-05:00",
      "2026-03-08T01:30:00-05:00",
      "2026-03-08T03:00:00-04:00", // 02:00-03:00 does not exist; 03:00 is 90 minutes x 2 after midnight
      "2026-03-08T04:30:00-04:00",
    ]);
  });

  it("offers a grid point in both passes of a repeated wall time", () => {
    // Regression: stepping by one granule of elapsed time skipped the second 01:30 on Lord Howe.
    const q = query(
      { timezone: "Australia/Lord_Howe" },
      span("2026-04-04T14:30:00Z", "2026-04-04T16:30:00Z"), // 01:30 +11:00 .. 03:00 +10:30
      { durationMs: 15 * MINUTE, granularityMs: 45 * MINUTE },
    );
    expect(localStarts("Australia/Lord_Howe", findFreeSlots(q, 10))).toEqual([
      "2026-04-05T01:30:00+11:00",
      "2026-04-05T01:30:00+10:30", // the same wall time again, 30 minutes later
      "2026-04-05T02:15:00+10:30",
    ]);
  });

  it("restarts a grid that does not divide the day at each local midnight", () => {
    // Regression: with 7-minute steps, 23:55 + 7 minutes skipped the next day's own 00:00.
    const q = query({ timezone: "UTC" }, span("2026-01-31T23:40:00Z", "2026-02-01T00:15:00Z"), {
      durationMs: 5 * MINUTE,
      granularityMs: 7 * MINUTE,
    });
    expect(findFreeSlots(q, 10).map((s) => new Date(s.start).toISOString())).toEqual([
      "2026-01-31T23:41:00.000Z", // 7 x 203 minutes after midnight
      "2026-01-31T23:48:00.000Z",
      "2026-01-31T23:55:00.000Z", // ends 24:00
      "2026-02-01T00:00:00.000Z", // the new day's grid
      "2026-02-01T00:07:00.000Z",
    ]);
  });

  it("starts Santiago's 6 September at 01:00, its first minute, because midnight is skipped", () => {
    const q = query(
      { timezone: "America/Santiago" },
      span("2026-09-06T02:00:00Z", "2026-09-06T06:00:00Z"), // 2026-09-05 22:00 -04:00 .. 2026-09-06 03:00 -03:00
      { durationMs: HOUR, granularityMs: HOUR },
    );
    expect(localStarts("America/Santiago", findFreeSlots(q, 10))).toEqual([
      "2026-09-05T22:00:00-04:00",
      "2026-09-05T23:00:00-04:00", // ends at 01:00 -03:00, the next real instant after 23:59:59
      "2026-09-06T01:00:00-03:00",
      "2026-09-06T02:00:00-03:00",
    ]);
  });
});

describe("rules that remove time", () => {
  const ny = { timezone: "America/New_York", working_hours: EVERY_DAY("09:00", "17:00") };
  const mondayMorning = span("2026-03-09T13:00:00Z", "2026-03-09T17:00:00Z"); // Mon 09:00-13:00 EDT

  it("buffers widen every busy interval on both sides", () => {
    const q = query({ ...ny, buffer_before_minutes: 15, buffer_after_minutes: 15 }, mondayMorning, {
      busy: [span("2026-03-09T14:00:00Z", "2026-03-09T15:00:00Z")], // 10:00-11:00 EDT
    });
    expect(localStarts("America/New_York", findFreeSlots(q, 4))).toEqual([
      "2026-03-09T09:00:00-04:00",
      "2026-03-09T09:15:00-04:00", // ends 09:45, where the buffer before 10:00 begins
      "2026-03-09T11:15:00-04:00", // the buffer after 11:00 ends at 11:15
      "2026-03-09T11:30:00-04:00",
    ]);
  });

  it("an asymmetric buffer applies only on its own side", () => {
    const q = query({ ...ny, buffer_before_minutes: 30, buffer_after_minutes: 0 }, mondayMorning, {
      busy: [span("2026-03-09T14:00:00Z", "2026-03-09T15:00:00Z")], // 10:00-11:00 EDT
    });
    expect(localStarts("America/New_York", findFreeSlots(q, 3))).toEqual([
      "2026-03-09T09:00:00-04:00", // ends 09:30, where the 30-minute buffer before 10:00 begins
      "2026-03-09T11:00:00-04:00", // no buffer after
      "2026-03-09T11:15:00-04:00",
    ]);
  });

  it("minimum notice moves the first slot to the next grid point after now + notice", () => {
    const q = query({ ...ny, min_notice_minutes: 60 }, mondayMorning, {
      now: at("2026-03-09T13:07:00Z"), // 09:07 EDT, so nothing before 10:07
    });
    expect(localStarts("America/New_York", findFreeSlots(q, 2))).toEqual([
      "2026-03-09T10:15:00-04:00",
      "2026-03-09T10:30:00-04:00",
    ]);
  });

  it("nothing ends later than the horizon", () => {
    const q = query(
      { ...ny, max_horizon_days: 1 },
      span("2026-03-09T13:00:00Z", "2026-03-10T21:00:00Z"), // Mon 09:00 .. Tue 17:00 EDT
      { now: at("2026-03-09T16:00:00Z"), durationMs: HOUR, granularityMs: HOUR }, // now = Mon 12:00 EDT
    );
    const slots = localStarts("America/New_York", findFreeSlots(q, Number.POSITIVE_INFINITY));
    expect(slots[0]).toBe("2026-03-09T12:00:00-04:00"); // now itself, no notice
    expect(slots.at(-1)).toBe("2026-03-10T11:00:00-04:00"); // ends Tue 12:00, exactly at the horizon
  });

  it("hard blocks remove their span and nothing else", () => {
    const q = query(
      { ...ny, hard_blocks: [{ start: "2026-03-09T13:00:00-04:00", end: "2026-03-09T14:00:00-04:00" }] },
      span("2026-03-09T15:00:00Z", "2026-03-09T20:00:00Z"), // Mon 11:00-16:00 EDT
      { durationMs: HOUR, granularityMs: 30 * MINUTE },
    );
    expect(localStarts("America/New_York", findFreeSlots(q, 10)).map((s) => s.slice(11, 16))).toEqual([
      "11:00",
      "11:30",
      "12:00", // ends 13:00, where the block begins
      "14:00", // the block ends 14:00
      "14:30",
      "15:00",
    ]);
  });

  it("max_bookings_per_day counts bookings in the owner's local day, not the UTC day", () => {
    const kolkata = {
      timezone: "Asia/Kolkata",
      working_hours: EVERY_DAY("09:00", "17:00"),
      max_bookings_per_day: 1,
    };
    const q = query(
      kolkata,
      span("2026-06-01T03:30:00Z", "2026-06-02T11:30:00Z"), // Mon 09:00 IST .. Tue 17:00 IST
      {
        durationMs: HOUR,
        granularityMs: HOUR,
        // 2026-06-01T19:00Z is Monday in UTC but Tuesday 00:30 IST: it fills Tuesday, not Monday.
        countedStarts: [at("2026-06-01T19:00:00Z")],
      },
    );
    const days = new Set(
      localStarts("Asia/Kolkata", findFreeSlots(q, Number.POSITIVE_INFINITY)).map((s) => s.slice(0, 10)),
    );
    expect([...days]).toEqual(["2026-06-01"]);
  });

  it("a slot may run into a day at the cap, because a booking counts on the day it starts", () => {
    // Regression: capped days used to be subtracted as busy time, so find_free_slots never offered
    // Mon 23:30-00:30 although the arbiter accepts it (it is Monday's booking, and Monday has room).
    const q = query(
      { timezone: "America/New_York", max_bookings_per_day: 1 },
      span("2026-03-10T03:00:00Z", "2026-03-10T06:00:00Z"), // Mon 23:00 EDT .. Tue 02:00 EDT
      { durationMs: HOUR, granularityMs: 30 * MINUTE, countedStarts: [at("2026-03-10T14:00:00Z")] }, // Tue 10:00
    );
    expect(localStarts("America/New_York", findFreeSlots(q, 10))).toEqual([
      "2026-03-09T23:00:00-04:00",
      "2026-03-09T23:30:00-04:00", // ends Tue 00:30, inside capped Tuesday
    ]);
  });

  it("a day below the cap stays open", () => {
    const q = query(
      { timezone: "America/New_York", working_hours: EVERY_DAY("09:00", "17:00"), max_bookings_per_day: 2 },
      mondayMorning,
      { countedStarts: [at("2026-03-09T14:00:00Z")] }, // one booking, Mon 10:00 EDT
    );
    expect(findFreeSlots(q, 1)).toHaveLength(1);
  });

  it("a window entirely before now + notice has no slots", () => {
    const q = query(ny, mondayMorning, { now: at("2026-03-09T17:00:00Z") }); // now = 13:00 EDT
    expect(findFreeSlots(q, 10)).toEqual([]);
  });
});

describe("maxSlots", () => {
  const q = query({ timezone: "UTC" }, span("2026-03-09T09:00:00Z", "2026-03-09T12:00:00Z"));

  it("returns the first N slots in start order", () => {
    const all = findFreeSlots(q, Number.POSITIVE_INFINITY);
    expect(all).toHaveLength(11); // 09:00 .. 11:30 every 15 minutes
    expect(findFreeSlots(q, 3)).toEqual(all.slice(0, 3));
    expect(findFreeSlots(q, 3).map((s) => new Date(s.start).toISOString())).toEqual([
      "2026-03-09T09:00:00.000Z",
      "2026-03-09T09:15:00.000Z",
      "2026-03-09T09:30:00.000Z",
    ]);
  });

  it("returns nothing for 0", () => {
    expect(findFreeSlots(q, 0)).toEqual([]);
  });
});

describe("nearestSlots", () => {
  const day = span("2026-03-09T09:00:00Z", "2026-03-09T17:00:00Z"); // UTC owner, Mon 09:00-17:00

  it("orders by distance from the target's start, nearest first", () => {
    const q = query({ timezone: "UTC" }, day, {
      busy: [span("2026-03-09T12:00:00Z", "2026-03-09T13:00:00Z")],
    });
    const near = nearestSlots(q, at("2026-03-09T12:10:00Z"), 4).map((s) => new Date(s.start).toISOString());
    expect(near).toEqual([
      "2026-03-09T11:30:00.000Z", // 40 minutes before (ends 12:00, where the busy hour begins)
      "2026-03-09T13:00:00.000Z", // 50 minutes after
      "2026-03-09T11:15:00.000Z", // 55 minutes before
      "2026-03-09T13:15:00.000Z", // 65 minutes after
    ]);
  });

  it("breaks a tie in distance towards the earlier slot", () => {
    const q = query({ timezone: "UTC" }, day, { granularityMs: 30 * MINUTE });
    // 12:15 is 15 minutes from both 12:00 and 12:30.
    const near = nearestSlots(q, at("2026-03-09T12:15:00Z"), 4).map((s) => new Date(s.start).toISOString());
    expect(near).toEqual([
      "2026-03-09T12:00:00.000Z",
      "2026-03-09T12:30:00.000Z",
      "2026-03-09T11:30:00.000Z",
      "2026-03-09T13:00:00.000Z",
    ]);
  });

  it("works from a target outside the window", () => {
    const q = query({ timezone: "UTC" }, day);
    expect(
      nearestSlots(q, at("2026-03-10T00:00:00Z"), 2).map((s) => new Date(s.start).toISOString()),
    ).toEqual(["2026-03-09T16:30:00.000Z", "2026-03-09T16:15:00.000Z"]);
    expect(
      nearestSlots(q, at("2026-03-08T00:00:00Z"), 1).map((s) => new Date(s.start).toISOString()),
    ).toEqual(["2026-03-09T09:00:00.000Z"]);
  });

  it("returns nothing for a count of 0", () => {
    expect(nearestSlots(query({ timezone: "UTC" }, day), day.start, 0)).toEqual([]);
  });
});

describe("busyBlocks", () => {
  it("merges and clips busy time without buffers", () => {
    const busy = [
      span("2026-03-09T10:30:00Z", "2026-03-09T11:30:00Z"),
      span("2026-03-09T08:00:00Z", "2026-03-09T09:30:00Z"),
      span("2026-03-09T11:00:00Z", "2026-03-09T12:00:00Z"),
    ];
    expect(busyBlocks(busy, span("2026-03-09T09:00:00Z", "2026-03-09T17:00:00Z"))).toEqual([
      span("2026-03-09T09:00:00Z", "2026-03-09T09:30:00Z"),
      span("2026-03-09T10:30:00Z", "2026-03-09T12:00:00Z"),
    ]);
  });
});

// ---- The property: the engine returns exactly what a naive minute-by-minute oracle finds. ----

const ZONES = [
  "UTC",
  "America/New_York",
  "Europe/London",
  "Asia/Kolkata",
  "Asia/Kathmandu",
  "Australia/Lord_Howe",
  "America/Santiago",
] as const;

/** Per zone, the instants the windows are placed around: its 2026 transitions, or a month end. */
const ANCHORS: Record<(typeof ZONES)[number], readonly number[]> = {
  UTC: [at("2026-01-31T00:00:00Z")],
  "America/New_York": [at("2026-03-08T07:00:00Z"), at("2026-11-01T06:00:00Z")], // 02:00 EST, 02:00 EDT
  "Europe/London": [at("2026-03-29T01:00:00Z"), at("2026-10-25T01:00:00Z")], // 01:00 GMT, 02:00 BST
  "Asia/Kolkata": [at("2026-01-31T18:30:00Z")], // 2026-02-01 00:00 IST
  "Asia/Kathmandu": [at("2026-04-30T18:15:00Z")], // 2026-05-01 00:00 NPT
  "Australia/Lord_Howe": [at("2026-10-03T15:30:00Z"), at("2026-04-04T15:00:00Z")], // 02:00 +10:30, 02:00 +11:00
  "America/Santiago": [at("2026-09-06T04:00:00Z"), at("2026-04-05T03:00:00Z")], // 00:00 -04:00, 00:00 -03:00
};

// Divisors of 60, and a few that are not (the wire allows 5-240): the grid is counted from local midnight.
const GRANULARITIES = [5, 7, 10, 15, 20, 30, 45, 60, 90];
const WEEKDAY_KEYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;

interface Wall {
  /** Days since 1970-01-01 of the local date. */
  readonly date: number;
  readonly weekday: number;
  readonly minuteOfDay: number;
}

// The oracle's own view of wall time: one Intl formatter per zone, one call per minute, cached.
const oracleFormatters = new Map<string, Intl.DateTimeFormat>();
const wallCache = new Map<string, Wall>();

function wallOf(zone: string, t: number): Wall {
  const key = `${zone}|${t}`;
  const cached = wallCache.get(key);
  if (cached) return cached;
  let f = oracleFormatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-GB", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
    });
    oracleFormatters.set(zone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(t).map((p) => [p.type, p.value]));
  const date = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day)) / 86_400_000;
  const wall = {
    date,
    weekday: (date + 4) % 7, // 1970-01-01 was a Thursday
    minuteOfDay: Number(parts.hour) * 60 + Number(parts.minute),
  };
  wallCache.set(key, wall);
  return wall;
}

const hhmm = (m: number) =>
  `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;

const dayHours = fc
  .tuple(fc.integer({ min: 0, max: 95 }), fc.integer({ min: 1, max: 96 }), fc.boolean())
  .map(([s, len, to2359]) => {
    const start = s * 15;
    let end = Math.min(1440, start + len * 15);
    if (to2359 && end === 1440) end = 1439; // 23:59 as well as 24:00
    return { start: hhmm(start), end: hhmm(end) };
  });

const workingHours = fc.option(
  fc
    .array(fc.option(dayHours, { freq: 3 }), { minLength: 7, maxLength: 7 })
    .filter((days) => days.some((d) => d !== null))
    .map((days) => Object.fromEntries(days.flatMap((d, i) => (d ? [[WEEKDAY_KEYS[i]!, d]] : [])))),
  { freq: 4 },
);

const scenario = fc
  .record({
    zoneAndAnchor: fc
      .constantFrom(...ZONES)
      .chain((zone) => fc.record({ zone: fc.constant(zone), anchor: fc.constantFrom(...ANCHORS[zone]) })),
    windowOffsetMin: fc.integer({ min: -48 * 60, max: 60 }),
    windowLengthMin: fc.integer({ min: 30, max: 72 * 60 }),
    nowOffsetMin: fc.integer({ min: -48 * 60, max: 24 * 60 }),
    workingHours,
    bufferBefore: fc.integer({ min: 0, max: 12 }).map((k) => k * 5),
    bufferAfter: fc.integer({ min: 0, max: 12 }).map((k) => k * 5),
    notice: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 600 })),
    horizonDays: fc.integer({ min: 1, max: 5 }),
    cap: fc.option(fc.integer({ min: 1, max: 3 })),
    busy: fc.array(
      fc.record({
        offsetMin: fc.integer({ min: -180, max: 72 * 60 }),
        lengthMin: fc.integer({ min: 1, max: 240 }),
        counted: fc.boolean(),
      }),
      { maxLength: 12 },
    ),
    blocks: fc.array(
      fc.record({
        offsetMin: fc.integer({ min: -60, max: 72 * 60 }),
        lengthMin: fc.integer({ min: 1, max: 300 }),
      }),
      { maxLength: 2 },
    ),
    durationMin: fc.integer({ min: 1, max: 24 }).map((k) => k * 5),
    granularityMin: fc.constantFrom(...GRANULARITIES),
    maxSlots: fc.oneof(fc.constant(Number.POSITIVE_INFINITY), fc.integer({ min: 1, max: 20 })),
    targetOffsetMin: fc.integer({ min: -60, max: 72 * 60 }),
  })
  .map((s) => {
    const { zone, anchor } = s.zoneAndAnchor;
    const windowStart = anchor + s.windowOffsetMin * MINUTE;
    const window = interval(windowStart, windowStart + s.windowLengthMin * MINUTE);
    const busy = s.busy.map((b) => {
      const start = windowStart + b.offsetMin * MINUTE;
      return { ...interval(start, start + b.lengthMin * MINUTE), counted: b.counted };
    });
    const hardBlocks = s.blocks.map((b) => {
      const start = windowStart + b.offsetMin * MINUTE;
      return interval(start, start + b.lengthMin * MINUTE);
    });
    const input: AvailabilityRulesInput = {
      timezone: zone,
      working_hours: s.workingHours,
      buffer_before_minutes: s.bufferBefore,
      buffer_after_minutes: s.bufferAfter,
      min_notice_minutes: s.notice,
      max_horizon_days: s.horizonDays,
      max_bookings_per_day: s.cap,
      hard_blocks: hardBlocks.map((b) => ({
        start: new Date(b.start).toISOString(),
        end: new Date(b.end).toISOString(),
      })),
    };
    const q: SlotQuery = {
      busy: busy.map((b) => interval(b.start, b.end)),
      rules: compileRules(AvailabilityRules.parse(input), "UTC"),
      window,
      durationMs: s.durationMin * MINUTE,
      granularityMs: s.granularityMin * MINUTE,
      now: windowStart + s.nowOffsetMin * MINUTE,
      countedStarts: busy.filter((b) => b.counted).map((b) => b.start),
    };
    return { s, input, q, hardBlocks, target: windowStart + s.targetOffsetMin * MINUTE };
  });

/**
 * Every slot start of the query, found minute by minute from the wire rules alone. A working span
 * [start, end) of a local date runs from the first minute whose wall time reaches `start` on that
 * date to the first minute whose wall time reaches `end`: the DST policy stated without offsets.
 */
function oracleSlots(input: AvailabilityRulesInput, q: SlotQuery, hardBlocks: readonly Interval[]): number[] {
  const zone = input.timezone!;
  const duration = q.durationMs / MINUTE;
  const granularity = q.granularityMs / MINUTE;
  // Minutes from a day before the window to a day after it, so every local day it touches is whole.
  const lo = q.window.start - 26 * HOUR;
  const hi = q.window.end + 26 * HOUR;
  const n = (hi - lo) / MINUTE;
  const walls: Wall[] = [];
  for (let i = 0; i < n; i++) walls.push(wallOf(zone, lo + i * MINUTE));
  const firstReaching = (date: number, minuteOfDay: number) => {
    const goal = date * 1440 + minuteOfDay;
    for (let i = 0; i < n; i++) if (walls[i]!.date * 1440 + walls[i]!.minuteOfDay >= goal) return i;
    return n;
  };

  const working = new Array<boolean>(n).fill(input.working_hours == null);
  if (input.working_hours) {
    const dates = new Set<number>();
    for (let t = q.window.start; t < q.window.end; t += MINUTE) dates.add(wallOf(zone, t).date);
    for (const date of dates) {
      const hours = input.working_hours[WEEKDAY_KEYS[(date + 4) % 7]!];
      if (!hours) continue;
      const [sh, sm] = hours.start.split(":").map(Number) as [number, number];
      const [eh, em] = hours.end.split(":").map(Number) as [number, number];
      const from = firstReaching(date, sh * 60 + sm);
      const to = firstReaching(date, eh * 60 + em);
      for (let i = from; i < to; i++) working[i] = true;
    }
  }

  const before = (input.buffer_before_minutes ?? 0) * MINUTE;
  const after = (input.buffer_after_minutes ?? 0) * MINUTE;
  const blocked = new Array<boolean>(n).fill(false);
  const mark = (start: number, end: number) => {
    for (let t = Math.max(lo, start); t < Math.min(hi, end); t += MINUTE) blocked[(t - lo) / MINUTE] = true;
  };
  for (const b of q.busy) mark(b.start - before, b.end + after);
  for (const b of hardBlocks) mark(b.start, b.end);

  const perDay = new Map<number, number>();
  for (const s of q.countedStarts ?? []) {
    const date = wallOf(zone, s).date;
    perDay.set(date, (perDay.get(date) ?? 0) + 1);
  }
  const cap = input.max_bookings_per_day ?? null;

  const earliest = q.now + (input.min_notice_minutes ?? 0) * MINUTE;
  const latest = q.now + (input.max_horizon_days ?? 365) * 86_400_000;
  const out: number[] = [];
  for (let t = q.window.start; t + q.durationMs <= q.window.end; t += MINUTE) {
    const i = (t - lo) / MINUTE;
    const wall = walls[i]!;
    if (wall.minuteOfDay % granularity !== 0) continue;
    if (t < earliest || t + q.durationMs > latest) continue;
    if (cap !== null && (perDay.get(wall.date) ?? 0) >= cap) continue;
    let ok = true;
    for (let k = 0; k < duration && ok; k++) ok = working[i + k]! && !blocked[i + k]!;
    if (ok) out.push(t);
  }
  return out;
}

describe("findFreeSlots against a minute-by-minute oracle (fast-check)", () => {
  it("returns exactly the oracle's slots, each on the local grid, in working hours and free", () => {
    fc.assert(
      fc.property(scenario, ({ input, q, hardBlocks, s }) => {
        const slots = findFreeSlots(q, s.maxSlots);
        const zone = q.rules.timeZone;
        const buffered = q.busy.map((b) => ({
          start: b.start - q.rules.bufferBeforeMs,
          end: b.end + q.rules.bufferAfterMs,
        }));
        for (let i = 0; i < slots.length; i++) {
          const slot = slots[i]!;
          expect(slot.end - slot.start).toBe(q.durationMs);
          if (i > 0) expect(slot.start).toBeGreaterThan(slots[i - 1]!.start); // sorted and unique
          expect(wallOf(zone, slot.start).minuteOfDay % s.granularityMin).toBe(0); // on the local grid
          expect(buffered.some((b) => overlaps(b, slot))).toBe(false);
          expect(hardBlocks.some((b) => overlaps(b, slot))).toBe(false);
          expect(slot.start).toBeGreaterThanOrEqual(q.window.start);
          expect(slot.end).toBeLessThanOrEqual(q.window.end);
        }
        const expected = oracleSlots(input, q, hardBlocks);
        expect(slots.map((x) => x.start)).toEqual(expected.slice(0, Math.min(expected.length, s.maxSlots)));
      }),
      { numRuns: 200 },
    );
  });

  it("nearestSlots is the oracle's slots ordered by distance, ties to the earlier", () => {
    fc.assert(
      fc.property(scenario, fc.integer({ min: 0, max: 8 }), ({ input, q, hardBlocks, target }, count) => {
        const expected = oracleSlots(input, q, hardBlocks)
          .sort((a, b) => Math.abs(a - target) - Math.abs(b - target) || a - b)
          .slice(0, count);
        expect(nearestSlots(q, target, count).map((x) => x.start)).toEqual(expected);
      }),
      { numRuns: 100 },
    );
  });

  it("keeps working time per day equal to the rule's length away from transitions", () => {
    // A sanity check on the oracle's inputs: 09:00-17:00 on a plain day is 8 hours in every zone.
    for (const zone of ZONES) {
      const rules = compileRules(
        AvailabilityRules.parse({ timezone: zone, working_hours: EVERY_DAY("09:00", "17:00") }),
        "UTC",
      );
      const days = localDaysBetween(zone, at("2026-06-15T12:00:00Z"), at("2026-06-15T12:00:01Z"));
      expect(totalLength(workingTime(rules, days))).toBe(8 * HOUR);
    }
  });
});
