// The sweep of expired holds before each decision (schedule-writes.ts). On SQLite it runs no
// statement while the clock is before the earliest active hold's expiry, which is read once and kept
// until the holds table changes; on PostgreSQL every decision sweeps. Either way, at that expiry, to
// the millisecond, the next decision expires the hold and tells its agent.
import { describe, expect, it } from "vitest";
import type { ChangeTracker } from "../../src/ledger/change-tracker.js";
import type { Caller } from "../../src/service/caller.js";
import { NINE_TO_FIVE, type World } from "../helpers/world.js";
import { holdStatus, useWorld } from "./fixtures.js";

const NOW = Date.parse("2026-03-02T12:00:00Z"); // Mon 07:00 EST
const CEO = "ceo@example.com";
const SCOPES = ["read_freebusy", "read_events", "create_holds", "create_bookings"] as const;
const HOLD_TTL_MS = 60_000;

const world = useWorld("2026-03-02T12:00:00Z", async (w) => {
  await w.addOwner(CEO, "America/New_York", { timezone: "America/New_York", working_hours: NINE_TO_FIVE });
});

/** Tue 2026-03-03, the half hour from 09:00 EST plus `i` hours. */
function slot(i: number) {
  const start = Date.parse("2026-03-03T14:00:00Z") + i * 3_600_000;
  return { start: new Date(start).toISOString(), end: new Date(start + 1_800_000).toISOString() };
}

/** The statements the ledger runs while `work` runs that read the holds due for expiry. */
async function sweepsDuring(w: World, work: () => Promise<unknown>): Promise<number> {
  const changes = w.app.ledger.changes as ChangeTracker;
  const note = changes.noteStatement.bind(changes);
  let sweeps = 0;
  changes.noteStatement = (text, reader) => {
    // SQLite selects the due holds, PostgreSQL updates them (schedule.repository.ts).
    if (/"holds"[\s\S]*"expires_at" <= (?:\?|\$\d+)/.test(text)) sweeps++;
    note(text, reader);
  };
  try {
    await work();
  } finally {
    changes.noteStatement = note;
  }
  return sweeps;
}

/** Sweeps a decision runs when nothing is due: none on SQLite, one on PostgreSQL. */
function skipped(w: World): number {
  return w.app.ledger.dialect === "sqlite" ? 0 : 1;
}

describe("the sweep before a decision", () => {
  it("skips while nothing is due, and expires the hold at its expiry to the millisecond", async () => {
    const w = world();
    const holder: Caller = (
      await w.addAgent({ name: "holder", scopes: [...SCOPES], defaultClass: "internal_sync" })
    ).caller;
    const booker: Caller = (
      await w.addAgent({ name: "booker", scopes: [...SCOPES], defaultClass: "internal_sync" })
    ).caller;
    const book = (i: number) =>
      w.call(booker, "create_booking", { owner_email: CEO, ...slot(i), title: `B${i}` });

    // No hold yet: the first decision looks, the next ones know there is none.
    expect(await sweepsDuring(w, () => book(0))).toBe(1);
    expect(await sweepsDuring(w, () => book(1))).toBe(skipped(w));

    const held = await w.call(holder, "create_hold", {
      owner_email: CEO,
      ...slot(5),
      ttl_seconds: HOLD_TTL_MS / 1000,
    });
    expect(held.verdict).toBe("Accept");
    // The hold was written after the earliest expiry was read: the next decision looks again.
    expect(await sweepsDuring(w, () => book(2))).toBe(1);
    w.clock.now = NOW + HOLD_TTL_MS - 1;
    expect(await sweepsDuring(w, () => book(3))).toBe(skipped(w));
    expect(await holdStatus(w, held.hold.hold_id)).toBe("active");

    w.clock.now = NOW + HOLD_TTL_MS;
    expect(await sweepsDuring(w, () => book(4))).toBe(1);
    expect(await holdStatus(w, held.hold.hold_id)).toBe("expired");
    const inbox = await w.call(holder, "get_notifications", {});
    expect(inbox.notifications).toMatchObject([{ type: "hold.expired", hold_id: held.hold.hold_id }]);
  });

  it("sees nothing due on a clock set back, and sweeps the hold once its expiry comes", async () => {
    const w = world();
    const holder: Caller = (
      await w.addAgent({ name: "holder", scopes: [...SCOPES], defaultClass: "internal_sync" })
    ).caller;
    const held = await w.call(holder, "create_hold", { owner_email: CEO, ...slot(0), ttl_seconds: 60 });
    const check = () =>
      w.call(holder, "create_booking", { owner_email: CEO, ...slot(1), title: "x", dry_run: true });
    expect(await sweepsDuring(w, check)).toBe(1);
    w.clock.now = NOW - 3_600_000;
    expect(await sweepsDuring(w, check)).toBe(skipped(w));
    w.clock.now = NOW + 60_000;
    expect(await sweepsDuring(w, check)).toBe(1);
    expect(await holdStatus(w, held.hold.hold_id)).toBe("expired");
  });
});
