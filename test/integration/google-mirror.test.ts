// The Google mirror end to end: the real GoogleProvider over HTTP against the fake Calendar v3, the
// real ledger, and decisions through the tool registry with the refresh-before-decision hook.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/run-cli.js";
import { insertCalendar } from "../../src/ledger/owners.repository.js";
import { findBooking } from "../../src/ledger/schedule.repository.js";
import type { Caller } from "../../src/service/caller.js";
import { refreshIfStale } from "../../src/service/mirror-refresh.js";
import {
  capture,
  type GoogleWorld,
  makeGoogleWorld,
  OWNER,
  requestsSince,
  STALE_AFTER_MS,
} from "./google-world.js";

const MIN = 60_000;
// 2026-03-02 is a Monday; New York is UTC-5 until 2026-03-08.
const TUE = "2026-03-03";
const at = (time: string, day = TUE) => `${day}T${time}:00Z`;

let g: GoogleWorld;
let agent: Caller;
beforeEach(async () => {
  g = await makeGoogleWorld();
  agent = (await g.w.addAgent({ name: "sales bot", defaultClass: "external_customer_call" })).caller;
});
afterEach(async () => g.close());

const freeBusy = async (start: string, end: string) =>
  (await g.call(agent, "get_free_busy", { owner_email: OWNER, window: { start, end } })).busy as {
    start: string;
    end: string;
  }[];

const book = (start: string, end: string, extra: Record<string, unknown> = {}) =>
  g.call(agent, "create_booking", {
    owner_email: OWNER,
    start,
    end,
    title: "Demo",
    alternatives_window: { start: at("13:00"), end: at("23:00") },
    ...extra,
  });

async function mirrorRows() {
  return g.w.app.ledger.db
    .selectFrom("external_events")
    .select(["external_id", "start_ms", "end_ms", "busy", "booking_id"])
    .where("calendar_id", "=", g.calendarId)
    .orderBy("start_ms")
    .execute();
}

