// Migration 0005 (issue 15, point 7) over a ledger an older Openavail wrote: bookings whose attendees
// are plain emails read back as attendee objects, in their order, with no description, and the
// bookings stay usable by every tool.
import { describe, expect, it } from "vitest";
import { createApiKey } from "../../src/service/admin.js";
import { insertOldAgent, insertOldOwner, oldLedger, useOldLedgerWorld } from "../helpers/old-ledger.js";

const OWNER = "ceo@example.com";
const HOUR = 3_600_000;
// Tue 2026-03-03 15:00Z = 10:00 EST.
const T = Date.parse("2026-03-03T15:00:00Z");

const openOld = useOldLedgerWorld("openavail-0005-", "2026-03-02T12:00:00Z");

/** A ledger at migration 0003 with one owner, one calendar, one agent and three bookings. */
async function seedAt0003(path: string): Promise<void> {
  const db = await oldLedger(path, "0003-live-span-length");
  await insertOldOwner(db, { id: "own_old", email: OWNER, timezone: "America/New_York" }, [
    { id: "cal_old", type: "work" },
  ]);
  await insertOldAgent(db, { id: "agt_old", scopes: ["read_events", "create_bookings"], owners: [OWNER] });
  const booking = (id: string, offsetH: number, attendees: string) => ({
    id,
    owner_id: "own_old",
    calendar_id: "cal_old",
    agent_id: "agt_old",
    start_ms: T + offsetH * HOUR,
    end_ms: T + offsetH * HOUR + HOUR / 2,
    title: `Old ${id}`,
    attendees_json: attendees,
    meeting_class: "internal_sync",
    status: "confirmed",
    hold_id: null,
    created_at: T - 48 * HOUR,
    updated_at: T - 48 * HOUR,
  });
  await db
    .insertInto("bookings")
    .values([
      booking("bkg_two", 0, JSON.stringify(["zed@example.com", "amy@example.com"])),
      booking("bkg_none", 1, "[]"),
      booking(
        "bkg_mixed",
        2,
        JSON.stringify(["x@example.com", { email: "y@example.com", name: "Y", time_zone: null }]),
      ),
    ])
    .execute();
  await db.destroy();
}

describe("migration 0005 over a ledger at 0003 with bookings", () => {
  it("turns stored emails into attendee objects in order, adds no description, and keeps every booking usable", async () => {
    const w = await openOld(seedAt0003);

    const stored = w.app.ledger.sqlite
      .prepare("SELECT id, attendees_json, description FROM bookings ORDER BY start_ms")
      .all() as { id: string; attendees_json: string; description: string | null }[];
    expect(stored.map((r) => [r.id, JSON.parse(r.attendees_json), r.description])).toEqual([
      [
        "bkg_two",
        [
          { email: "zed@example.com", name: null, time_zone: null },
          { email: "amy@example.com", name: null, time_zone: null },
        ],
        null,
      ],
      ["bkg_none", [], null],
      [
        "bkg_mixed",
        [
          { email: "x@example.com", name: null, time_zone: null },
          { email: "y@example.com", name: "Y", time_zone: null },
        ],
        null,
      ],
    ]);

    const reader = await w.addAgent({ name: "reader", scopes: ["read_events"], owners: [OWNER] });
    const listed = await w.call(reader.caller, "list_bookings", { owner_email: OWNER });
    expect(listed.bookings.map((b: any) => [b.booking_id, b.attendees.length, b.description])).toEqual([
      ["bkg_two", 2, null],
      ["bkg_none", 0, null],
      ["bkg_mixed", 2, null],
    ]);
    expect(listed.bookings[0]).toMatchObject({ class_rank: 40, agent_priority: 3 });
    const one = await w.call(reader.caller, "get_booking", { booking_id: "bkg_two" });
    expect(one.booking).toEqual(listed.bookings[0]);

    // The old agent cancels one of its old bookings; the audit row names it.
    const old = await w.app.authenticate((await createApiKey(w.app.ledger.db, "agt_old", w.clock.now)).key);
    const cancelled = await w.call(old, "cancel_booking", { booking_id: "bkg_none", reason: "stale" });
    expect(cancelled.booking).toMatchObject({ status: "cancelled", attendees: [] });
    const row = w.app.ledger.sqlite
      .prepare("SELECT agent_id, booking_id FROM decisions WHERE id = ?")
      .get(cancelled.decision_id);
    expect(row).toEqual({ agent_id: "agt_old", booking_id: "bkg_none" });
  });
});
