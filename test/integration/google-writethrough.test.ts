// Write-through to Google: a booking commits to the ledger with an outbox row in the same
// transaction, and the outbox worker writes it to the fake Calendar v3 with retries and backoff.
// The clock and the jitter are injected: retries are driven by moving the clock, never by sleeping.
import { afterEach, describe, expect, it, vi } from "vitest";
import { pendingOutbox } from "../../src/ledger/outbox.repository.js";
import { findBooking } from "../../src/ledger/schedule.repository.js";
import type { CalendarProvider } from "../../src/providers/calendar-provider.js";
import { eventIdForBooking } from "../../src/providers/google/event-id.js";
import type { Caller } from "../../src/service/caller.js";
import { attachGoogleAccount } from "../../src/service/google-connect.js";
import { backoffDelay, drainOutbox } from "../../src/service/outbox-worker.js";
import { type GoogleWorld, makeGoogleWorld, OWNER } from "./google-world.js";

const at = (time: string) => `2026-03-03T${time}:00Z`;

let g: GoogleWorld | undefined;
afterEach(async () => {
  await g?.close();
  g = undefined;
});

async function setup(options: { timeoutMs?: number } = {}) {
  g = await makeGoogleWorld(options);
  const agent = await g.w.addAgent({ name: "sales bot", defaultClass: "external_customer_call" });
  return { g, agent: agent.caller };
}

async function book(gw: GoogleWorld, caller: Caller, start = at("15:00"), end = at("15:30")) {
  const res = await gw.call(caller, "create_booking", {
    owner_email: OWNER,
    start,
    end,
    title: "Demo with Acme",
    attendees: ["buyer@acme.example"],
  });
  expect(res.verdict).toBe("Accept");
  return res.booking.booking_id as string;
}

const outbox = (gw: GoogleWorld) =>
  gw.w.app.ledger.db.selectFrom("outbox").selectAll().orderBy("seq").execute();

