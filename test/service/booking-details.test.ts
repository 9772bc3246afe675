// Booking details and the audit of plain writes through the service (issue 15, points 7 and 10):
// whitespace is no text, every release and cancel is a decision row however it ends, and a slot
// freed by a winner reaches each displaced agent once.
// Owner in America/New_York (UTC-5 until 2026-03-08), no rules. Now: Mon 2026-03-02 12:00Z.
import { describe, expect, it } from "vitest";
import { countRows, decisionRow, useWorld } from "./fixtures.js";

const OWNER = "ceo@example.com";
const world = useWorld("2026-03-02T12:00:00Z", async (w) => {
  await w.addOwner(OWNER, "America/New_York");
});

const slot = (start: string) => ({ owner_email: OWNER, start, duration_minutes: 30 });

describe("description and reason", () => {
  it("are null when only whitespace was sent, in the booking and in the notifications", async () => {
    const w = world();
    const sales = await w.addAgent({ name: "sales", defaultClass: "external_customer_call" });
    const exec = await w.addAgent({ name: "exec", defaultClass: "exec_meeting", priority: 5 });
    const booked = await w.call(sales.caller, "create_booking", {
      ...slot("2026-03-03T15:00:00Z"),
      title: "Call",
      description: " \n ",
    });
    expect(booked.booking.description).toBeNull();
    const mine = await w.call(exec.caller, "create_booking", {
      ...slot("2026-03-03T18:00:00Z"),
      title: "Board",
    });
    const moved = await w.call(exec.caller, "reschedule_booking", {
      booking_id: mine.booking.booking_id,
      start: "2026-03-03T15:00:00Z",
      duration_minutes: 30,
      reason: "   ",
    });
    expect(moved.verdict).toBe("Preempt");
    const [note] = (await w.call(sales.caller, "get_notifications", {})).notifications;
    expect(note).toMatchObject({ type: "booking.preempted", reason: null });
    expect(note.message).not.toContain("reason");
  });
});

describe("the audit of plain writes", () => {
  it("logs a release of a hold that had already expired, and changes nothing else", async () => {
    const w = world();
    const agent = await w.addAgent({ name: "holder" });
    const held = await w.call(agent.caller, "create_hold", {
      ...slot("2026-03-03T15:00:00Z"),
      ttl_seconds: 30,
    });
    w.clock.now += 60_000;
    const released = await w.call(agent.caller, "release_hold", { hold_id: held.hold.hold_id });
    expect(released.hold.status).toBe("expired");
    expect(await decisionRow(w, released.decision_id)).toMatchObject({
      tool: "release_hold",
      agent_id: agent.agentId,
      key_prefix: agent.caller.keyPrefix,
      hold_id: held.hold.hold_id,
      verdict: "Accept",
    });
  });

  it("logs nothing for a refused cancel: a made-up id is not found and leaves no row", async () => {
    const w = world();
    const agent = await w.addAgent({ name: "canceller" });
    const before = await countRows(w, "decisions");
    const res = await w.call(agent.caller, "cancel_booking", { booking_id: "bkg_0000000000000000000a" });
    expect(res).toMatchObject({ isError: true, error: "not_found" });
    expect(await countRows(w, "decisions")).toBe(before);
  });
});

describe("a freed slot", () => {
  it("reaches the agents the winner displaced where it was, once, however many Preempt decisions named it", async () => {
    const w = world();
    const sales = await w.addAgent({ name: "sales", defaultClass: "external_customer_call" });
    const recruiter = await w.addAgent({ name: "recruiter", defaultClass: "interview" });
    const exec = await w.addAgent({ name: "exec", defaultClass: "exec_meeting", priority: 5 });
    const call = await w.call(sales.caller, "create_booking", {
      ...slot("2026-03-03T15:00:00Z"),
      title: "Call",
    });
    const interview = await w.call(recruiter.caller, "create_booking", {
      ...slot("2026-03-03T17:00:00Z"),
      title: "Interview",
    });
    // The winner displaces the call, then moves onto the interview: two Preempt decisions name it.
    const board = await w.call(exec.caller, "create_booking", {
      ...slot("2026-03-03T15:00:00Z"),
      title: "Board",
    });
    expect(board.verdict).toBe("Preempt");
    const moved = await w.call(exec.caller, "reschedule_booking", {
      booking_id: board.booking.booking_id,
      start: "2026-03-03T17:00:00Z",
      duration_minutes: 30,
      reason: "Chair's flight moved",
    });
    expect(moved.verdict).toBe("Preempt");
    const kinds = async (caller: typeof sales.caller) =>
      (await w.call(caller, "get_notifications", {})).notifications.map((n: any) => [
        n.type,
        n.booking_id,
        n.reason,
      ]);
    // Moving off 15:00 told the sales bot its call's time may be free.
    expect(await kinds(sales.caller)).toEqual([
      ["booking.preempted", call.booking.booking_id, null],
      ["booking.slot_freed", call.booking.booking_id, "Chair's flight moved"],
    ]);
    expect(await kinds(recruiter.caller)).toEqual([
      ["booking.preempted", interview.booking.booking_id, "Chair's flight moved"],
    ]);
    // Cancelling frees 17:00 only: the recruiter is told, the sales bot not again.
    await w.call(exec.caller, "cancel_booking", { booking_id: board.booking.booking_id, reason: "Off" });
    expect(await kinds(sales.caller)).toEqual([]);
    expect(await kinds(recruiter.caller)).toEqual([
      ["booking.slot_freed", interview.booking.booking_id, "Off"],
    ]);
  });
});