describe("the mirror of a Google calendar", () => {
  it("makes the owner's own events block decisions: CounterPropose around them, Reject when nothing is left", async () => {
    g.fake.human.addTimed(OWNER, "Dentist", at("14:00"), at("15:00"));
    // The mirror is older than the freshness bound, so the decision syncs it first.
    g.advance(2 * MIN);
    const counter = await book(at("14:00"), at("14:30"));
    expect(counter.verdict).toBe("CounterPropose");
    expect(counter.reason_code).toBe("CONFLICT");
    const alternatives = counter.alternatives as { start: string; end: string }[];
    expect(alternatives[0]).toMatchObject({ start: at("13:30"), end: at("14:00") });
    expect(alternatives.map((a) => a.start)).toContain(at("15:00"));
    // Nothing inside the owner's event.
    expect(alternatives.filter((a) => a.end > at("14:00") && a.start < at("15:00"))).toEqual([]);
    expect(counter.warnings).toEqual([]);

    const exec = await g.w.addAgent({ name: "exec", defaultClass: "exec_meeting", priority: 9 });
    const rejected = await g.call(exec.caller, "create_booking", {
      owner_email: OWNER,
      start: at("14:00"),
      end: at("15:00"),
      title: "Board",
      alternatives_window: { start: at("14:00"), end: at("15:00") },
    });
    // An external event is never displaceable, whatever the class, priority or scopes.
    expect(rejected.verdict).toBe("Reject");
    expect(rejected.reason_code).toBe("NO_CAPACITY");
  });

  it("blocks every instance of a recurring event, and the whole local day of an all-day event", async () => {
    g.fake.human.addRecurring(OWNER, "Standup", [
      [at("15:00", "2026-03-03"), at("15:30", "2026-03-03")],
      [at("15:00", "2026-03-04"), at("15:30", "2026-03-04")],
      [at("15:00", "2026-03-05"), at("15:30", "2026-03-05")],
    ]);
    g.fake.human.addAllDay(OWNER, "Offsite", "2026-03-06", "2026-03-07");
    await g.sync();
    expect(await freeBusy("2026-03-03T00:00:00Z", "2026-03-08T00:00:00Z")).toEqual([
      { start: "2026-03-03T15:00:00Z", end: "2026-03-03T15:30:00Z" },
      { start: "2026-03-04T15:00:00Z", end: "2026-03-04T15:30:00Z" },
      { start: "2026-03-05T15:00:00Z", end: "2026-03-05T15:30:00Z" },
      // Friday midnight to midnight in New York, not in UTC.
      { start: "2026-03-06T05:00:00Z", end: "2026-03-07T05:00:00Z" },
    ]);
    expect((await book(at("15:00", "2026-03-04"), at("15:30", "2026-03-04"))).verdict).toBe("CounterPropose");
    const friday = await g.call(agent, "create_booking", {
      owner_email: OWNER,
      start: "2026-03-06T04:30:00Z", // Thursday 23:30 local: still free
      end: "2026-03-06T05:00:00Z",
      title: "Late call",
    });
    expect(friday.verdict).toBe("Accept");
    expect((await book("2026-03-07T04:30:00Z", "2026-03-07T05:30:00Z")).verdict).not.toBe("Accept");
  });

  it("does not block on transparent ('free') events or invitations the owner declined", async () => {
    g.fake.human.addTimed(OWNER, "Focus (free)", at("14:00"), at("16:00"), { transparency: "transparent" });
    g.fake.human.addDeclined(OWNER, "All-hands", at("16:00"), at("17:00"));
    await g.sync();
    expect(await freeBusy(at("00:00"), at("23:59"))).toEqual([]);
    expect((await mirrorRows()).map((r) => r.busy)).toEqual([0, 0]);
    expect((await book(at("14:00"), at("14:30"))).verdict).toBe("Accept");
    expect((await book(at("16:00"), at("16:30"))).verdict).toBe("Accept");
  });

  it("syncs incrementally with the sync token: additions, moves and deletions", async () => {
    const first = g.fake.requests.length;
    const ev = g.fake.human.addTimed(OWNER, "Lunch", at("17:00"), at("18:00"));
    const outcome = await g.sync();
    expect(outcome).toMatchObject({ events: 1, fullResync: false });
    const list = g.fake.requests.slice(first).filter((r) => r.path.endsWith("/events"));
    expect(list).toHaveLength(1);
    expect(list[0]!.query.syncToken).toBeTruthy();
    expect(list[0]!.query.timeMin).toBeUndefined();
    expect(await freeBusy(at("00:00"), at("23:59"))).toEqual([{ start: at("17:00"), end: at("18:00") }]);

    g.fake.human.move(OWNER, ev.id!, at("19:00"), at("19:30"));
    await g.sync();
    expect(await freeBusy(at("00:00"), at("23:59"))).toEqual([{ start: at("19:00"), end: at("19:30") }]);

    g.fake.human.remove(OWNER, ev.id!);
    await g.sync();
    expect(await freeBusy(at("00:00"), at("23:59"))).toEqual([]);
    expect(await mirrorRows()).toEqual([]);
  });

  it("falls back to a full resync when Google expires the sync token (410), dropping what is gone", async () => {
    g.fake.human.addTimed(OWNER, "Kept", at("14:00"), at("15:00"));
    await g.sync();
    // A row the listing no longer contains (deleted while our token was dead, say).
    await g.w.app.ledger.db
      .insertInto("external_events")
      .values({
        id: "evt_ghost",
        owner_id: g.ownerId,
        calendar_id: g.calendarId,
        external_id: "ghost",
        start_ms: Date.parse(at("20:00")),
        end_ms: Date.parse(at("21:00")),
        busy: 1,
        title: "ghost",
        booking_id: null,
        updated_at: 0,
      })
      .execute();
    g.fake.invalidateSyncTokens();
    const from = g.fake.requests.length;
    const outcome = await g.sync();
    expect(outcome).toMatchObject({ fullResync: true });
    const lists = g.fake.requests.slice(from).filter((r) => r.path.endsWith("/events"));
    expect(lists.map((r) => Boolean(r.query.syncToken))).toEqual([true, false]);
    expect(lists[1]!.query.timeMin).toBeTruthy();
    expect((await mirrorRows()).map((r) => r.external_id)).not.toContain("ghost");
    expect(await freeBusy(at("00:00"), at("23:59"))).toEqual([{ start: at("14:00"), end: at("15:00") }]);
    // And the new token works incrementally again.
    expect(await g.sync()).toMatchObject({ fullResync: false });
  });

  it("makes no request to Google during a decision while the mirror is fresh", async () => {
    const before = g.fake.requests.length;
    const check = await g.call(agent, "check_availability", {
      owner_email: OWNER,
      duration_minutes: 30,
      window: { start: at("14:00"), end: at("22:00") },
    });
    expect(check.verdict).toBe("Accept");
    expect((await book(at("18:00"), at("18:30"))).verdict).toBe("Accept");
    expect(await freeBusy(at("00:00"), at("23:59"))).toHaveLength(2);
    expect(g.fake.requests.length).toBe(before);

    // Older than the freshness bound: exactly one incremental listing, then fresh again.
    g.advance(2 * MIN);
    await freeBusy(at("00:00"), at("23:59"));
    expect(requestsSince(g.fake, before).filter((r) => r.includes("/calendar/v3/"))).toEqual([
      `GET /calendar/v3/calendars/${OWNER}/events`,
    ]);
    const after = g.fake.requests.length;
    await freeBusy(at("00:00"), at("23:59"));
    expect(g.fake.requests.length).toBe(after);
  });

  it("still answers, with warning PROVIDER_STALE, when the mirror is stale and Google fails or is gone", async () => {
    g.fake.human.addTimed(OWNER, "Known", at("14:00"), at("15:00"));
    await g.sync();
    g.advance(STALE_AFTER_MS + MIN);
    g.fake.failNext({ status: 503, count: 10 });
    const stale = await book(at("14:00"), at("14:30"));
    // Answered from the mirror: the known event still blocks.
    expect(stale.verdict).toBe("CounterPropose");
    expect(stale.warnings).toEqual(["PROVIDER_STALE"]);

    // After a failure the next decisions do not wait on Google again for a while.
    const count = g.fake.requests.length;
    expect((await book(at("19:00"), at("19:30"))).warnings).toEqual(["PROVIDER_STALE"]);
    expect(g.fake.requests.length).toBe(count);

    // Google unreachable altogether (connection refused).
    await g.fake.close();
    g.advance(MIN);
    const offline = await book(at("20:00"), at("20:30"));
    expect(offline.verdict).toBe("Accept");
    expect(offline.warnings).toEqual(["PROVIDER_STALE"]);
    const cal = await g.calendar();
    expect(cal.status).toBe("active");
  });

  it("refreshIfStale logs and swallows failures", async () => {
    g.advance(STALE_AFTER_MS + MIN);
    g.fake.failNext({ status: 500, count: 5 });
    await expect(refreshIfStale(g.syncDeps, [OWNER], 60_000)).resolves.toBeUndefined();
    expect((await g.calendar()).synced_at).toBe(g.w.clock.now - STALE_AFTER_MS - MIN);
  });

  it("marks the calendar needs_reconnect when the grant is revoked; verdicts and `calendar list` show it", async () => {
    g.fake.revokeRefreshToken(g.refreshToken);
    g.fake.expireAccessTokens();
    g.advance(2 * MIN);
    const verdict = await book(at("14:00"), at("14:30"));
    expect(verdict.verdict).toBe("Accept");
    expect(verdict.warnings).toContain("PROVIDER_NEEDS_RECONNECT");
    expect((await g.calendar()).status).toBe("needs_reconnect");

    const out = capture();
    const code = await runCli(["calendar", "list", "--db", g.w.dbPath, "--json"], {
      env: {},
      stdout: out,
      stderr: capture(),
    });
    expect(code).toBe(0);
    const listed = JSON.parse(out.text()) as { id: string; provider: string; status: string }[];
    expect(listed.find((c) => c.id === g.calendarId)).toMatchObject({
      provider: "google",
      status: "needs_reconnect",
    });

    // No more calls to Google for that calendar until the owner reconnects.
    const count = g.fake.requests.length;
    g.advance(10 * MIN);
    const later = await book(at("15:00"), at("15:30"));
    expect(later.warnings).toEqual(["PROVIDER_NEEDS_RECONNECT", "PROVIDER_STALE"]);
    expect(g.fake.requests.length).toBe(count);
  });

  it("ignores a page another process applied first (the sync token moved underneath)", async () => {
    g.fake.human.addTimed(OWNER, "A", at("14:00"), at("15:00"));
    const cal = await g.calendar();
    await g.sync();
    // Replay a sync from the older token, as a slower process would.
    await g.w.app.ledger.db
      .updateTable("calendars")
      .set({ sync_token: "moved" })
      .where("id", "=", cal.id)
      .execute();
    const { syncCalendar } = await import("../../src/service/calendar-sync.js");
    const slow = await syncCalendar(
      {
        ...g.syncDeps,
        providerFor: async (c) => {
          const p = await g.registry(c);
          // Another process commits while this one waits on Google.
          await g.w.app.ledger.db
            .updateTable("calendars")
            .set({ sync_token: "newer" })
            .where("id", "=", c.id)
            .execute();
          return p;
        },
      },
      cal.id,
    );
    expect(slow?.superseded).toBe(true);
    expect((await g.calendar()).sync_token).toBe("newer");
  });

  it("skips local calendars and calendars without a Google id", async () => {
    await insertCalendar(g.w.app.ledger.db, {
      id: "cal_local",
      owner_id: g.ownerId,
      calendar_type: "personal",
      provider: "local",
      name: null,
      external_id: null,
      rules_json: null,
      status: "active",
      credential_id: null,
      sync_token: null,
      synced_at: null,
      created_at: g.w.clock.now,
    });
    const { syncCalendar } = await import("../../src/service/calendar-sync.js");
    expect(await syncCalendar(g.syncDeps, "cal_local")).toBeNull();
    expect(await syncCalendar(g.syncDeps, "cal_missing")).toBeNull();
  });
});

