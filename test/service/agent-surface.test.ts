// Issue 15 through the service: check_availability's seed shape and its single check-hold, the cause
// it names when a window holds nothing, dry runs that change nothing and agree with the real request,
// and the one input language (a span given both ways, fields that repeat a hold, reschedule by start).
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { makeWorld, NINE_TO_FIVE, type World } from "../helpers/world.js";

// Mon 2026-03-02 12:00Z = 07:00 EST; the CEO works 09:00-17:00 New York time, Monday to Friday.
const CEO = "ceo@example.com";
let w: World;
afterEach(async () => w?.close());

async function setup() {
  w = await makeWorld("2026-03-02T12:00:00Z");
  await w.addOwner(CEO, "America/New_York", { timezone: "America/New_York", working_hours: NINE_TO_FIVE });
  return w.addAgent({ name: "sales" });
}

const liveHolds = () =>
  (
    w.app.ledger.sqlite.prepare("SELECT COUNT(*) AS n FROM holds WHERE status = 'active'").get() as {
      n: number;
    }
  ).n;

describe("check_availability", () => {
  it("answers with top-level hold_id and expires_at, and a new check releases the last check-hold", async () => {
    const { caller } = await setup();
    const ask = (start: string, end: string) =>
      w.call(caller, "check_availability", {
        owner_email: CEO,
        duration_minutes: 30,
        window: { start, end },
      });
    // Tue 09:00-12:00 EST.
    const first = await ask("2026-03-03T14:00:00Z", "2026-03-03T17:00:00Z");
    expect(first.verdict).toBe("Accept");
    expect(first.hold_id).toBe(first.hold.hold_id);
    expect(first.expires_at).toBe(first.hold.expires_at);
    // The same window again: the old hold no longer blocks, so the same first slot comes back.
    const second = await ask("2026-03-03T14:00:00Z", "2026-03-03T17:00:00Z");
    expect(second.slots[0].start).toBe(first.slots[0].start);
    expect(second.hold_id).not.toBe(first.hold_id);
    expect(liveHolds()).toBe(1);
    const old = w.app.ledger.sqlite.prepare("SELECT status FROM holds WHERE id = ?").get(first.hold_id) as {
      status: string;
    };
    expect(old.status).toBe("released");
    // A hold made with create_hold is not a check-hold: a check leaves it alone.
    await w.call(caller, "create_hold", {
      owner_email: CEO,
      start: "2026-03-04T15:00:00Z",
      duration_minutes: 30,
    });
    await ask("2026-03-03T14:00:00Z", "2026-03-03T17:00:00Z");
    expect(liveHolds()).toBe(2);
  });

  it.each([
    ["a Saturday", "2026-03-07T14:00:00Z", "2026-03-07T22:00:00Z", "WORKING_HOURS"],
    ["a Tuesday night", "2026-03-03T23:00:00Z", "2026-03-04T13:00:00Z", "WORKING_HOURS"],
    ["the past", "2026-02-24T14:00:00Z", "2026-02-24T22:00:00Z", "MIN_NOTICE"],
    ["beyond the horizon", "2027-06-01T14:00:00Z", "2027-06-01T22:00:00Z", "OUTSIDE_HORIZON"],
  ])("names the cause when nothing is found in %s", async (_what, start, end, cause) => {
    const { caller } = await setup();
    const res = await w.call(caller, "check_availability", {
      owner_email: CEO,
      duration_minutes: 30,
      window: { start, end },
    });
    expect([res.verdict, res.reason_code, res.hold_id]).toEqual(["Reject", cause, null]);
  });

  it("says NO_CAPACITY only for an open window that is taken", async () => {
    const { caller } = await setup();
    const other = await w.addAgent({ name: "other" });
    // Tue 09:00-10:00 EST, fully booked.
    await w.call(other.caller, "create_booking", {
      owner_email: CEO,
      start: "2026-03-03T14:00:00Z",
      duration_minutes: 60,
      title: "Taken",
    });
    const res = await w.call(caller, "check_availability", {
      owner_email: CEO,
      duration_minutes: 30,
      window: { start: "2026-03-03T14:00:00Z", end: "2026-03-03T15:00:00Z" },
    });
    expect([res.verdict, res.reason_code]).toEqual(["Reject", "NO_CAPACITY"]);
  });
});

