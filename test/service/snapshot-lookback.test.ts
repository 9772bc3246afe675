// The snapshot finds bookings and holds that began long before a requested slot: those up to
// LIVE_SHORT_MS long by a bounded look-back over start times, longer ones (any length) through their
// partial index by end. The two parts meet at LIVE_SHORT_MS exactly, so the tests book on each side.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LIVE_SHORT_MS, ownerBusyIntervals, ownerSnapshot } from "../../src/ledger/busy-time.repository.js";
import type { ChangeTracker } from "../../src/ledger/change-tracker.js";
import { makeWorld, type World } from "../helpers/world.js";
import { iso, MINUTE } from "./fixtures.js";

const SHORT_MINUTES = LIVE_SHORT_MS / 60_000;
const CEO = "ceo@example.com";

let w: World;
let ownerId: string;
let book: (start: string, minutes: number) => Promise<Record<string, any>>;
let hold: (start: string, minutes: number) => Promise<Record<string, any>>;
let cancel: (bookingId: string) => Promise<Record<string, any>>;
let busy: (start: string, end: string) => Promise<{ start: string; end: string }[]>;

beforeEach(async () => {
  w = await makeWorld("2026-03-02T12:00:00Z");
  ({ ownerId } = await w.addOwner(CEO, "UTC"));
  const agent = await w.addAgent({ name: "a" });
  const span = (start: string, minutes: number) => ({ owner_email: CEO, start, duration_minutes: minutes });
  book = (start, minutes) => w.call(agent.caller, "create_booking", { ...span(start, minutes), title: "t" });
  hold = (start, minutes) => w.call(agent.caller, "create_hold", span(start, minutes));
  cancel = (bookingId) => w.call(agent.caller, "cancel_booking", { booking_id: bookingId });
  busy = async (start, end) =>
    (await w.call(agent.caller, "get_free_busy", { owner_email: CEO, window: { start, end } })).busy;
});
afterEach(async () => w.close());

/** `instant` plus `minutes`, as fixtures' `iso` writes it. */
function plus(instant: string, minutes: number): string {
  return iso(Date.parse(instant) + minutes * MINUTE);
}

