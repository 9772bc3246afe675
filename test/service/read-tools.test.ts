// The read tools through the service: find_common_slots across zones, get_free_busy merged over an
// owner's calendars, list_bookings paging, owner scoping and free/busy redaction.
import { describe, expect, it } from "vitest";
import { upsertExternalEvent } from "../../src/ledger/schedule.repository.js";
import type { Caller } from "../../src/service/caller.js";
import { NINE_TO_FIVE, type World } from "../helpers/world.js";
import { useWorld } from "./fixtures.js";

// Now: Mon 2026-03-02 12:00Z = 07:00 EST = 13:00 CET = 17:45 NPT (Kathmandu, +05:45).
const world = useWorld("2026-03-02T12:00:00Z", async (w) => {
  await w.addOwner("ceo@example.com", "America/New_York", {
    timezone: "America/New_York",
    working_hours: NINE_TO_FIVE,
  });
});

const BOOKER_SCOPES = ["read_freebusy", "read_events", "create_holds", "create_bookings"] as const;

async function booker(w: World, name = "booker"): Promise<Caller> {
  return (await w.addAgent({ name, scopes: [...BOOKER_SCOPES], defaultClass: "internal_sync" })).caller;
}

const starts = (res: Record<string, any>) => res.slots.map((s: { start: string }) => s.start);

describe("find_common_slots", () => {
  it("intersects New York and Berlin working hours and each owner's bookings", async () => {
    const w = world();
    await w.addOwner("cto@example.com", "Europe/Berlin", {
      timezone: "Europe/Berlin",
      working_hours: NINE_TO_FIVE,
    });
    const a = await booker(w);
    const ask = () =>
      w.call(a, "find_common_slots", {
        owner_emails: ["ceo@example.com", "cto@example.com"],
        duration_minutes: 60,
        granularity_minutes: 30,
        window: { start: "2026-03-03T00:00:00Z", end: "2026-03-04T00:00:00Z" },
      });
    // Tue: New York 09:00-17:00 EST = 14:00-22:00Z; Berlin 09:00-17:00 CET = 08:00-16:00Z.
    const before = await ask();
    expect(starts(before)).toEqual(["2026-03-03T14:00:00Z", "2026-03-03T14:30:00Z", "2026-03-03T15:00:00Z"]);
    expect(before.slots[0]).toEqual({ start: "2026-03-03T14:00:00Z", end: "2026-03-03T15:00:00Z" });
    // The CEO takes 09:30-10:00 EST: only 10:00-11:00 EST (16:00-17:00 CET) is left in common.
    const taken = await w.call(a, "create_booking", {
      owner_email: "ceo@example.com",
      start: "2026-03-03T14:30:00Z",
      end: "2026-03-03T15:00:00Z",
      title: "1:1",
    });
    expect(taken.verdict).toBe("Accept");
    expect(starts(await ask())).toEqual(["2026-03-03T15:00:00Z"]);
    // And the CTO's 16:30-17:00 CET booking leaves nothing.
    await w.call(a, "create_booking", {
      owner_email: "cto@example.com",
      start: "2026-03-03T15:30:00Z",
      end: "2026-03-03T16:00:00Z",
      title: "Standup",
    });
    expect((await ask()).slots).toEqual([]);
  });

  it("aligns the common slots to the first owner's local grid (+05:45 vs +01:00)", async () => {
    const w = world();
    await w.addOwner("cto@example.com", "Europe/Berlin", {
      timezone: "Europe/Berlin",
      working_hours: NINE_TO_FIVE,
    });
    await w.addOwner("ktm@example.com", "Asia/Kathmandu", {
      timezone: "Asia/Kathmandu",
      working_hours: NINE_TO_FIVE,
    });
    const a = await booker(w);
    const window = { start: "2026-03-03T00:00:00Z", end: "2026-03-04T00:00:00Z" };
    // Tue: Kathmandu 09:00-17:00 NPT = 03:15-11:15Z; Berlin 08:00-16:00Z; in common 08:00-11:15Z.
    const berlinFirst = await w.call(a, "find_common_slots", {
      owner_emails: ["cto@example.com", "ktm@example.com"],
      duration_minutes: 60,
      granularity_minutes: 30,
      window,
    });
    // Berlin's grid: 09:00, 09:30, ... CET.
    expect(starts(berlinFirst)).toEqual([
      "2026-03-03T08:00:00Z",
      "2026-03-03T08:30:00Z",
      "2026-03-03T09:00:00Z",
      "2026-03-03T09:30:00Z",
      "2026-03-03T10:00:00Z",
    ]);
    const kathmanduFirst = await w.call(a, "find_common_slots", {
      owner_emails: ["ktm@example.com", "cto@example.com"],
      duration_minutes: 60,
      granularity_minutes: 30,
      window,
    });
    // Kathmandu's grid: 14:00 NPT = 08:15Z, 14:30 NPT = 08:45Z, ...
    expect(starts(kathmanduFirst)).toEqual([
      "2026-03-03T08:15:00Z",
      "2026-03-03T08:45:00Z",
      "2026-03-03T09:15:00Z",
      "2026-03-03T09:45:00Z",
      "2026-03-03T10:15:00Z",
    ]);
  });

  it("refuses owners the agent may not act on", async () => {
    const w = world();
    await w.addOwner("cto@example.com", "Europe/Berlin");
    const limited = await w.addAgent({
      name: "limited",
      scopes: ["read_freebusy"],
      owners: ["ceo@example.com"],
    });
    const res = await w.call(limited.caller, "find_common_slots", {
      owner_emails: ["ceo@example.com", "cto@example.com"],
      duration_minutes: 30,
      window: { start: "2026-03-03T00:00:00Z", end: "2026-03-04T00:00:00Z" },
    });
    expect(res.error).toBe("forbidden");
  });
});

