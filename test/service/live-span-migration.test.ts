// Migration 0010 over a ledger an older Openavail wrote (at 0009): the span-length indexes go, the
// live indexes gain the end, long rows get their partial indexes, and the bookings and holds already
// stored, short and long, still block every minute they cover.
import { describe, expect, it } from "vitest";
import * as liveSpanBounds from "../../src/ledger/migrations/0010-live-span-bounds.js";
import { insertOldAgent, insertOldOwner, oldLedger, useOldLedgerWorld } from "../helpers/old-ledger.js";

const OWNER = "ceo@example.com";
const MINUTE = 60_000;
const T = Date.parse("2026-03-05T00:00:00Z");

const openOld = useOldLedgerWorld("openavail-0010-", "2026-03-02T12:00:00Z");

/** A ledger at 0009 with a 20-hour and a half-hour booking on 5 March, and a 5-hour hold on the 6th. */
async function seedAt0009(path: string): Promise<void> {
  const db = await oldLedger(path, "0009-oauth");
  await insertOldOwner(db, { id: "own_old", email: OWNER, timezone: "UTC" }, [
    { id: "cal_old", type: "work" },
  ]);
  await insertOldAgent(db, { id: "agt_old", scopes: ["create_bookings", "create_holds"], owners: [OWNER] });
  const row = (id: string, startMinute: number, minutes: number) => ({
    id,
    owner_id: "own_old",
    calendar_id: "cal_old",
    agent_id: "agt_old",
    start_ms: T + startMinute * MINUTE,
    end_ms: T + (startMinute + minutes) * MINUTE,
    meeting_class: "internal_sync",
    created_at: 0,
    updated_at: 0,
  });
  await db
    .insertInto("bookings")
    .values([
      {
        ...row("bkg_long", 0, 1200),
        title: "Offsite",
        attendees_json: "[]",
        status: "confirmed",
        hold_id: null,
      },
      {
        ...row("bkg_short", 1260, 30),
        title: "Call",
        attendees_json: "[]",
        status: "confirmed",
        hold_id: null,
      },
    ])
    .execute();
  await db
    .insertInto("holds")
    .values({ ...row("hld_long", 1440 + 600, 300), status: "active", expires_at: T + 30 * 86_400_000 })
    .execute();
  await db.destroy();
}

describe("migration 0010 over a ledger at 0009", () => {
  it("replaces the indexes (and down restores them), and stored bookings and holds of any length still block their last minute", async () => {
    const w = await openOld(seedAt0009);

    const indexes = () =>
      Object.fromEntries(
        (
          w.app.ledger.sqlite
            .prepare(
              "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('bookings', 'holds')",
            )
            .all() as { name: string; sql: string | null }[]
        ).map((i) => [i.name, i.sql]),
      );
    const expectMigrated = () => {
      const now = indexes();
      for (const table of ["bookings", "holds"]) {
        expect(now).not.toHaveProperty(`${table}_owner_span_length`);
        expect(now[`${table}_owner_live`]).toMatch(/\(owner_id, status, start_ms, end_ms\)$/);
        expect(now[`${table}_owner_long`]).toMatch(
          /\(owner_id, status, end_ms\)\s+WHERE end_ms - start_ms > 14400000$/,
        );
        expect(now[`${table}_owner_long_span`]).toMatch(
          /\(owner_id, status, \(end_ms - start_ms\)\)\s+WHERE end_ms - start_ms > 14400000$/,
        );
      }
    };
    expectMigrated();
    // Down restores 0009's indexes; up again gives the same as the first time.
    await liveSpanBounds.down(w.app.ledger.db);
    const before = indexes();
    for (const table of ["bookings", "holds"]) {
      expect(before).not.toHaveProperty(`${table}_owner_long`);
      expect(before).not.toHaveProperty(`${table}_owner_long_span`);
      expect(before[`${table}_owner_live`]).toMatch(/\(owner_id, status, start_ms\)$/);
      expect(before[`${table}_owner_span_length`]).toMatch(/\(owner_id, status, \(end_ms - start_ms\)\)$/);
    }
    await liveSpanBounds.up(w.app.ledger.db);
    expectMigrated();

    const agent = await w.addAgent({ name: "new bot" });
    const book = (minute: number, minutes: number) =>
      w.call(agent.caller, "create_booking", {
        owner_email: OWNER,
        start: new Date(T + minute * MINUTE).toISOString(),
        duration_minutes: minutes,
        title: "t",
      });
    expect((await book(1199, 1)).verdict).not.toBe("Accept"); // the offsite's last minute
    expect((await book(1289, 1)).verdict).not.toBe("Accept"); // the call's last minute
    expect((await book(1440 + 899, 1)).verdict).not.toBe("Accept"); // the hold's last minute
    expect((await book(1200, 30)).verdict).toBe("Accept"); // between the offsite and the call
    expect((await book(1440 + 900, 30)).verdict).toBe("Accept"); // right after the hold
  });
});
