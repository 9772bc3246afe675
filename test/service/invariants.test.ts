// The overlap invariant itself: it must see what the arbiter is meant to prevent, written straight
// into the ledger behind the service's back, and nothing else.
import { describe, expect, it } from "vitest";
import { insertBooking, insertHold } from "../../src/ledger/schedule.repository.js";
import { assertNoOverlaps, findOverlaps } from "../helpers/invariants.js";
import { makeWorld, type World } from "../helpers/world.js";

// Tue 2026-03-03 10:00 EST.
const T = Date.parse("2026-03-03T15:00:00Z");
const MIN = 60_000;

async function setup(): Promise<{ w: World; ownerId: string; calendarId: string; agentId: string }> {
  const w = await makeWorld("2026-03-02T12:00:00Z");
  const { ownerId, calendarId } = await w.addOwner("ceo@example.com");
  const { agentId } = await w.addAgent({ name: "a" });
  return { w, ownerId, calendarId, agentId };
}

describe("findOverlaps", () => {
  it("flags overlapping bookings and live holds, but not touching, dead or other owners' items", async () => {
    const { w, ownerId, calendarId, agentId } = await setup();
    try {
      const db = w.app.ledger.db;
      const other = await w.addOwner("cto@example.com");
      const booking = (id: string, start: number, end: number, status = "confirmed", owner = ownerId) =>
        insertBooking(db, {
          id,
          owner_id: owner,
          calendar_id: owner === ownerId ? calendarId : other.calendarId,
          agent_id: agentId,
          start_ms: start,
          end_ms: end,
          title: id,
          attendees_json: "[]",
          meeting_class: "internal_sync",
          status: status as "confirmed",
          hold_id: null,
          created_at: w.clock.now,
          updated_at: w.clock.now,
        });
      const hold = (id: string, start: number, end: number, expiresAt: number) =>
        insertHold(db, {
          id,
          owner_id: ownerId,
          calendar_id: calendarId,
          agent_id: agentId,
          start_ms: start,
          end_ms: end,
          meeting_class: "internal_sync",
          status: "active",
          expires_at: expiresAt,
          created_at: w.clock.now,
          updated_at: w.clock.now,
        });
      await booking("bkg_a", T, T + 30 * MIN);
      await booking("bkg_b", T + 30 * MIN, T + 60 * MIN); // touches a: fine
      await booking("bkg_c", T, T + 60 * MIN, "cancelled"); // dead
      await booking("bkg_d", T, T + 60 * MIN, "needs_reschedule"); // dead
      await booking("bkg_e", T, T + 60 * MIN, "confirmed", other.ownerId); // another owner
      await hold("hld_x", T + 60 * MIN, T + 90 * MIN, w.clock.now + 1000); // touches b: fine
      await hold("hld_y", T + 10 * MIN, T + 20 * MIN, w.clock.now + 1000); // overlaps a, live for 1 s
      expect(await findOverlaps(db, w.clock.now)).toEqual([
        {
          owner_id: ownerId,
          a: { kind: "booking", id: "bkg_a", start_ms: T, end_ms: T + 30 * MIN },
          b: { kind: "hold", id: "hld_y", start_ms: T + 10 * MIN, end_ms: T + 20 * MIN },
        },
      ]);
      await expect(assertNoOverlaps(db, w.clock.now)).rejects.toThrow(/bkg_a .* overlaps hold hld_y/);
      // At its expires_at the hold is dead.
      expect(await findOverlaps(db, w.clock.now + 1000)).toEqual([]);
      await booking("bkg_f", T + 29 * MIN, T + 31 * MIN);
      const pairs = (await findOverlaps(db, w.clock.now + 1000)).map((o) => [o.a.id, o.b.id]);
      expect(pairs).toEqual([
        ["bkg_a", "bkg_f"],
        ["bkg_b", "bkg_f"],
      ]);
    } finally {
      await w.close();
    }
  });
});
