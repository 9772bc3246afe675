// Errors that say what to do (issue 15, point 4): a missing field is "required", and an unknown one
// suggests the nearest field the tool knows at that place.
import { describe, expect, it } from "vitest";
import { CheckAvailabilityInput, CreateBookingInput } from "../../schemas/tools.js";
import { badRequestFrom } from "../../src/service/errors.js";
import { knownFieldsAt, nearestName } from "../../src/service/field-names.js";

describe("field names", () => {
  it("knows the fields of a tool input at every depth", () => {
    expect(knownFieldsAt(CheckAvailabilityInput, [])).toContain("duration_minutes");
    expect(knownFieldsAt(CheckAvailabilityInput, ["window"])).toEqual(["start", "end"]);
    expect(knownFieldsAt(CheckAvailabilityInput, ["nope"])).toEqual([]);
    expect(knownFieldsAt(CheckAvailabilityInput, ["constructor"])).toEqual([]);
  });

  it.each([
    ["duraton_minutes", "duration_minutes"],
    ["durationMinutes", "duration_minutes"],
    ["owner", "owner_email"],
    ["Window", "window"],
    ["zzzzzz", undefined],
  ])("suggests %s -> %s", (typo, expected) => {
    expect(nearestName(typo, Object.keys(CheckAvailabilityInput.shape))).toBe(expected);
  });

  it("answers a misspelt field with the nearest name and a missing one with required", () => {
    const parsed = CheckAvailabilityInput.safeParse({
      owner_email: "a@example.com",
      duraton_minutes: 30,
      window: { start: "2026-03-03T14:00:00Z", ned: "2026-03-03T15:00:00Z" },
    });
    expect(parsed.success).toBe(false);
    const input = {
      owner_email: "a@example.com",
      duraton_minutes: 30,
      window: { start: "2026-03-03T14:00:00Z", ned: "2026-03-03T15:00:00Z" },
    };
    const err = badRequestFrom(parsed.error!, "check_availability input", CheckAvailabilityInput, input);
    expect(err.details).toEqual(
      expect.arrayContaining([
        { field: "duration_minutes", message: "required" },
        {
          field: "duraton_minutes",
          message: 'unknown field "duraton_minutes" (did you mean duration_minutes?)',
        },
        { field: "window.ned", message: 'unknown field "ned" (did you mean end?)' },
        { field: "window.end", message: "required" },
      ]),
    );
    const booking = CreateBookingInput.safeParse({ hold_id: "hld_abc" });
    expect(
      badRequestFrom(booking.error!, "create_booking input", CreateBookingInput, { hold_id: "hld_abc" })
        .details,
    ).toContainEqual({
      field: "title",
      message: "required",
    });
    // A value of the wrong type is not "required".
    const wrongInput = { owner_email: "a@example.com", duration_minutes: {}, window: 3 };
    const wrong = CheckAvailabilityInput.safeParse(wrongInput);
    const named = badRequestFrom(wrong.error!, "x", CheckAvailabilityInput, wrongInput).details;
    expect(named).toContainEqual({
      field: "duration_minutes",
      message: "duration_minutes must be a whole number of minutes",
    });
    expect(named).toContainEqual({ field: "window", message: "expected object" });
  });
});