describe("the owner's own edits in Google against Openavail bookings", () => {
  async function bookAndWrite(start: string, end: string, caller = agent) {
    const res = await g.call(caller, "create_booking", { owner_email: OWNER, start, end, title: "Demo" });
    expect(res.verdict).toBe("Accept");
    expect(await g.drain()).toMatchObject({ done: 1 });
    await g.sync();
    return res.booking.booking_id as string;
  }

  const notifications = async (caller: Caller) =>
    (await g.call(caller, "get_notifications", {})).notifications as { type: string; booking_id: string }[];

  it("a human event moved onto a booking makes it needs_reschedule and tells its agent", async () => {
    const bookingId = await bookAndWrite(at("16:00"), at("16:30"));
    // The mirror of our own event does not count twice, nor collide with its booking.
    expect(await freeBusy(at("00:00"), at("23:59"))).toEqual([{ start: at("16:00"), end: at("16:30") }]);
    expect((await findBooking(g.w.app.ledger.db, bookingId))?.status).toBe("confirmed");

    const ev = g.fake.human.addTimed(OWNER, "Board call", at("13:00"), at("14:00"));
    await g.sync();
    expect((await findBooking(g.w.app.ledger.db, bookingId))?.status).toBe("confirmed");
    g.fake.human.move(OWNER, ev.id!, at("16:00"), at("17:00"));
    const outcome = await g.sync();
    expect(outcome?.displacedBookings).toEqual([bookingId]);
    expect((await findBooking(g.w.app.ledger.db, bookingId))?.status).toBe("needs_reschedule");
    const [note] = await notifications(agent);
    expect(note).toMatchObject({ type: "booking.needs_reschedule", booking_id: bookingId });

    // The agent moves it; the outbox patches the same Google event; nothing is flagged again.
    const moved = await g.call(agent, "reschedule_booking", {
      booking_id: bookingId,
      start: at("18:00"),
      end: at("18:30"),
    });
    expect(moved.verdict).toBe("Accept");
    await g.drain();
    const outcome2 = await g.sync();
    expect(outcome2?.displacedBookings).toEqual([]);
    expect(g.fake.events(OWNER).filter((e) => e.summary === "Demo")).toHaveLength(1);
    expect((await findBooking(g.w.app.ledger.db, bookingId))?.status).toBe("confirmed");
  });

  it("the owner moving a booking's own event moves the booking; a booking it lands on needs rescheduling", async () => {
    const first = await bookAndWrite(at("15:00"), at("15:30"));
    const other = await g.w.addAgent({ name: "recruiter", defaultClass: "internal_sync" });
    const second = await bookAndWrite(at("17:00"), at("17:30"), other.caller);
    const eventId = g.fake
      .events(OWNER)
      .find((e) => e.extendedProperties?.private?.openavail_booking_id === first)!.id!;
    g.fake.human.move(OWNER, eventId, at("17:00"), at("17:30"));
    const outcome = await g.sync();
    expect(outcome?.movedBookings).toEqual([first]);
    expect(outcome?.displacedBookings).toEqual([second]);
    const row = (await findBooking(g.w.app.ledger.db, first))!;
    expect(row).toMatchObject({ status: "confirmed", start_ms: Date.parse(at("17:00")) });
    expect((await findBooking(g.w.app.ledger.db, second))?.status).toBe("needs_reschedule");
    expect((await notifications(other.caller)).map((n) => n.type)).toEqual(["booking.needs_reschedule"]);
    // The moved booking's agent is told where its booking now is.
    expect(await notifications(agent)).toMatchObject([{ type: "booking.moved", booking_id: first }]);
  });

  it("the owner deleting a booking's event cancels the booking and tells its agent", async () => {
    const bookingId = await bookAndWrite(at("15:00"), at("15:30"));
    const eventId = g.fake.events(OWNER)[0]!.id!;
    g.fake.human.remove(OWNER, eventId);
    const outcome = await g.sync();
    expect(outcome?.cancelledBookings).toEqual([bookingId]);
    expect((await findBooking(g.w.app.ledger.db, bookingId))?.status).toBe("cancelled");
    expect(await notifications(agent)).toMatchObject([{ type: "booking.cancelled", booking_id: bookingId }]);
  });

  it("an event whose write is still queued is ours in flight, not an edit of the owner's", async () => {
    const bookingId = await bookAndWrite(at("15:00"), at("16:00"));
    // Rescheduled to an overlapping time; the outbox has not patched Google yet.
    const moved = await g.call(agent, "reschedule_booking", {
      booking_id: bookingId,
      start: at("15:30"),
      end: at("16:30"),
    });
    expect(moved.verdict).toBe("Accept");
    g.fake.invalidateSyncTokens(); // a full resync re-reads the old event too
    const outcome = await g.sync();
    expect(outcome).toMatchObject({ displacedBookings: [], movedBookings: [], cancelledBookings: [] });
    expect(await findBooking(g.w.app.ledger.db, bookingId)).toMatchObject({
      status: "confirmed",
      start_ms: Date.parse(at("15:30")),
    });
    // The old position does not block anyone meanwhile.
    expect(await freeBusy(at("00:00"), at("23:59"))).toEqual([{ start: at("15:30"), end: at("16:30") }]);
    await g.drain();
    await g.sync();
    expect(await findBooking(g.w.app.ledger.db, bookingId)).toMatchObject({
      status: "confirmed",
      start_ms: Date.parse(at("15:30")),
    });
  });

  it("an event carrying a booking id this ledger does not know is the owner's busy time", async () => {
    g.fake.human.addTimed(OWNER, "From another Openavail", at("14:00"), at("15:00"), {
      extendedProperties: { private: { openavail_booking_id: "bkg_unknown" } },
    });
    await g.sync();
    expect(await freeBusy(at("00:00"), at("23:59"))).toEqual([{ start: at("14:00"), end: at("15:00") }]);
  });
});
