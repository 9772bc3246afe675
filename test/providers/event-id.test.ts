import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { eventIdForBooking, GOOGLE_EVENT_ID_PATTERN } from "../../src/providers/google/event-id.js";

describe("eventIdForBooking", () => {
  it("is 'oa' + lowercase unpadded base32hex of the booking id's bytes", () => {
    // "bkg_1" = 62 6b 67 5f 31 -> base32hex "C9LMENPH" (RFC 4648 section 7; cross-checked with Python's b32hexencode)
    expect(eventIdForBooking("bkg_1")).toBe("oac9lmenph");
  });

  it("is stable, valid for Google, and distinct for distinct booking ids", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 2, maxLength: 200 }),
        fc.string({ minLength: 2, maxLength: 200 }),
        (a, b) => {
          const id = eventIdForBooking(a);
          expect(id).toMatch(GOOGLE_EVENT_ID_PATTERN);
          expect(eventIdForBooking(a)).toBe(id);
          if (a !== b) expect(eventIdForBooking(b)).not.toBe(id);
        },
      ),
    );
  });

  it("refuses booking ids that give an id outside Google's 5..1024 characters", () => {
    expect(() => eventIdForBooking("x")).toThrow(RangeError);
    expect(() => eventIdForBooking("b".repeat(700))).toThrow(RangeError);
    expect(eventIdForBooking("b".repeat(600))).toMatch(GOOGLE_EVENT_ID_PATTERN);
  });
});
