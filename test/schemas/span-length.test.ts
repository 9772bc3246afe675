// A slot given by start + end obeys the bounds duration_minutes has (schemas/tools.ts): at least
// MIN_DURATION_MINUTES, at most MAX_DURATION_MINUTES, refused on `end` with a message giving the
// allowed length. Before, start + end could book 1 ms while duration_minutes had a 5-minute floor.
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { INSTANT_RANGE_ERROR } from "../../schemas/time.js";
import {
  CreateBookingInput,
  CreateHoldInput,
  MAX_DURATION_MINUTES,
  MIN_DURATION_MINUTES,
  PreemptInput,
  RescheduleBookingInput,
} from "../../schemas/tools.js";
import { badRequestFrom } from "../../src/service/errors.js";

const START = "2026-03-03T15:00:00Z";
const START_MS = Date.parse(START);
const MINUTE = 60_000;
const LENGTH_MESSAGE = `must be between ${MIN_DURATION_MINUTES} and ${MAX_DURATION_MINUTES} minutes after start (the length duration_minutes allows)`;

/** `START` plus `ms`, as an instant. */
const plus = (ms: number) => new Date(START_MS + ms).toISOString();

function details(schema: z.ZodType, input: unknown): readonly { field: string; message: string }[] {
  const parsed = schema.safeParse(input);
  return parsed.success ? [] : (badRequestFrom(parsed.error).details ?? []);
}

// Each tool that takes a slot as start + end, with the rest of a valid input around it.
const tools = [
  ["create_booking", CreateBookingInput, { owner_email: "ceo@example.com", title: "t" }],
  ["create_hold", CreateHoldInput, { owner_email: "ceo@example.com" }],
  ["reschedule_booking", RescheduleBookingInput, { booking_id: "bkg_1" }],
  ["preempt", PreemptInput, { booking_id: "bkg_1", title: "t" }],
] as const;

describe.each(tools)("%s with start + end", (_name, schema, rest) => {
  it.each([
    ["1 ms", 1],
    ["4 min 59.999 s", MIN_DURATION_MINUTES * MINUTE - 1],
    ["24 h + 1 ms", MAX_DURATION_MINUTES * MINUTE + 1],
    ["zero", 0],
    ["negative", -30 * MINUTE],
  ])("refuses a %s slot on end with the allowed length", (_what, ms) => {
    expect(details(schema, { ...rest, start: START, end: plus(ms) })).toEqual([
      { field: "end", message: LENGTH_MESSAGE },
    ]);
  });

  it.each([
    ["the shortest", MIN_DURATION_MINUTES * MINUTE],
    ["a 30-minute", 30 * MINUTE],
    ["a 6 min 30.5 s", 6 * MINUTE + 30_500],
    ["the longest", MAX_DURATION_MINUTES * MINUTE],
  ])("accepts %s slot", (_what, ms) => {
    expect(details(schema, { ...rest, start: START, end: plus(ms) })).toEqual([]);
  });

  it("judges the length in UTC, whatever offsets the two ends are written in", () => {
    // 10:00-05:00 is 15:00Z; 16:04+01:00 is 15:04Z: four minutes.
    const short = { ...rest, start: "2026-03-03T10:00:00-05:00", end: "2026-03-03T16:04:00+01:00" };
    expect(details(schema, short)).toEqual([{ field: "end", message: LENGTH_MESSAGE }]);
    expect(details(schema, { ...short, end: "2026-03-03T16:05:00+01:00" })).toEqual([]);
  });
});

describe("duration_minutes", () => {
  it.each([
    ["create_booking", CreateBookingInput, { owner_email: "ceo@example.com", title: "t" }],
    ["create_hold", CreateHoldInput, { owner_email: "ceo@example.com" }],
    ["reschedule_booking", RescheduleBookingInput, { booking_id: "bkg_1" }],
  ] as const)("has the same bounds as start + end in %s", (_name, schema, rest) => {
    const at = (minutes: number) => details(schema, { ...rest, start: START, duration_minutes: minutes });
    expect(at(MIN_DURATION_MINUTES)).toEqual([]);
    expect(at(MAX_DURATION_MINUTES)).toEqual([]);
    const bounds = `duration_minutes must be between ${MIN_DURATION_MINUTES} and ${MAX_DURATION_MINUTES}`;
    expect(at(MIN_DURATION_MINUTES - 1)).toEqual([{ field: "duration_minutes", message: bounds }]);
    expect(at(MAX_DURATION_MINUTES + 1)).toEqual([{ field: "duration_minutes", message: bounds }]);
    // Both forms at once are accepted when they agree, and refused on duration_minutes when not (issue 15).
    expect(details(schema, { ...rest, start: START, end: plus(30 * MINUTE), duration_minutes: 30 })).toEqual(
      [],
    );
    expect(details(schema, { ...rest, start: START, end: plus(45 * MINUTE), duration_minutes: 30 })).toEqual([
      {
        field: "duration_minutes",
        message: "disagrees with end (45 minutes after start); give one or make them agree",
      },
    ]);
  });

  it("may not carry a slot past 9999, as a written end may not", () => {
    const late = { owner_email: "ceo@example.com", start: "9999-12-31T23:55:00Z" };
    expect(details(CreateHoldInput, { ...late, duration_minutes: 5 })).toEqual([
      { field: "duration_minutes", message: `the end ${INSTANT_RANGE_ERROR}` },
    ]);
    expect(
      details(CreateHoldInput, { ...late, start: "9999-12-31T23:54:59.999Z", duration_minutes: 5 }),
    ).toEqual([]);
  });
});
