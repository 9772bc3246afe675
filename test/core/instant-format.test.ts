// toInstant (schemas/time.ts) writes exactly what Date#toISOString does, minus ".000" on whole seconds,
// whatever order instants come in (it keeps the date part of the last 64 days it wrote).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toInstant } from "../../schemas/time.js";

function reference(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith(".000Z") ? `${iso.slice(0, -5)}Z` : iso;
}

describe("toInstant", () => {
  it("matches toISOString on day, month, leap-day and year edges", () => {
    for (const iso of [
      "1970-01-01T00:00:00.000Z",
      "2024-02-28T23:59:59.999Z",
      "2024-02-29T00:00:00.000Z",
      "2024-02-29T23:59:59.001Z",
      "2026-03-08T06:59:59.000Z",
      "2026-12-31T23:59:59.999Z",
      "2027-01-01T00:00:00.010Z",
      "9999-12-31T23:59:59.999Z",
      "10000-01-01T00:00:00.000Z",
      "1969-12-31T23:59:59.999Z",
    ]) {
      const ms = Date.parse(iso.startsWith("1000") ? `+0${iso}` : iso);
      expect(toInstant(ms), iso).toBe(reference(ms));
    }
    expect(toInstant(Date.parse("2026-03-03T14:00:00Z"))).toBe("2026-03-03T14:00:00Z");
    expect(toInstant(1.5)).toBe(reference(1.5));
  });

  it("matches toISOString across more days than it keeps, coming back to evicted ones", () => {
    const days = Array.from({ length: 200 }, (_, d) => Date.parse("2026-01-01T00:00:00Z") + d * 86_400_000);
    for (const ms of [...days, ...days.reverse()].map((day, i) => day + i * 61_001)) {
      expect(toInstant(ms)).toBe(reference(ms));
    }
  });

  it("matches toISOString for any instant, in any order", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -1e13, max: 2.6e14 }), { minLength: 1, maxLength: 20 }),
        (all) => {
          for (const ms of all) expect(toInstant(ms)).toBe(reference(ms));
        },
      ),
      { numRuns: 2_000 },
    );
  });
});
