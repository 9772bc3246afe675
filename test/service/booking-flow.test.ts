import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { assertNoOverlaps } from "../helpers/invariants.js";
import { makeWorld, NINE_TO_FIVE, type World } from "../helpers/world.js";

// 2026-03-02 is a Monday; America/New_York is UTC-5 until 2026-03-08.
let w: World;
beforeEach(async () => {
  w = await makeWorld("2026-03-02T12:00:00Z");
  await w.addOwner("ceo@example.com", "America/New_York", {
    timezone: "America/New_York",
    working_hours: NINE_TO_FIVE,
  });
});
afterEach(async () => {
  try {
    await assertNoOverlaps(w.app.ledger.db, w.clock.now);
  } finally {
    await w.close();
  }
});

describe("the seed scenario", () => {
  it("holds, books, counter-proposes, preempts and notifies with a landing hold", async () => {
    const sales = await w.addAgent({
      name: "sales bot",
      scopes: ["read_freebusy", "create_holds", "create_bookings"],
      defaultClass: "external_customer_call",
    });
    const exec = await w.addAgent({ name: "exec assistant", defaultClass: "exec_meeting", priority: 5 });

    const check = await w.call(sales.caller, "check_availability", {
      owner_email: "ceo@example.com",
      duration_minutes: 30,
      window: { start: "2026-03-03T14:00:00Z", end: "2026-03-03T22:00:00Z" }, // Tue 09:00-17:00 local
    });
    expect(check.verdict).toBe("Accept");
    expect(check.slots[0]).toEqual({
      start: "2026-03-03T14:00:00Z",
      end: "2026-03-03T14:30:00Z",
      local_start: "2026-03-03T09:00:00-05:00",
    });
    expect(check.hold.hold_id).toMatch(/^hld_/);

    const booked = await w.call(sales.caller, "create_booking", {
      hold_id: check.hold.hold_id,
      title: "Demo",
      attendees: ["Buyer@Example.com"],
    });
    expect(booked.verdict).toBe("Accept");
    expect(booked.booking.attendees).toEqual([{ email: "buyer@example.com", name: null, time_zone: null }]);

    const clash = await w.call(sales.caller, "create_booking", {
      owner_email: "ceo@example.com",
      start: "2026-03-03T14:15:00Z",
      duration_minutes: 30,
      title: "Second demo",
    });
    expect(clash.verdict).toBe("CounterPropose");
    expect(clash.reason_code).toBe("CONFLICT");
    expect(clash.alternatives[0].start).toBe("2026-03-03T14:30:00Z");

    const board = await w.call(exec.caller, "create_booking", {
      owner_email: "ceo@example.com",
      start: "2026-03-03T14:00:00Z",
      end: "2026-03-03T14:30:00Z",
      title: "Board prep",
    });
    expect(board.verdict).toBe("Preempt");
    expect(board.displaced).toHaveLength(1);
    expect(board.displaced[0].id).toBe(booked.booking.booking_id);

    const next = await w.call(sales.caller, "whoami", {});
    expect(next.pending_notifications).toHaveLength(1);
    const note = next.pending_notifications[0];
    expect(note.type).toBe("booking.preempted");
    expect(note.winner_class).toBe("exec_meeting");
    expect(note.landing_hold.start).toBe("2026-03-03T14:30:00Z");
    const again = await w.call(sales.caller, "get_notifications", {});
    expect(again.notifications).toEqual([]);
  });
});

describe("idempotency", () => {
  it("replays the stored response byte for byte and writes once", async () => {
    const a = await w.addAgent({ name: "a" });
    const args = {
      owner_email: "ceo@example.com",
      start: "2026-03-03T15:00:00Z",
      duration_minutes: 30,
      title: "x",
    };
    const first = await w.call(a.caller, "create_booking", { ...args, idempotency_key: "k1" });
    const second = await w.call(a.caller, "create_booking", { ...args, idempotency_key: "k1" });
    expect(second._replayed).toBe(true);
    expect(second._json).toBe(first._json);
    const count = await w.app.ledger.db
      .selectFrom("bookings")
      .select((eb) => eb.fn.countAll().as("n"))
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(1);
    const reused = await w.call(a.caller, "create_booking", { ...args, title: "y", idempotency_key: "k1" });
    expect(reused.error).toBe("idempotency_key_reused");
  });
});