describe("dry_run", () => {
  it("answers the verdict with an explanation and holds, books and displaces nothing", async () => {
    const { caller } = await setup();
    const exec = await w.addAgent({ name: "exec", defaultClass: "exec_meeting" });
    const slot = { owner_email: CEO, start: "2026-03-03T15:00:00Z", duration_minutes: 30 };
    const booked = await w.call(caller, "create_booking", { ...slot, title: "Demo" });
    const before = w.app.ledger.sqlite
      .prepare("SELECT COUNT(*) AS n FROM bookings WHERE status = 'confirmed'")
      .get();
    const dry = await w.call(exec.caller, "create_booking", { ...slot, title: "Board", dry_run: true });
    expect(dry).toMatchObject({ verdict: "Preempt", dry_run: true, booking: null });
    expect(dry.displaced).toEqual([
      expect.objectContaining({ id: booked.booking.booking_id, landing_hold_id: null }),
    ]);
    expect(dry.explanation.rules).toHaveLength(5);
    expect(dry.explanation.rules.every((r: { outcome: string }) => r.outcome === "ok")).toBe(true);
    expect(dry.explanation.request).toMatchObject({
      meeting_class: "exec_meeting",
      rank: 90,
      can_preempt: true,
    });
    expect(dry.explanation.conflicts).toEqual([
      expect.objectContaining({
        id: booked.booking.booking_id,
        meeting_class: "internal_sync",
        rank: 40,
        displaceable: true,
      }),
    ]);
    expect(
      w.app.ledger.sqlite.prepare("SELECT COUNT(*) AS n FROM bookings WHERE status = 'confirmed'").get(),
    ).toEqual(before);
    const logged = w.app.ledger.sqlite
      .prepare("SELECT verdict, request_json FROM decisions WHERE id = ?")
      .get(dry.decision_id) as { verdict: string; request_json: string };
    expect(logged.verdict).toBe("Preempt");
    expect(JSON.parse(logged.request_json).dry_run).toBe(true);
    // A rule broken shows as broken.
    const early = await w.call(caller, "create_hold", {
      ...slot,
      start: "2026-03-03T12:00:00Z",
      dry_run: true,
    });
    expect(early.reason_code).toBe("WORKING_HOURS");
    expect(early.explanation.rules[0]).toEqual({ rule: "WORKING_HOURS", outcome: "broken" });
    expect(liveHolds()).toBe(0);
  });

  it("gives the verdict the real request then gets, on the same ledger", async () => {
    const sales = await setup();
    const exec = await w.addAgent({ name: "exec", defaultClass: "exec_meeting" });
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 5 * 24 * 4 - 1 }),
        fc.constantFrom(15, 30, 60),
        fc.constantFrom("create_booking", "create_hold"),
        fc.boolean(),
        async (quarter, minutes, tool, asExec) => {
          const start = new Date(Date.parse("2026-03-03T00:00:00Z") + quarter * 15 * 60_000).toISOString();
          const agent = asExec ? exec : sales;
          const args = {
            owner_email: CEO,
            start,
            duration_minutes: minutes,
            ...(tool === "create_booking" ? { title: "t" } : {}),
          };
          const dry = await w.call(agent.caller, tool, { ...args, dry_run: true });
          const real = await w.call(agent.caller, tool, args);
          return dry.verdict === real.verdict && dry.reason_code === real.reason_code;
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("one input language", () => {
  it("takes a span as start+end, start+duration or both when they agree", async () => {
    const { caller } = await setup();
    const both = await w.call(caller, "create_hold", {
      owner_email: CEO,
      start: "2026-03-03T15:00:00Z",
      end: "2026-03-03T15:30:00Z",
      duration_minutes: 30,
    });
    expect(both.verdict).toBe("Accept");
    const disagree = await w.call(caller, "create_hold", {
      owner_email: CEO,
      start: "2026-03-03T16:00:00Z",
      end: "2026-03-03T16:30:00Z",
      duration_minutes: 45,
    });
    expect(disagree).toMatchObject({
      isError: true,
      details: [expect.objectContaining({ field: "duration_minutes" })],
    });
  });

  it("confirms a hold with fields that repeat it, and refuses by name those that contradict it", async () => {
    const { caller } = await setup();
    const hold = (
      await w.call(caller, "create_hold", {
        owner_email: CEO,
        start: "2026-03-03T15:00:00Z",
        duration_minutes: 30,
      })
    ).hold;
    const wrong = await w.call(caller, "create_booking", {
      hold_id: hold.hold_id,
      owner_email: CEO,
      start: "2026-03-03T16:00:00Z",
      title: "Demo",
    });
    expect(wrong).toMatchObject({ isError: true, error: "bad_request", details: [{ field: "start" }] });
    const ok = await w.call(caller, "create_booking", {
      hold_id: hold.hold_id,
      owner_email: CEO,
      start: "2026-03-03T10:00:00-05:00",
      end: hold.end,
      title: "Demo",
    });
    expect(ok.verdict).toBe("Accept");
    expect(ok.booking.start).toBe(hold.start);
  });

  it("reschedules by a new start alone, keeping the length", async () => {
    const { caller } = await setup();
    const b = (
      await w.call(caller, "create_booking", {
        owner_email: CEO,
        start: "2026-03-03T15:00:00Z",
        duration_minutes: 45,
        title: "x",
      })
    ).booking;
    const moved = await w.call(caller, "reschedule_booking", {
      booking_id: b.booking_id,
      start: "2026-03-04T15:00:00Z",
    });
    expect(moved.verdict).toBe("Accept");
    expect([moved.booking.start, moved.booking.end]).toEqual([
      "2026-03-04T15:00:00Z",
      "2026-03-04T15:45:00Z",
    ]);
  });

  it("reads numbers written as strings the same in every tool", async () => {
    const { caller } = await setup();
    const res = await w.call(caller, "check_availability", {
      owner_email: CEO,
      duration_minutes: "30",
      max_slots: "2",
      window: { start: "2026-03-03T14:00:00Z", end: "2026-03-03T17:00:00Z" },
    });
    expect(res.slots).toHaveLength(2);
    expect(res.slots[0].end).toBe("2026-03-03T14:30:00Z");
  });
});