describe("get_free_busy", () => {
  it("merges bookings, live holds and external events across the owner's two calendars", async () => {
    const w = world();
    const { ownerId, calendarId: personalId } = await w.addOwner(
      "ceo@example.com",
      "America/New_York",
      null,
      "personal",
    );
    const a = await booker(w);
    // Work (the default, oldest calendar): Tue 10:00-10:30 EST.
    const work = await w.call(a, "create_booking", {
      owner_email: "ceo@example.com",
      start: "2026-03-03T15:00:00Z",
      end: "2026-03-03T15:30:00Z",
      title: "Secret deal",
    });
    expect(work.booking.calendar_type).toBe("work");
    // Personal: 10:15 EST clashes with the work booking (busy time is the union of calendars) ...
    const clash = await w.call(a, "create_booking", {
      owner_email: "ceo@example.com",
      calendar_type: "personal",
      start: "2026-03-03T15:15:00Z",
      end: "2026-03-03T15:45:00Z",
      title: "Gym",
    });
    expect(clash.verdict).toBe("CounterPropose");
    expect(clash.resolved_calendar_type).toBe("personal");
    // ... 10:30-11:00 EST does not.
    const personal = await w.call(a, "create_booking", {
      owner_email: "ceo@example.com",
      calendar_type: "personal",
      start: "2026-03-03T15:30:00Z",
      end: "2026-03-03T16:00:00Z",
      title: "Gym",
    });
    expect(personal.verdict).toBe("Accept");
    expect(personal.booking.calendar_id).toBe(personalId);
    // A hold on work, 11:00-11:30 EST, for 300 s.
    const hold = await w.call(a, "create_hold", {
      owner_email: "ceo@example.com",
      start: "2026-03-03T16:00:00Z",
      end: "2026-03-03T16:30:00Z",
    });
    expect(hold.verdict).toBe("Accept");
    // The owner's own appointment on the personal calendar, 13:00-14:00 EST, and a cancelled one.
    for (const [id, busy, start, end] of [
      ["ext_1", 1, "2026-03-03T18:00:00Z", "2026-03-03T19:00:00Z"],
      ["ext_2", 0, "2026-03-03T20:00:00Z", "2026-03-03T21:00:00Z"],
    ] as const) {
      await upsertExternalEvent(w.app.ledger.db, {
        id,
        owner_id: ownerId,
        calendar_id: personalId,
        external_id: id,
        start_ms: Date.parse(start),
        end_ms: Date.parse(end),
        busy,
        title: "Dentist",
        booking_id: null,
        updated_at: w.clock.now,
      });
    }
    const reader = await w.addAgent({ name: "reader", scopes: ["read_freebusy"] });
    const fb = () =>
      w.call(reader.caller, "get_free_busy", {
        owner_email: "ceo@example.com",
        // Tue 09:00-17:00 EST.
        window: { start: "2026-03-03T14:00:00Z", end: "2026-03-03T22:00:00Z" },
      });
    const now = await fb();
    expect(now).toMatchObject({ owner_email: "ceo@example.com", timezone: "America/New_York", warnings: [] });
    expect(now.busy).toEqual([
      { start: "2026-03-03T15:00:00Z", end: "2026-03-03T16:30:00Z" },
      { start: "2026-03-03T18:00:00Z", end: "2026-03-03T19:00:00Z" },
    ]);
    expect(now._json).not.toContain("Secret deal");
    expect(now._json).not.toContain("Dentist");

    // Clipped to the range asked for.
    const clipped = await w.call(reader.caller, "get_free_busy", {
      owner_email: "ceo@example.com",
      window: { start: "2026-03-03T15:15:00Z", end: "2026-03-03T18:30:00Z" },
    });
    expect(clipped.busy).toEqual([
      { start: "2026-03-03T15:15:00Z", end: "2026-03-03T16:30:00Z" },
      { start: "2026-03-03T18:00:00Z", end: "2026-03-03T18:30:00Z" },
    ]);

    // Once the hold lapses and the work booking is cancelled, only the gym and the dentist remain.
    w.clock.now += 300_000;
    await w.call(a, "cancel_booking", { booking_id: work.booking.booking_id });
    expect((await fb()).busy).toEqual([
      { start: "2026-03-03T15:30:00Z", end: "2026-03-03T16:00:00Z" },
      { start: "2026-03-03T18:00:00Z", end: "2026-03-03T19:00:00Z" },
    ]);
  });
});

