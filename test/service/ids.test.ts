// Entity ids (src/ledger/ids.ts): well formed for every schema that takes one, distinct, and in the
// order they were made across milliseconds, which is what keeps each id index growing at one edge.
import { afterEach, describe, expect, it, vi } from "vitest";
import { newId } from "../../src/ledger/ids.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("newId", () => {
  it("is the prefix and 20 base32 characters", () => {
    expect(newId("bkg")).toMatch(/^bkg_[0-9a-hjkmnp-tv-z]{20}$/);
  });

  it("gives distinct ids within one millisecond", () => {
    vi.useFakeTimers({ now: Date.parse("2026-12-07T12:00:00Z"), toFake: ["Date"] });
    const ids = Array.from({ length: 5_000 }, () => newId("dec"));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("sorts ids by the millisecond they were made, across the whole range of dates", () => {
    const made: string[] = [];
    vi.useFakeTimers({ toFake: ["Date"] });
    for (const at of [
      "1970-01-01T00:00:00Z",
      "2026-12-07T12:00:00.000Z",
      "2026-12-07T12:00:00.001Z",
      "2999-01-01T00:00:00Z",
    ]) {
      vi.setSystemTime(Date.parse(at));
      made.push(newId("hld"));
    }
    expect([...made].sort()).toEqual(made);
  });
});
