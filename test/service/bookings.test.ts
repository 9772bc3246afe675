// Bookings through the service: adjacency, buffers, cancel then rebook, reschedule.
// Owner in America/New_York (UTC-5 until 2026-03-08), 09:00-17:00 Mon-Fri.
import { describe, expect, it } from "vitest";
import type { Caller } from "../../src/service/caller.js";
import { NINE_TO_FIVE, type World } from "../helpers/world.js";
import { confirmedBookings, decisionRow, useWorld } from "./fixtures.js";

// Now: Mon 2026-03-02 12:00Z = 07:00 EST.
const world = useWorld("2026-03-02T12:00:00Z", async (w) => {
  await w.addOwner("ceo@example.com", "America/New_York", {
    timezone: "America/New_York",
    working_hours: NINE_TO_FIVE,
  });
});

const SCOPES = ["read_freebusy", "read_events", "create_holds", "create_bookings"] as const;

async function agent(w: World, name: string): Promise<Caller> {
  return (await w.addAgent({ name, scopes: [...SCOPES], defaultClass: "internal_sync" })).caller;
}

function book(w: World, caller: Caller, start: string, end: string, owner = "ceo@example.com") {
  return w.call(caller, "create_booking", { owner_email: owner, start, end, title: "Meeting" });
}

describe("half-open intervals", () => {
  it("[a, b) and [b, c) both Accept, and so does [z, a) before them", async () => {
    const w = world();
    const a = await agent(w, "a");
    const b = await agent(w, "b");
    // Tue 10:00-10:30 EST, then 10:30-11:00 EST, then 09:30-10:00 EST.
    const first = await book(w, a, "2026-03-03T15:00:00Z", "2026-03-03T15:30:00Z");
    const after = await book(w, b, "2026-03-03T15:30:00Z", "2026-03-03T16:00:00Z");
    const before = await book(w, b, "2026-03-03T14:30:00Z", "2026-03-03T15:00:00Z");
    expect([first.verdict, after.verdict, before.verdict]).toEqual(["Accept", "Accept", "Accept"]);
    // One millisecond of overlap is a conflict.
    const sliver = await book(w, b, "2026-03-03T15:29:59.999Z", "2026-03-03T15:45:00Z");
    expect(sliver.verdict).toBe("CounterPropose");
    expect(sliver.reason_code).toBe("CONFLICT");
    expect(await confirmedBookings(w)).toHaveLength(3);
  });

  it("buffers turn adjacency into a conflict", async () => {
    const w = world();
    const a = await agent(w, "a");
    await w.addOwner("buffered@example.com", "America/New_York", {
      timezone: "America/New_York",
      working_hours: NINE_TO_FIVE,
      buffer_after_minutes: 10,
    });
    const first = await book(w, a, "2026-03-03T15:00:00Z", "2026-03-03T15:30:00Z", "buffered@example.com");
    expect(first.verdict).toBe("Accept");
    // Tue 10:30 EST is inside the 10-minute buffer after 10:00-10:30 EST; 10:45 EST is the next grid slot.
    const adjacent = await book(w, a, "2026-03-03T15:30:00Z", "2026-03-03T16:00:00Z", "buffered@example.com");
    expect(adjacent.verdict).toBe("CounterPropose");
    expect(adjacent.reason_code).toBe("CONFLICT");
    expect(adjacent.alternatives[0].start).toBe("2026-03-03T15:45:00Z");
    const clear = await book(w, a, "2026-03-03T15:40:00Z", "2026-03-03T16:00:00Z", "buffered@example.com");
    expect(clear.verdict).toBe("Accept");
  });
});

describe("cancel_booking", () => {
  it("cancels, lets anyone rebook the slot, and is idempotent", async () => {
    const w = world();
    const a = await agent(w, "a");
    const b = await agent(w, "b");
    const first = await book(w, a, "2026-03-03T15:00:00Z", "2026-03-03T15:30:00Z");
    expect((await book(w, b, "2026-03-03T15:00:00Z", "2026-03-03T15:30:00Z")).verdict).toBe("CounterPropose");
    const cancelled = await w.call(a, "cancel_booking", {
      booking_id: first.booking.booking_id,
      reason: "moved",
    });
    expect(cancelled.booking).toMatchObject({ booking_id: first.booking.booking_id, status: "cancelled" });
    const again = await w.call(a, "cancel_booking", { booking_id: first.booking.booking_id });
    expect(again.booking.status).toBe("cancelled");
    const rebooked = await book(w, b, "2026-03-03T15:00:00Z", "2026-03-03T15:30:00Z");
    expect(rebooked.verdict).toBe("Accept");
    // The original agent can rebook its old slot only by asking again, and now it is taken.
    expect((await book(w, a, "2026-03-03T15:00:00Z", "2026-03-03T15:30:00Z")).verdict).toBe("CounterPropose");
    const live = await confirmedBookings(w);
    expect(live.map((r) => r.id)).toEqual([rebooked.booking.booking_id]);
  });

  it("another agent's booking is not found, and cannot be rescheduled either", async () => {
    const w = world();
    const a = await agent(w, "a");
    const b = await agent(w, "b");
    const first = await book(w, a, "2026-03-03T15:00:00Z", "2026-03-03T15:30:00Z");
    expect((await w.call(b, "cancel_booking", { booking_id: first.booking.booking_id })).error).toBe(
      "not_found",
    );
    const move = await w.call(b, "reschedule_booking", {
      booking_id: first.booking.booking_id,
      start: "2026-03-03T18:00:00Z",
      duration_minutes: 30,
    });
    expect(move.error).toBe("not_found");
    expect((await confirmedBookings(w))[0]!.start_ms).toBe(Date.parse("2026-03-03T15:00:00Z"));
  });
});