describe("the snapshot's look-back", () => {
  it("a 24-hour booking blocks its last minute, however many short bookings follow its start", async () => {
    const long = await book("2026-03-05T00:00:00Z", 1440);
    expect(long.verdict).toBe("Accept");
    for (let h = 1; h < 23; h += 2) {
      expect((await book(`2026-03-06T${String(h).padStart(2, "0")}:00:00Z`, 30)).verdict).toBe("Accept");
    }
    expect((await book("2026-03-05T23:55:00Z", 5)).verdict).not.toBe("Accept");
    expect((await book("2026-03-06T00:00:00Z", 30)).verdict).toBe("Accept");
  });

  it("a long booking, once cancelled, frees the slot it held", async () => {
    const long = await book("2026-03-05T00:00:00Z", 1200);
    await book("2026-03-05T21:00:00Z", 30);
    expect((await book("2026-03-05T19:30:00Z", 30)).verdict).not.toBe("Accept");
    expect((await cancel(long.booking.booking_id)).booking.status).toBe("cancelled");
    expect((await book("2026-03-05T19:30:00Z", 30)).verdict).toBe("Accept");
    // The short booking after it still blocks its own half hour.
    expect((await book("2026-03-05T21:15:00Z", 30)).verdict).not.toBe("Accept");
  });

  it("a long hold blocks until it expires, then is not counted", async () => {
    expect((await hold("2026-03-05T00:00:00Z", 1380)).verdict).toBe("Accept");
    expect((await book("2026-03-05T22:30:00Z", 30)).verdict).not.toBe("Accept");
    w.clock.now += 3_600_001; // past the longest hold TTL
    expect((await book("2026-03-05T22:30:00Z", 30)).verdict).toBe("Accept");
  });

  it("bookings and holds on either side of the bound are found from their first to their last millisecond, once", async () => {
    const days = ["2026-03-05", "2026-03-06", "2026-03-09", "2026-03-10"];
    const made: Record<string, any>[] = [
      await book(`${days[0]}T08:00:00Z`, SHORT_MINUTES),
      await book(`${days[1]}T08:00:00Z`, SHORT_MINUTES + 1),
      await hold(`${days[2]}T08:00:00Z`, SHORT_MINUTES),
      await hold(`${days[3]}T08:00:00Z`, SHORT_MINUTES + 1),
    ];
    expect(made.map((m) => m.verdict)).toEqual(["Accept", "Accept", "Accept", "Accept"]);
    const ids = made.map((m, i) => (i < 2 ? m.booking.booking_id : m.hold.hold_id));
    const db = w.app.ledger.db;
    for (const [i, day] of days.entries()) {
      const start = Date.parse(`${day}T08:00:00Z`);
      const end = start + (SHORT_MINUTES + (i % 2)) * 60_000;
      // Unmerged, straight from the ledger: a row read by two parts would show twice.
      for (const range of [
        { start: end - 1, end },
        { start, end: start + 1 },
        { start: start - 3_600_000, end: end + 3_600_000 },
      ]) {
        const items = await ownerSnapshot(db, ownerId, range, w.clock.now);
        expect(
          items.map((it) => it.id),
          `${day} ${JSON.stringify(range)}`,
        ).toEqual([ids[i]]);
        expect(await ownerBusyIntervals(db, ownerId, range, w.clock.now)).toEqual([{ start, end }]);
      }
      // Half-open: the millisecond before its start and the one at its end are free.
      for (const range of [
        { start: start - 1, end: start },
        { start: end, end: end + 1 },
      ]) {
        expect(await ownerSnapshot(db, ownerId, range, w.clock.now)).toEqual([]);
        expect(await ownerBusyIntervals(db, ownerId, range, w.clock.now)).toEqual([]);
      }
      const lastMinute = plus(`${day}T08:00:00Z`, SHORT_MINUTES + (i % 2) - 1);
      expect((await book(lastMinute, 1)).verdict, `${day}, last minute`).not.toBe("Accept");
      expect((await book(plus(lastMinute, 1), 30)).verdict, `${day}, after`).toBe("Accept");
    }
  });

  it("finds a long booking among many long ones booked ahead, and only the ones overlapping", async () => {
    // A daily 8-hour block for 60 days: the long parts scan by end only up to the range's end plus
    // the longest long block, not every block booked ahead.
    const blocks: string[] = [];
    for (let d = 0; d < 60; d++) {
      const start = plus("2026-03-05T09:00:00Z", d * 1440);
      const made = await book(start, 480);
      expect(made.verdict, start).toBe("Accept");
      blocks.push(made.booking.booking_id);
    }
    const day = (d: number) => Date.parse("2026-03-05T09:00:00Z") + d * 86_400_000;
    const range = { start: day(30) + 479 * 60_000, end: day(31) + 1 };
    const items = await ownerSnapshot(w.app.ledger.db, ownerId, range, w.clock.now);
    expect(items.map((it) => it.id)).toEqual([blocks[30], blocks[31]]);
  });
});

describe("the snapshot's plan", () => {
  it("reads short items from the live index, long ones from the partial index, and scans nothing", async (ctx) => {
    if (w.app.ledger.dialect !== "sqlite") ctx.skip(); // the plan is SQLite's; behaviour is tested above
    const changes = w.app.ledger.changes as ChangeTracker;
    const note = changes.noteStatement.bind(changes);
    const seen = new Set<string>();
    changes.noteStatement = (text, reader) => {
      if (/union all/i.test(text)) seen.add(text);
      note(text, reader);
    };
    try {
      await book("2026-03-05T09:00:00Z", 30);
      await busy("2026-03-05T00:00:00Z", "2026-03-06T00:00:00Z");
    } finally {
      changes.noteStatement = note;
    }
    // The snapshot and free/busy: two statements.
    expect(seen.size).toBe(2);
    for (const text of seen) {
      const unbound = text.split("?").length - 1;
      const plan = w.app.ledger
        .sqlite!.prepare(`EXPLAIN QUERY PLAN ${text}`)
        .all(new Array(unbound).fill(null))
        .map((row) => (row as { detail: string }).detail)
        .join("\n");
      for (const index of [
        "bookings_owner_live",
        "bookings_owner_long",
        "bookings_owner_long_span",
        "holds_owner_live",
        "holds_owner_long",
        "holds_owner_long_span",
      ]) {
        expect(plan, text).toContain(`INDEX ${index} `);
      }
      // The long parts' scan by end is bounded on both sides.
      expect(
        plan.match(/_owner_long \(owner_id=\? AND status=\? AND end_ms>\? AND end_ms<\?\)/g),
      ).toHaveLength(2);
      expect(plan).not.toMatch(/SCAN (bookings|holds|external_events)\b/);
      // Free/busy reads start and end only: the index holds both, no booking row is read.
      if (!/'booking'/.test(text)) expect(plan).toContain("COVERING INDEX bookings_owner_live ");
    }
  });
});
