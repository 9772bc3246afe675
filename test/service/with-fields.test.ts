// withFields (src/service/with-fields.ts) stands in for `{ ...base, ...extra }` on the request path:
// the same fields in the same order, the extra ones winning, and neither argument changed.
import { describe, expect, it } from "vitest";
import { withFields } from "../../src/service/with-fields.js";

describe("withFields", () => {
  it("copies the base's fields, then the extra ones, in the order a spread gives", () => {
    const base = { verdict: "Accept", booking: { id: "bkg_1" }, warnings: [] as string[] };
    const out = withFields(base, { pending_notifications: [] as string[] });
    expect(JSON.stringify(out)).toBe(JSON.stringify({ ...base, pending_notifications: [] }));
    expect(Object.keys(out)).toEqual(["verdict", "booking", "warnings", "pending_notifications"]);
  });

  it("lets an extra field replace the base's in its place, and changes neither argument", () => {
    const base = { _meta: { a: 1 }, content: [] as unknown[] };
    const extra = { resultType: "complete", _meta: { b: 2 } };
    const out = withFields(base, extra);
    expect(Object.keys(out)).toEqual(["_meta", "content", "resultType"]);
    expect(out._meta).toBe(extra._meta);
    expect(base).toEqual({ _meta: { a: 1 }, content: [] });
    expect(out).not.toBe(base);
  });

  it("shares the base's values and adds nothing to the base", () => {
    const caller = { agentId: "agt_1", scopes: new Set(["book"]) };
    const out = withFields(caller, { recheck: async () => null });
    expect(out.agentId).toBe("agt_1");
    expect(out.scopes).toBe(caller.scopes);
    expect(Object.hasOwn(caller, "recheck")).toBe(false);
  });
});
