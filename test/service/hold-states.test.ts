// A hold that no longer holds its slot cannot be confirmed (issue 5d): create_booking with the hold_id
// of a released, expired or confirmed hold is a 409 `conflict` whose message names the state and when
// it began, and nothing is written. Expiry is by the clock: a hold at or past expires_at is expired
// even when no sweep has marked it yet. The clock is injected; nothing sleeps.
import { describe, expect, it } from "vitest";
import type { Caller } from "../../src/service/caller.js";
import { NINE_TO_FIVE, type World } from "../helpers/world.js";
import { countRows, holdStatus, useWorld } from "./fixtures.js";

const NOW = Date.parse("2026-03-02T12:00:00Z"); // Mon 07:00 EST
const CEO = "ceo@example.com";
// Tue 2026-03-03 10:00-10:30 EST.
const SLOT = { start: "2026-03-03T15:00:00Z", end: "2026-03-03T15:30:00Z" };
const SCOPES = ["read_freebusy", "read_events", "create_holds", "create_bookings"] as const;

const world = useWorld("2026-03-02T12:00:00Z", async (w) => {
  await w.addOwner(CEO, "America/New_York", { timezone: "America/New_York", working_hours: NINE_TO_FIVE });
});

async function holder(w: World): Promise<Caller> {
  return (await w.addAgent({ name: "holder", scopes: [...SCOPES], defaultClass: "internal_sync" })).caller;
}

async function holdFor(w: World, caller: Caller, ttl = 300): Promise<string> {
  const h = await w.call(caller, "create_hold", { owner_email: CEO, ...SLOT, ttl_seconds: ttl });
  expect(h.verdict).toBe("Accept");
  return h.hold.hold_id;
}

/** Confirms `holdId` and checks the refusal: 409, the state named, nothing written. */
async function expectRefusedConfirm(
  w: World,
  caller: Caller,
  holdId: string,
  message: string,
): Promise<void> {
  const before = await Promise.all([countRows(w, "bookings"), countRows(w, "decisions")]);
  const res = await w.call(caller, "create_booking", { hold_id: holdId, title: "Late" });
  expect(res).toMatchObject({ isError: true, error: "conflict", message });
  expect(res.details).toEqual([
    {
      field: "hold_id",
      message: expect.stringMatching(/^the hold is (released|expired|confirmed), not active$/),
    },
  ]);
  expect(await Promise.all([countRows(w, "bookings"), countRows(w, "decisions")])).toEqual(before);
}

const AGAIN = "its slot is no longer held for you; call check_availability or create_hold again.";

describe("confirming a hold that is not active", () => {
  it("released by its agent: refused, naming when", async () => {
    const w = world();
    const a = await holder(w);
    const id = await holdFor(w, a);
    w.clock.now = NOW + 60_000;
    expect((await w.call(a, "release_hold", { hold_id: id })).hold.status).toBe("released");
    w.clock.now = NOW + 120_000;
    await expectRefusedConfirm(w, a, id, `Hold ${id} was released at 2026-03-02T12:01:00Z: ${AGAIN}`);
  });

  it("released by a preemption: refused, even though the slot may be free again later", async () => {
    const w = world();
    const a = await holder(w);
    const exec = await w.addAgent({ name: "exec", defaultClass: "exec_meeting", priority: 5 });
    const id = await holdFor(w, a);
    const taken = await w.call(exec.caller, "create_booking", { owner_email: CEO, ...SLOT, title: "Board" });
    expect(taken.verdict).toBe("Preempt");
    await w.call(exec.caller, "cancel_booking", { booking_id: taken.booking.booking_id });
    await expectRefusedConfirm(w, a, id, `Hold ${id} was released at 2026-03-02T12:00:00Z: ${AGAIN}`);
  });

  it("expired and swept: refused, naming expires_at", async () => {
    const w = world();
    const a = await holder(w);
    const id = await holdFor(w, a, 30);
    w.clock.now = NOW + 45_000;
    // Any arbitrated write sweeps expired holds first.
    await w.call(a, "create_hold", { owner_email: CEO, start: "2026-03-04T15:00:00Z", duration_minutes: 30 });
    expect(await holdStatus(w, id)).toBe("expired");
    await expectRefusedConfirm(w, a, id, `Hold ${id} expired at 2026-03-02T12:00:30Z: ${AGAIN}`);
  });

  it.each([
    ["exactly at expires_at", 0],
    ["1 ms after expires_at", 1],
  ])("expired by the clock but not yet swept (%s): refused", async (_, extra) => {
    const w = world();
    const a = await holder(w);
    const id = await holdFor(w, a, 30);
    w.clock.now = NOW + 30_000 + extra;
    expect(await holdStatus(w, id)).toBe("active");
    await expectRefusedConfirm(w, a, id, `Hold ${id} expired at 2026-03-02T12:00:30Z: ${AGAIN}`);
  });

  it("1 ms before expires_at it is still confirmed", async () => {
    const w = world();
    const a = await holder(w);
    const id = await holdFor(w, a, 30);
    w.clock.now = NOW + 30_000 - 1;
    expect((await w.call(a, "create_booking", { hold_id: id, title: "Just in time" })).verdict).toBe(
      "Accept",
    );
  });

  it("already confirmed: refused, and a retry with the same idempotency key still replays the booking", async () => {
    const w = world();
    const a = await holder(w);
    const id = await holdFor(w, a);
    const first = await w.call(a, "create_booking", { hold_id: id, title: "Demo" }, "confirm-1");
    expect(first.verdict).toBe("Accept");
    const replay = await w.call(a, "create_booking", { hold_id: id, title: "Demo" }, "confirm-1");
    expect(replay._replayed).toBe(true);
    expect(replay._json).toBe(first._json);
    await expectRefusedConfirm(
      w,
      a,
      id,
      `Hold ${id} was already confirmed at 2026-03-02T12:00:00Z; see list_bookings for its booking.`,
    );
  });
});

describe("release_hold and the clock", () => {
  it("a hold past expires_at is reported expired (and its agent told), not relabelled released", async () => {
    const w = world();
    const a = await holder(w);
    const id = await holdFor(w, a, 30);
    w.clock.now = NOW + 30_000;
    const res = await w.call(a, "release_hold", { hold_id: id });
    expect(res.hold.status).toBe("expired");
    expect(res.pending_notifications).toMatchObject([{ type: "hold.expired", hold_id: id }]);
    expect(await holdStatus(w, id)).toBe("expired");
  });
});
