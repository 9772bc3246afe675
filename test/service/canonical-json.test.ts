// canonicalJson (policy.ts) writes what JSON.stringify of a key-sorted null-prototype copy wrote, byte
// for byte: idempotency fingerprints made by an older server are compared with a newer one's.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../src/service/policy.js";

/** The implementation fingerprints were made with until 2026-12. */
function reference(value: unknown): string {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v && typeof v === "object") {
      const out: Record<string, unknown> = Object.create(null);
      for (const k of Object.keys(v).sort()) {
        const inner = (v as Record<string, unknown>)[k];
        if (inner !== undefined) out[k] = sortKeys(inner);
      }
      return out;
    }
    return v;
  };
  return JSON.stringify(sortKeys(value));
}

describe("canonicalJson", () => {
  it("matches the key-sorted copy on keys that are array indices, __proto__ and odd values", () => {
    for (const value of [
      JSON.parse('{"b":1,"10":2,"2":3,"a":{"__proto__":[1,{"z":0,"01":1,"4294967295":2,"4294967294":3}]}}'),
      { a: undefined, b: () => 1, c: Symbol("s"), d: [undefined, () => 1, Number.NaN, -0], e: null },
      Object.assign(new Array(3), { 0: 1, 2: 3 }),
      { "": "", "\u00e9": 1, e: 2, "\ud800": "\udfff", Z: 3 },
      "plain",
      42,
      null,
    ]) {
      expect(canonicalJson(value)).toBe(reference(value));
    }
  });

  it("matches the key-sorted copy on any JSON value and any object", () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => canonicalJson(value) === reference(value)));
    fc.assert(
      fc.property(
        fc.dictionary(fc.oneof(fc.string(), fc.nat().map(String)), fc.anything(), { maxKeys: 8 }),
        (value) => canonicalJson(value) === reference(value),
      ),
    );
  });
});
