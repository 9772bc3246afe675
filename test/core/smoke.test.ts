import { describe, expect, it } from "vitest";
import { interval } from "../../src/core/interval.js";

describe("interval", () => {
  it("refuses an empty span", () => {
    expect(() => interval(5, 5)).toThrow(RangeError);
  });
});