describe("reschedule_booking", () => {
  it("excludes the booking itself from conflicts: it may slide over its own time", async () => {
    const w = world();
    const a = await agent(w, "a");
    const first = await book(w, a, "2026-03-03T15:00:00Z", "2026-03-03T15:30:00Z");
    // Tue 10:15-10:45 EST overlaps only the booking being moved.
    const moved = await w.call(a, "reschedule_booking", {
      booking_id: first.booking.booking_id,
      start: "2026-03-03T15:15:00Z",
      end: "2026-03-03T15:45:00Z",
    });
    expect(moved.verdict).toBe("Accept");
    expect(moved.booking).toMatchObject({
      booking_id: first.booking.booking_id,
      start: "2026-03-03T15:15:00Z",
      end: "2026-03-03T15:45:00Z",
      local_start: "2026-03-03T10:15:00-05:00",
      status: "confirmed",
    });
    const row = await decisionRow(w, moved.decision_id);
    expect(row.tool).toBe("reschedule_booking");
    expect(row.booking_id).toBe(first.booking.booking_id);
    expect(await confirmedBookings(w)).toHaveLength(1);
  });

  it("a rejected reschedule keeps the old time", async () => {
    const w = world();
    const a = await agent(w, "a");
    const b = await agent(w, "b");
    const mine = await book(w, a, "2026-03-03T15:00:00Z", "2026-03-03T15:30:00Z");
    await book(w, b, "2026-03-03T18:00:00Z", "2026-03-03T18:30:00Z");
    // Onto b's Tue 13:00-13:30 EST.
    const clash = await w.call(a, "reschedule_booking", {
      booking_id: mine.booking.booking_id,
      start: "2026-03-03T18:00:00Z",
      duration_minutes: 30,
    });
    expect(clash.verdict).toBe("CounterPropose");
    expect(clash.reason_code).toBe("CONFLICT");
    expect(clash.booking).toBeNull();
    // Saturday: a hard rule.
    const weekend = await w.call(a, "reschedule_booking", {
      booking_id: mine.booking.booking_id,
      start: "2026-03-07T15:00:00Z",
      duration_minutes: 30,
    });
    expect(weekend.verdict).toBe("Reject");
    expect(weekend.reason_code).toBe("WORKING_HOURS");
    const row = await w.app.ledger.db
      .selectFrom("bookings")
      .selectAll()
      .where("id", "=", mine.booking.booking_id)
      .executeTakeFirstOrThrow();
    expect([row.start_ms, row.end_ms, row.status]).toEqual([
      Date.parse("2026-03-03T15:00:00Z"),
      Date.parse("2026-03-03T15:30:00Z"),
      "confirmed",
    ]);
  });

  it("moves a displaced booking back to confirmed; a cancelled one cannot move", async () => {
    const w = world();
    const a = await agent(w, "a");
    const exec = await w.addAgent({ name: "exec", defaultClass: "exec_meeting", priority: 5 });
    const mine = await book(w, a, "2026-03-03T15:00:00Z", "2026-03-03T15:30:00Z");
    const board = await book(w, exec.caller, "2026-03-03T15:00:00Z", "2026-03-03T15:30:00Z");
    expect(board.verdict).toBe("Preempt");
    // Tue 14:00-14:30 EST.
    const moved = await w.call(a, "reschedule_booking", {
      booking_id: mine.booking.booking_id,
      start: "2026-03-03T19:00:00Z",
      duration_minutes: 30,
    });
    expect(moved.verdict).toBe("Accept");
    expect(moved.booking.status).toBe("confirmed");
    expect(moved.pending_notifications.map((n: { type: string }) => n.type)).toEqual(["booking.preempted"]);

    await w.call(a, "cancel_booking", { booking_id: mine.booking.booking_id });
    const dead = await w.call(a, "reschedule_booking", {
      booking_id: mine.booking.booking_id,
      start: "2026-03-03T20:00:00Z",
      duration_minutes: 30,
    });
    expect(dead.error).toBe("bad_request");
  });
});
