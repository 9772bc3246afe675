// One rule for every string of every input (issue 5j): text must be valid Unicode. A title holding a
// lone surrogate ("\ud800") used to be echoed as sent but stored as U+FFFD. Now any tool, any field at
// any depth (and any key) with one is a 400 naming the field, before anything is read or written;
// the admin functions (which the admin REST routes and the CLI call) and the policy file likewise.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addOwner, setCalendarRules } from "../../src/service/agents-admin.js";
import { OpenavailError } from "../../src/service/errors.js";
import { policyFrom } from "../../src/service/policy.js";
import { ILL_FORMED_TEXT, illFormedTextPath } from "../../src/service/well-formed-text.js";
import { TOOLS } from "../../tools/index.js";
import { countRows, useWorld } from "./fixtures.js";

const CEO = "ceo@example.com";
const LONE = ["\ud800", "\udbff", "\udc00", "\udfff", "a\ud83d", "\ude00b", "\ude00\ud83d"];
const isWellFormed = (s: string) => (s as unknown as { isWellFormed(): boolean }).isWellFormed();
/** Any UTF-16 code unit, surrogate halves often, so strings mix pairs, lone halves and plain text. */
const CODE_UNIT = fc
  .oneof(fc.integer({ min: 0xd800, max: 0xdfff }), fc.integer({ min: 0, max: 0xffff }))
  .map((c) => String.fromCharCode(c));

let calendarId = "";
const world = useWorld("2026-03-02T12:00:00Z", async (w) => {
  ({ calendarId } = await w.addOwner(CEO, "UTC"));
});

const BOOKING = { owner_email: CEO, start: "2026-03-03T15:00:00Z", duration_minutes: 30 };

describe("illFormedTextPath", () => {
  it("finds a string exactly when String.prototype.isWellFormed says it is not", () => {
    fc.assert(
      fc.property(fc.string({ unit: CODE_UNIT, maxLength: 20 }), (s) => {
        expect(illFormedTextPath(s) === undefined).toBe(isWellFormed(s));
      }),
      { numRuns: 1000 },
    );
  });

  it("names the path of the first bad string at any depth, keys included", () => {
    expect(illFormedTextPath({ a: [1, "ok", { b: "x\ud800" }] })).toBe("a.2.b");
    expect(illFormedTextPath({ ok: "😀", "k\udc00": 1 })).toBe("k\udc00");
    expect(illFormedTextPath({ a: null, b: 3, c: true, d: "fine 😀" })).toBeUndefined();
  });
});

describe("through executeTool", () => {
  it.each(TOOLS.map((t) => [t.name]))("%s refuses a lone surrogate, naming the field", async (tool) => {
    const w = world();
    const { caller } = await w.addAgent({ name: "a" });
    for (const bad of LONE) {
      const res = await w.call(caller, tool, { title: `Demo ${bad}` });
      expect(res).toMatchObject({
        isError: true,
        error: "bad_request",
        message: `Invalid ${tool} input: title: ${ILL_FORMED_TEXT}.`,
        details: [{ field: "title", message: ILL_FORMED_TEXT }],
      });
    }
  });

  it("names nested fields, and writes nothing", async () => {
    const w = world();
    const { caller } = await w.addAgent({ name: "a" });
    const cases: [string, object, string][] = [
      [
        "create_booking",
        { ...BOOKING, title: "ok", attendees: ["a@example.com", "b\ud800@example.com"] },
        "attendees.1",
      ],
      ["create_booking", { ...BOOKING, title: "ok", meeting_class: "x\udfff" }, "meeting_class"],
      [
        "check_availability",
        { owner_email: CEO, duration_minutes: 30, window: { start: "2026-03-03T00:00:00Z\ud800", end: "x" } },
        "window.start",
      ],
      [
        "set_availability_rules",
        {
          calendar_id: calendarId,
          hard_blocks: [{ start: "2026-03-03T00:00:00Z", end: "2026-03-04T00:00:00Z", reason: "\udc00" }],
        },
        "hard_blocks.0.reason",
      ],
      ["create_booking", { ...BOOKING, title: "ok" }, "idempotency_key"],
    ];
    for (const [tool, args, field] of cases) {
      const key = field === "idempotency_key" ? "retry-\ud800" : undefined;
      const res = await w.call(caller, tool, args, key);
      expect(res.error, `${tool} ${field}`).toBe("bad_request");
      expect(res.details, `${tool} ${field}`).toEqual([{ field, message: ILL_FORMED_TEXT }]);
    }
    expect(await countRows(w, "bookings")).toBe(0);
    expect(await countRows(w, "decisions")).toBe(0);
  });

  it("keeps well-formed text exactly, astral characters included", async () => {
    const w = world();
    const { caller } = await w.addAgent({ name: "a" });
    const title = "Demo 😀 𝄞 — ok";
    const res = await w.call(caller, "create_booking", { ...BOOKING, title });
    expect(res.booking.title).toBe(title);
    const row = await w.app.ledger.db.selectFrom("bookings").select("title").executeTakeFirstOrThrow();
    expect(row.title).toBe(title);
  });
});

describe("through the admin functions and the policy file", () => {
  async function refusal(fn: () => Promise<unknown>): Promise<Record<string, any>> {
    try {
      await fn();
    } catch (err) {
      if (err instanceof OpenavailError) return err.toJSON();
      throw err;
    }
    throw new Error("expected a refusal");
  }

  it("refuses an owner name or a rule's reason with a lone surrogate, naming the field", async () => {
    const w = world();
    const db = w.app.ledger.db;
    const owner = await refusal(() =>
      addOwner(db, { email: "x@example.com", name: "Ann \ud800", timezone: "UTC" }, w.clock.now),
    );
    expect(owner).toMatchObject({
      error: "bad_request",
      details: [{ field: "name", message: ILL_FORMED_TEXT }],
    });
    const rules = await refusal(() =>
      setCalendarRules(
        db,
        calendarId,
        {
          hard_blocks: [{ start: "2026-03-03T00:00:00Z", end: "2026-03-04T00:00:00Z", reason: "off \udc00" }],
        },
        { now: w.clock.now },
      ),
    );
    expect(rules.details).toEqual([{ field: "hard_blocks.0.reason", message: ILL_FORMED_TEXT }]);
  });

  it("refuses a policy file with a lone surrogate, naming the field", () => {
    const raw = {
      default_class: "internal_sync",
      classes: { internal_sync: { rank: 40, preemptible: true, description: "1:1s \ud800" } },
    };
    expect(() => policyFrom(raw, "p.json")).toThrow(
      `invalid policy p.json: classes.internal_sync.description: ${ILL_FORMED_TEXT}`,
    );
  });
});
