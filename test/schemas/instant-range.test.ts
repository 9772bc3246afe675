// The wire Instant (schemas/time.ts) accepts 1970-01-01T00:00:00Z .. 9999-12-31T23:59:59.999Z, judged in
// UTC after the offset (DESIGN.md section 3). Anything else is one issue on the field that carried it,
// which the service turns into a 400 bad_request naming that field. Years 0000-0099 once passed and
// reached Date.UTC in the zone code, which read them as 1900-1999: a 500.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { INSTANT_RANGE_ERROR, Instant, MAX_INSTANT_MS, MIN_INSTANT_MS } from "../../schemas/time.js";
import {
  CheckAvailabilityInput,
  CreateBookingInput,
  CreateHoldInput,
  GetFreeBusyInput,
  PreemptInput,
  RescheduleBookingInput,
} from "../../schemas/tools.js";
import { badRequestFrom } from "../../src/service/errors.js";

const FORMAT_ERROR = /RFC 3339 date-time with an offset/;
const OWNER = "ceo@example.com";

/** The details a bad_request for `schema` and `input` would carry, or [] when it parses. */
function details(schema: z.ZodType, input: unknown): readonly { field: string; message: string }[] {
  const parsed = schema.safeParse(input);
  return parsed.success ? [] : (badRequestFrom(parsed.error).details ?? []);
}