describe("list_bookings", () => {
  async function sevenBookings(w: World, a: Caller): Promise<string[]> {
    const ids: string[] = [];
    // Tue and Wed, 10:00, 11:00, 12:00, 13:00 EST (Wed 13:00 omitted): seven bookings, booked out of order.
    const when = [
      "2026-03-04T16:00:00Z",
      "2026-03-03T15:00:00Z",
      "2026-03-04T15:00:00Z",
      "2026-03-03T17:00:00Z",
      "2026-03-03T16:00:00Z",
      "2026-03-04T17:00:00Z",
      "2026-03-03T18:00:00Z",
    ];
    for (const start of when) {
      const r = await w.call(a, "create_booking", {
        owner_email: "ceo@example.com",
        start,
        duration_minutes: 30,
        title: `Meeting at ${start}`,
        attendees: ["guest@example.com"],
      });
      expect(r.verdict).toBe("Accept");
      ids.push(r.booking.booking_id);
    }
    return ids;
  }

  it("pages in start order with a cursor until next_cursor is null", async () => {
    const w = world();
    const a = await booker(w);
    await sevenBookings(w, a);
    const seen: string[] = [];
    let cursor: string | undefined;
    const pageSizes: number[] = [];
    for (;;) {
      const page = await w.call(a, "list_bookings", {
        owner_email: "ceo@example.com",
        limit: 3,
        ...(cursor ? { cursor } : {}),
      });
      pageSizes.push(page.bookings.length);
      seen.push(...page.bookings.map((b: { start: string }) => b.start));
      if (page.next_cursor === null) break;
      cursor = page.next_cursor;
    }
    expect(pageSizes).toEqual([3, 3, 1]);
    expect(seen).toEqual([
      "2026-03-03T15:00:00Z",
      "2026-03-03T16:00:00Z",
      "2026-03-03T17:00:00Z",
      "2026-03-03T18:00:00Z",
      "2026-03-04T15:00:00Z",
      "2026-03-04T16:00:00Z",
      "2026-03-04T17:00:00Z",
    ]);
    // An exact multiple of the page size ends with a null cursor, not an empty page.
    const seven = await w.call(a, "list_bookings", { limit: 7 });
    expect(seven.bookings).toHaveLength(7);
    expect(seven.next_cursor).toBeNull();
    const bad = await w.call(a, "list_bookings", { cursor: "not-a-cursor" });
    expect(bad.error).toBe("bad_request");
  });

  it("filters by status and range", async () => {
    const w = world();
    const a = await booker(w);
    const ids = await sevenBookings(w, a);
    await w.call(a, "cancel_booking", { booking_id: ids[1]! }); // Tue 10:00 EST
    const cancelled = await w.call(a, "list_bookings", { status: "cancelled" });
    expect(cancelled.bookings.map((b: { booking_id: string }) => b.booking_id)).toEqual([ids[1]]);
    // Tue 10:15-12:00 EST: bookings ending after 10:15 and starting before 12:00.
    const tuesday = await w.call(a, "list_bookings", {
      window: { start: "2026-03-03T15:15:00Z", end: "2026-03-03T17:00:00Z" },
    });
    expect(tuesday.bookings.map((b: { start: string }) => b.start)).toEqual([
      "2026-03-03T15:00:00Z",
      "2026-03-03T16:00:00Z",
    ]);
  });

  it("sees only the owners the agent may act on", async () => {
    const w = world();
    await w.addOwner("cto@example.com", "Europe/Berlin");
    const a = await booker(w);
    await w.call(a, "create_booking", {
      owner_email: "cto@example.com",
      start: "2026-03-03T10:00:00Z",
      duration_minutes: 30,
      title: "Berlin",
    });
    await w.call(a, "create_booking", {
      owner_email: "ceo@example.com",
      start: "2026-03-03T15:00:00Z",
      duration_minutes: 30,
      title: "New York",
    });
    const limited = await w.addAgent({
      name: "limited",
      scopes: ["read_events"],
      owners: ["ceo@example.com"],
    });
    const mine = await w.call(limited.caller, "list_bookings", {});
    expect(mine.bookings.map((b: { title: string }) => b.title)).toEqual(["New York"]);
    const other = await w.call(limited.caller, "list_bookings", { owner_email: "cto@example.com" });
    expect(other.error).toBe("forbidden");
  });

  it("needs read_events: a free/busy-only reader is refused and reads busy blocks through get_free_busy", async () => {
    const w = world();
    const a = await booker(w);
    await sevenBookings(w, a);
    const fbOnly = await w.addAgent({ name: "free/busy only", scopes: ["read_freebusy"] });
    // list_bookings requires read_events, so titles and attendees never reach such a reader here;
    // what it may see is get_free_busy's merged blocks, which carry neither.
    const refused = await w.call(fbOnly.caller, "list_bookings", {});
    expect(refused.error).toBe("forbidden");
    const busy = await w.call(fbOnly.caller, "get_free_busy", {
      owner_email: "ceo@example.com",
      window: { start: "2026-03-03T14:00:00Z", end: "2026-03-03T22:00:00Z" },
    });
    // Tue 10:00, 11:00, 12:00 and 13:00 EST, half an hour each.
    expect(busy.busy).toEqual([
      { start: "2026-03-03T15:00:00Z", end: "2026-03-03T15:30:00Z" },
      { start: "2026-03-03T16:00:00Z", end: "2026-03-03T16:30:00Z" },
      { start: "2026-03-03T17:00:00Z", end: "2026-03-03T17:30:00Z" },
      { start: "2026-03-03T18:00:00Z", end: "2026-03-03T18:30:00Z" },
    ]);
    expect(busy._json).not.toContain("Meeting at");
    expect(busy._json).not.toContain("guest@example.com");
    const full = await w.call(a, "list_bookings", { limit: 1 });
    expect(full.bookings[0].title).toBe("Meeting at 2026-03-03T15:00:00Z");
    expect(full.bookings[0].attendees).toEqual([{ email: "guest@example.com", name: null, time_zone: null }]);
  });
});