describe("booking -> outbox -> Google", () => {
  it("commits the outbox row with the booking and writes exactly one event with Openavail's properties", async () => {
    const { g, agent } = await setup();
    const before = g.fake.requests.length;
    const bookingId = await book(g, agent);
    // The decision itself did not wait on Google.
    expect(g.fake.requests.length).toBe(before);
    expect(await outbox(g)).toMatchObject([
      { booking_id: bookingId, op: "upsert", done_at: null, attempts: 0 },
    ]);

    expect(await g.drain()).toEqual({ done: 1, retried: 0, abandoned: 0 });
    const events = g.fake.events(OWNER);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      id: eventIdForBooking(bookingId),
      summary: "Demo with Acme",
      status: "confirmed",
      start: { dateTime: "2026-03-03T15:00:00.000Z" },
      end: { dateTime: "2026-03-03T15:30:00.000Z" },
      attendees: [{ email: "buyer@acme.example" }],
      extendedProperties: {
        private: {
          openavail_booking_id: bookingId,
          meeting_class: "external_customer_call",
          agent: "sales bot",
        },
      },
    });
    expect((await outbox(g))[0]!.done_at).toBe(g.w.clock.now);
    // Nothing left to do; a second drain makes no request.
    const count = g.fake.requests.length;
    expect(await g.drain()).toEqual({ done: 0, retried: 0, abandoned: 0 });
    expect(g.fake.requests.length).toBe(count);
  });

  it("writes nothing to Google before the ledger says its commits are on disk", async () => {
    const { g, agent } = await setup();
    await book(g, agent);
    const before = g.fake.requests.length;
    let durable!: () => void;
    const onDisk = new Promise<void>((resolve) => {
      durable = resolve;
    });
    let asked = false;
    const draining = drainOutbox({
      ...g.syncDeps,
      random: () => 0.5,
      durable: () => {
        asked = true;
        return onDisk;
      },
    });
    while (!asked) await new Promise((resolve) => setImmediate(resolve));
    expect(g.fake.requests.length).toBe(before);
    durable();
    expect(await draining).toEqual({ done: 1, retried: 0, abandoned: 0 });
    expect(g.fake.requests.length).toBeGreaterThan(before);
  });

  it("retries 500s and a 429 with Retry-After on the backoff schedule, and still writes one event", async () => {
    const { g, agent } = await setup();
    g.random = () => 0.5;
    const bookingId = await book(g, agent);
    g.fake.failNext({ status: 500, count: 2 });
    g.fake.failNext({ status: 429, retryAfterSeconds: 30 });
    const row = async () => (await outbox(g))[0]!;

    expect(await g.drain()).toMatchObject({ retried: 1 });
    expect(await row()).toMatchObject({
      attempts: 1,
      next_attempt_at: g.w.clock.now + backoffDelay(1, () => 0.5),
    });
    expect(backoffDelay(1, () => 0.5)).toBe(1_000);
    // Not due yet: no request at all.
    const quiet = g.fake.requests.length;
    expect(await g.drain()).toEqual({ done: 0, retried: 0, abandoned: 0 });
    expect(g.fake.requests.length).toBe(quiet);

    g.advance(1_000);
    expect(await g.drain()).toMatchObject({ retried: 1 });
    expect(await row()).toMatchObject({ attempts: 2, next_attempt_at: g.w.clock.now + 2_000 });
    expect((await row()).last_error).toMatch(/HTTP 500/);

    g.advance(2_000);
    expect(await g.drain()).toMatchObject({ retried: 1 });
    // Retry-After (30 s) is longer than the backoff (4 s): Google's word wins.
    expect(await row()).toMatchObject({ attempts: 3, next_attempt_at: g.w.clock.now + 30_000 });
    expect((await row()).last_error).toMatch(/HTTP 429/);

    g.advance(29_999);
    expect(await g.drain()).toEqual({ done: 0, retried: 0, abandoned: 0 });
    g.advance(1);
    expect(await g.drain()).toEqual({ done: 1, retried: 0, abandoned: 0 });
    expect(g.fake.events(OWNER).map((e) => e.id)).toEqual([eventIdForBooking(bookingId)]);
    const inserts = g.fake.requests.filter((r) => r.method === "POST" && r.path.endsWith("/events"));
    expect(inserts).toHaveLength(4);
  });

  it("a write whose response was lost (timeout) is retried into the same event, not a second one", async () => {
    const { g, agent } = await setup({ timeoutMs: 300 });
    const bookingId = await book(g, agent);
    g.fake.delayNext(800); // Google creates the event, but after the client gave up
    expect(await g.drain()).toMatchObject({ retried: 1 });
    expect((await outbox(g))[0]!.last_error).toMatch(/timed out|no response/);
    await vi.waitFor(() => expect(g.fake.events(OWNER)).toHaveLength(1), { timeout: 3_000 });
    g.advance(60_000);
    expect(await g.drain()).toMatchObject({ done: 1 });
    expect(g.fake.events(OWNER).map((e) => e.id)).toEqual([eventIdForBooking(bookingId)]);
  });

  it("cancellation deletes the event; reschedule patches the same event", async () => {
    const { g, agent } = await setup();
    const bookingId = await book(g, agent);
    await g.drain();
    const eventId = eventIdForBooking(bookingId);

    const moved = await g.call(agent, "reschedule_booking", {
      booking_id: bookingId,
      start: at("18:00"),
      end: at("19:00"),
    });
    expect(moved.verdict).toBe("Accept");
    expect(await g.drain()).toMatchObject({ done: 1 });
    expect(g.fake.events(OWNER)).toMatchObject([
      {
        id: eventId,
        start: { dateTime: "2026-03-03T18:00:00.000Z" },
        end: { dateTime: "2026-03-03T19:00:00.000Z" },
      },
    ]);
    expect(g.fake.requests.filter((r) => r.method === "PATCH")).toHaveLength(1);

    const cancelled = await g.call(agent, "cancel_booking", { booking_id: bookingId });
    expect(cancelled.booking.status).toBe("cancelled");
    expect(await g.drain()).toMatchObject({ done: 1 });
    expect(g.fake.events(OWNER)).toEqual([]);
    expect(g.fake.events(OWNER, { includeDeleted: true })).toMatchObject([
      { id: eventId, status: "cancelled" },
    ]);
    // The sync that follows sees our own deletion and leaves the booking alone.
    expect(await g.sync()).toMatchObject({ cancelledBookings: [] });
  });

  it("a cancel queued behind an upsert supersedes it: one delete, no insert", async () => {
    const { g, agent } = await setup();
    const bookingId = await book(g, agent);
    await g.call(agent, "cancel_booking", { booking_id: bookingId });
    expect(await g.drain()).toMatchObject({ done: 2 });
    expect(g.fake.requests.filter((r) => r.method === "POST" && r.path.endsWith("/events"))).toEqual([]);
    expect(g.fake.events(OWNER, { includeDeleted: true })).toEqual([]);
  });

  it("a booking that changes while its write is in flight ends in its latest state in Google", async () => {
    const { g, agent } = await setup();
    const bookingId = await book(g, agent);
    let raced = false;
    const racing = async (cal: Parameters<typeof g.registry>[0]): Promise<CalendarProvider | null> => {
      const real = (await g.registry(cal))!;
      return {
        kind: real.kind,
        sync: (c) => real.sync(c),
        listCalendars: () => real.listCalendars(),
        cancelBooking: (c, id) => real.cancelBooking(c, id),
        upsertBooking: async (c, b) => {
          const out = await real.upsertBooking(c, b);
          if (!raced) {
            raced = true;
            // Another process cancels (and would drain its own cancel) while our insert lands.
            await g.call(agent, "cancel_booking", { booking_id: bookingId });
            await g.w.app.ledger.db
              .updateTable("outbox")
              .set({ done_at: 1 })
              .where("op", "=", "cancel")
              .execute();
          }
          return out;
        },
      };
    };
    await drainOutbox({ ...g.syncDeps, providerFor: racing, random: () => 0.5 });
    expect((await findBooking(g.w.app.ledger.db, bookingId))?.status).toBe("cancelled");
    expect(g.fake.events(OWNER)).toEqual([]);
    expect(await pendingOutbox(g.w.app.ledger.db)).toEqual([]);
  });

  it("an entry claimed by another worker is left alone", async () => {
    const { g, agent } = await setup();
    await book(g, agent);
    const { claimOutbox } = await import("../../src/ledger/outbox.repository.js");
    const [row] = await outbox(g);
    expect(await claimOutbox(g.w.app.ledger.db, row!.seq, g.w.clock.now, g.w.clock.now + 60_000)).toBe(true);
    expect(await claimOutbox(g.w.app.ledger.db, row!.seq, g.w.clock.now, g.w.clock.now + 60_000)).toBe(false);
    expect(await g.drain()).toEqual({ done: 0, retried: 0, abandoned: 0 });
    expect(g.fake.events(OWNER)).toEqual([]);
    g.advance(60_000); // the other worker died: the lease runs out
    expect(await g.drain()).toMatchObject({ done: 1 });
    expect(g.fake.events(OWNER)).toHaveLength(1);
  });

  it("abandons a write Google refuses as invalid, keeping the reason", async () => {
    const { g, agent } = await setup();
    await book(g, agent);
    g.fake.failNext({ status: 400, reason: "invalid" });
    expect(await g.drain()).toEqual({ done: 0, retried: 0, abandoned: 1 });
    expect((await outbox(g))[0]).toMatchObject({
      done_at: g.w.clock.now,
      last_error: expect.stringMatching(/^abandoned: .*HTTP 400/),
    });
  });

  it("a revoked grant marks the calendar needs_reconnect and keeps the write owed until reconnect", async () => {
    const { g, agent } = await setup();
    const bookingId = await book(g, agent);
    g.fake.revokeRefreshToken(g.refreshToken);
    g.fake.expireAccessTokens();
    expect(await g.drain()).toMatchObject({ retried: 1 });
    expect((await g.calendar()).status).toBe("needs_reconnect");
    g.advance(1_000);
    await g.drain();
    expect((await outbox(g))[0]).toMatchObject({ done_at: null, attempts: 2 });
    expect((await outbox(g))[0]!.next_attempt_at).toBeGreaterThan(g.w.clock.now);

    // The owner connects again: same calendar, same credential, new token; the write goes out now.
    const again = await attachGoogleAccount({
      db: g.w.app.ledger.db,
      secretBox: g.box,
      google: g.google,
      now: () => g.w.clock.now,
      logger: g.syncDeps.logger,
      ownerEmail: OWNER,
      refreshToken: g.fake.issueRefreshToken(),
      calendars: [{ externalId: "primary", calendarType: "work" }],
      registry: g.registry,
    });
    expect(again.calendars).toMatchObject([{ id: g.calendarId, action: "reconnected", sync: { ok: true } }]);
    expect((await g.calendar()).status).toBe("active");
    expect(await g.drain()).toMatchObject({ done: 1 });
    expect(g.fake.events(OWNER).map((e) => e.id)).toEqual([eventIdForBooking(bookingId)]);
  });

  it("bookings on local calendars never reach the outbox", async () => {
    const { g } = await setup();
    const local = await g.w.addOwner("local@example.com");
    const agent = await g.w.addAgent({ name: "bot" });
    const res = await g.call(agent.caller, "create_booking", {
      owner_email: "local@example.com",
      start: at("15:00"),
      end: at("15:30"),
      title: "x",
    });
    expect(res.verdict).toBe("Accept");
    expect(local.calendarId).toMatch(/^cal_/);
    expect(await outbox(g)).toEqual([]);
  });
});