describe("Instant", () => {
  it.each([
    "0000-01-01T00:00:00Z",
    "0050-03-03T15:00:00Z",
    "0099-12-31T23:59:59Z",
    "0100-01-01T00:00:00Z",
    "1900-01-01T00:00:00Z",
    "1969-12-31T23:59:59.999Z",
    "1970-01-01T00:30:00+01:00", // 1969-12-31T23:30:00Z
    "9999-12-31T23:00:00-05:00", // 10000-01-01T04:00:00Z
    "9999-12-31T23:59:59.999-00:01", // 10000-01-01T00:00:59.999Z
  ])("refuses %s with the range message", (instant) => {
    const parsed = Instant.safeParse(instant);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.message)).toEqual([INSTANT_RANGE_ERROR]);
  });

  it.each([
    "10000-01-01T00:00:00Z",
    "+010000-01-01T00:00:00Z",
    "-000001-01-01T00:00:00Z",
    "+002026-03-03T14:00:00Z",
  ])("refuses the expanded-year form %s as not RFC 3339, once", (instant) => {
    const parsed = Instant.safeParse(instant);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues).toHaveLength(1);
    expect(parsed.error?.issues[0]?.message).toMatch(FORMAT_ERROR);
  });

  it.each([
    "1970-01-01T00:00:00Z",
    "1970-01-01T00:00:00.000Z",
    "1970-01-01T00:00:00-00:01", // 1970-01-01T00:01:00Z
    "1970-01-01T05:30:00+05:30", // the first instant, written in India
    "2026-03-09T09:00:00-05:00",
    "9999-12-31T23:59:59Z",
    "9999-12-31T23:59:59.999Z",
    "9999-12-31T23:59:59.999999Z", // digits past the millisecond are truncated, not rounded up
    "9999-12-31T23:59:59+14:00", // 9999-12-31T09:59:59Z
  ])("accepts %s", (instant) => {
    expect(Instant.safeParse(instant).success).toBe(true);
  });

  it("the message says the range the design decided", () => {
    expect(INSTANT_RANGE_ERROR).toBe("must be between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59Z");
    expect(new Date(MIN_INSTANT_MS).toISOString()).toBe("1970-01-01T00:00:00.000Z");
    expect(new Date(MAX_INSTANT_MS).toISOString()).toBe("9999-12-31T23:59:59.999Z");
  });

  // Any wall time writable with a four-digit year, under any whole-minute offset: accepted exactly when
  // the UTC instant it names is in range. Boundaries are drawn often, so off-by-one-offset bugs show.
  it("accepts a written instant exactly when its UTC instant is in range, whatever the offset", () => {
    const firstWritable = Date.parse("0000-01-01T00:00:00Z");
    const lastWritable = MAX_INSTANT_MS;
    const DAY = 86_400_000;
    const wall = fc.oneof(
      fc.integer({ min: firstWritable, max: lastWritable }),
      fc.integer({ min: MIN_INSTANT_MS - 2 * DAY, max: MIN_INSTANT_MS + 2 * DAY }),
      fc.integer({ min: MAX_INSTANT_MS - 2 * DAY, max: lastWritable }),
      fc.integer({ min: firstWritable, max: Date.parse("0100-01-01T00:00:00Z") }),
    );
    const offsetMinutes = fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 });
    fc.assert(
      fc.property(wall, offsetMinutes, (local, offset) => {
        const abs = Math.abs(offset);
        const suffix = `${offset < 0 ? "-" : "+"}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
        const written = `${new Date(local).toISOString().slice(0, -1)}${suffix}`;
        const utc = local - offset * 60_000;
        expect(Instant.safeParse(written).success, written).toBe(
          utc >= MIN_INSTANT_MS && utc <= MAX_INSTANT_MS,
        );
      }),
      { numRuns: 3_000 },
    );
  });
});

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}

describe("every tool field that takes an instant names itself when out of range", () => {
  const Y50 = "0050-03-03T15:00:00Z";
  const OK = "2026-03-03T15:00:00Z";
  const OK_END = "2026-03-03T15:30:00Z";
  const WINDOW = { start: "2026-03-03T00:00:00Z", end: "2026-03-04T00:00:00Z" };
  it.each([
    [
      "create_booking start",
      CreateBookingInput,
      { owner_email: OWNER, start: Y50, duration_minutes: 30, title: "t" },
      "start",
    ],
    [
      "create_booking end",
      CreateBookingInput,
      { owner_email: OWNER, start: OK, end: Y50, title: "t" },
      "end",
    ],
    [
      "create_booking alternatives_window.end",
      CreateBookingInput,
      {
        owner_email: OWNER,
        start: OK,
        end: OK_END,
        title: "t",
        alternatives_window: { start: OK, end: "9999-12-31T23:59:59-00:01" },
      },
      "alternatives_window.end",
    ],
    ["create_hold start", CreateHoldInput, { owner_email: OWNER, start: Y50, duration_minutes: 30 }, "start"],
    [
      "create_hold alternatives_window.start",
      CreateHoldInput,
      {
        owner_email: OWNER,
        start: OK,
        duration_minutes: 30,
        alternatives_window: { ...WINDOW, start: "0099-12-31T23:59:59Z" },
      },
      "alternatives_window.start",
    ],
    [
      "reschedule_booking start",
      RescheduleBookingInput,
      { booking_id: "bkg_1", start: Y50, duration_minutes: 30 },
      "start",
    ],
    [
      "reschedule_booking end",
      RescheduleBookingInput,
      { booking_id: "bkg_1", start: OK, end: "1969-12-31T23:59:59Z" },
      "end",
    ],
    ["preempt start", PreemptInput, { booking_id: "bkg_1", start: Y50, end: OK_END, title: "t" }, "start"],
    [
      "check_availability window.start",
      CheckAvailabilityInput,
      { owner_email: OWNER, duration_minutes: 30, window: { ...WINDOW, start: "0000-01-01T00:00:00Z" } },
      "window.start",
    ],
    [
      "get_free_busy window.end",
      GetFreeBusyInput,
      { owner_email: OWNER, window: { start: OK, end: "9999-12-31T23:59:59-00:01" } },
      "window.end",
    ],
  ] as const)("%s", (_name, schema, input, field) => {
    // One detail: a refused instant stops the cross-field rules (end after start, window length).
    expect(details(schema, input)).toEqual([{ field, message: INSTANT_RANGE_ERROR }]);
  });

  it("refuses a 90-day window that runs past 9999 on its end, not with a 500-prone length check", () => {
    const window = { start: "9999-11-01T00:00:00Z", end: "9999-12-31T23:00:00-05:00" };
    expect(details(CheckAvailabilityInput, { owner_email: OWNER, duration_minutes: 30, window })).toEqual([
      { field: "window.end", message: INSTANT_RANGE_ERROR },
    ]);
    const last = { start: "9999-10-02T23:59:59.999Z", end: "9999-12-31T23:59:59.999Z" }; // exactly 90 days
    expect(
      details(CheckAvailabilityInput, { owner_email: OWNER, duration_minutes: 30, window: last }),
    ).toEqual([]);
  });
});
