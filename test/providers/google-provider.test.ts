// The real Google adapter (googleapis + google-auth-library) over HTTP against the fake Calendar v3.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { BookingWrite, ProviderEvent } from "../../src/providers/calendar-provider.js";
import { parseRetryAfter } from "../../src/providers/google/errors.js";
import { eventIdForBooking } from "../../src/providers/google/event-id.js";
import { GoogleProvider, type GoogleProviderOptions } from "../../src/providers/google/google-provider.js";
import { type FakeGoogle, startFakeGoogle } from "../fakes/google-calendar.js";
import { providerFailure as failure, providerContract } from "./provider-contract.js";

const NOW = Date.parse("2026-03-01T12:00:00Z");
const TZ = "America/New_York";

function providerFor(fake: FakeGoogle, options: Partial<GoogleProviderOptions> = {}): GoogleProvider {
  return new GoogleProvider({
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
    refreshToken: fake.issueRefreshToken(),
    rootUrl: fake.url,
    tokenUrl: fake.tokenUrl,
    timeoutMs: 2_000,
    now: () => NOW,
    ...options,
  });
}

function booking(
  bookingId: string,
  start: string,
  end: string,
  extra: Partial<BookingWrite> = {},
): BookingWrite {
  return {
    bookingId,
    start: Date.parse(start),
    end: Date.parse(end),
    title: "Intro call",
    description: null,
    attendees: [{ email: "guest@example.com", name: null }],
    meetingClass: "sales",
    agentName: "sales-bot",
    ...extra,
  };
}

const byId = (events: ProviderEvent[]) => new Map(events.map((e) => [e.externalId, e]));

providerContract("google (fake Calendar v3 over HTTP)", async () => {
  const fake = await startFakeGoogle();
  return {
    provider: providerFor(fake),
    calendar: { externalCalendarId: fake.primaryCalendarId, timeZone: TZ },
    human: {
      addEvent: async (title, start, end) => {
        fake.human.addTimed(fake.primaryCalendarId, title, start, end);
      },
    },
    close: () => fake.close(),
  };
});

describe("GoogleProvider", () => {
  let fake: FakeGoogle;
  let calendar: { externalCalendarId: string; timeZone: string };
  beforeEach(async () => {
    fake = await startFakeGoogle({ timeZone: TZ });
    calendar = { externalCalendarId: fake.primaryCalendarId, timeZone: TZ };
  });
  afterEach(async () => {
    await fake.close();
  });

  it("talks to /calendar/v3/... under rootUrl and refreshes its token at the token endpoint", async () => {
    const provider = providerFor(fake);
    await provider.listCalendars();
    await provider.sync({ ...calendar, syncToken: null });
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /token",
      "GET /calendar/v3/users/me/calendarList",
      "GET /calendar/v3/calendars/owner@example.com/events",
    ]);
    expect(fake.requests[2]?.query).toMatchObject({
      singleEvents: "true",
      showDeleted: "true",
      maxResults: "250",
      // 30 days before NOW
      timeMin: "2026-01-30T12:00:00.000Z",
    });
  });

  describe("sync", () => {
    it("lists everything on a full sync, then only the changes since the token", async () => {
      const standup = fake.human.addTimed(
        calendar.externalCalendarId,
        "Standup",
        "2026-03-02T14:00:00Z",
        "2026-03-02T14:15:00Z",
      );
      const lunch = fake.human.addTimed(
        calendar.externalCalendarId,
        "Lunch",
        "2026-03-02T17:00:00Z",
        "2026-03-02T18:00:00Z",
      );
      const review = fake.human.addTimed(
        calendar.externalCalendarId,
        "Review",
        "2026-03-03T15:00:00Z",
        "2026-03-03T16:00:00Z",
      );
      const provider = providerFor(fake);

      const full = await provider.sync({ ...calendar, syncToken: null });
      expect(full.fullResync).toBe(false);
      expect(full.events.map((e) => e.title).sort()).toEqual(["Lunch", "Review", "Standup"]);
      expect(byId(full.events).get(standup.id!)).toMatchObject({
        start: Date.parse("2026-03-02T14:00:00Z"),
        end: Date.parse("2026-03-02T14:15:00Z"),
        busy: true,
        status: "confirmed",
        allDay: false,
        bookingId: null,
      });

      const added = fake.human.addTimed(
        calendar.externalCalendarId,
        "Dentist",
        "2026-03-04T13:00:00Z",
        "2026-03-04T14:00:00Z",
      );
      fake.human.move(calendar.externalCalendarId, lunch.id!, "2026-03-02T18:00:00Z", "2026-03-02T19:00:00Z");
      fake.human.remove(calendar.externalCalendarId, review.id!);

      const delta = await provider.sync({ ...calendar, syncToken: full.nextSyncToken });
      expect(delta.fullResync).toBe(false);
      const changed = byId(delta.events);
      expect([...changed.keys()].sort()).toEqual([added.id!, lunch.id!, review.id!].sort());
      expect(changed.get(lunch.id!)).toMatchObject({ start: Date.parse("2026-03-02T18:00:00Z"), busy: true });
      expect(changed.get(review.id!)).toMatchObject({ status: "cancelled", busy: false });
      expect(fake.requests.at(-1)?.query).not.toHaveProperty("timeMin");

      const nothing = await provider.sync({ ...calendar, syncToken: delta.nextSyncToken });
      expect(nothing.events).toEqual([]);
    });

    it("follows pageToken across pages and ends with a usable sync token", async () => {
      for (let day = 2; day <= 6; day++) {
        fake.human.addTimed(
          calendar.externalCalendarId,
          `Day ${day}`,
          `2026-03-0${day}T15:00:00Z`,
          `2026-03-0${day}T16:00:00Z`,
        );
      }
      const provider = providerFor(fake, { pageSize: 2 });
      const full = await provider.sync({ ...calendar, syncToken: null });
      expect(full.events).toHaveLength(5);
      const lists = fake.requests.filter((r) => r.path.endsWith("/events"));
      expect(lists).toHaveLength(3);
      expect(lists.map((r) => r.query["pageToken"] !== undefined)).toEqual([false, true, true]);

      fake.human.addTimed(
        calendar.externalCalendarId,
        "Later",
        "2026-03-09T15:00:00Z",
        "2026-03-09T16:00:00Z",
      );
      const delta = await provider.sync({ ...calendar, syncToken: full.nextSyncToken });
      expect(delta.events.map((e) => e.title)).toEqual(["Later"]);
    });

    it("answers a token rejected with 410 by a full listing marked fullResync", async () => {
      fake.human.addTimed(
        calendar.externalCalendarId,
        "Standup",
        "2026-03-02T14:00:00Z",
        "2026-03-02T14:15:00Z",
      );
      const provider = providerFor(fake);
      const full = await provider.sync({ ...calendar, syncToken: null });
      fake.invalidateSyncTokens();
      fake.human.addTimed(
        calendar.externalCalendarId,
        "Lunch",
        "2026-03-02T17:00:00Z",
        "2026-03-02T18:00:00Z",
      );

      const resync = await provider.sync({ ...calendar, syncToken: full.nextSyncToken });
      expect(resync.fullResync).toBe(true);
      expect(resync.events.map((e) => e.title).sort()).toEqual(["Lunch", "Standup"]);
      const statuses = fake.requests
        .filter((r) => r.path.endsWith("/events"))
        .map((r) => r.query["syncToken"] !== undefined);
      expect(statuses).toEqual([false, true, false]);

      const after = await provider.sync({ ...calendar, syncToken: resync.nextSyncToken });
      expect(after).toEqual({ events: [], nextSyncToken: expect.any(String), fullResync: false });
    });

    it("places an all-day event at local midnight to midnight, 23 hours on the spring-forward day", async () => {
      // New York moves from EST (-05:00) to EDT (-04:00) at 02:00 on Sunday 2026-03-08.
      const dst = fake.human.addAllDay(calendar.externalCalendarId, "Offsite", "2026-03-08", "2026-03-09");
      const plain = fake.human.addAllDay(calendar.externalCalendarId, "Holiday", "2026-03-10", "2026-03-12");
      const { events } = await providerFor(fake).sync({ ...calendar, syncToken: null });
      expect(byId(events).get(dst.id!)).toMatchObject({
        start: Date.parse("2026-03-08T05:00:00Z"), // 2026-03-08 00:00 EST
        end: Date.parse("2026-03-09T04:00:00Z"), // 2026-03-09 00:00 EDT
        allDay: true,
        busy: true,
      });
      expect(byId(events).get(plain.id!)).toMatchObject({
        start: Date.parse("2026-03-10T04:00:00Z"), // 2026-03-10 00:00 EDT
        end: Date.parse("2026-03-12T04:00:00Z"), // 2026-03-12 00:00 EDT, two whole days
        allDay: true,
      });
    });

    it("marks cancelled, transparent and declined events free, and keeps tentative ones busy", async () => {
      const id = calendar.externalCalendarId;
      const free = fake.human.addTimed(id, "Focus (free)", "2026-03-02T14:00:00Z", "2026-03-02T15:00:00Z", {
        transparency: "transparent",
      });
      const declined = fake.human.addDeclined(
        id,
        "All-hands",
        "2026-03-02T16:00:00Z",
        "2026-03-02T17:00:00Z",
      );
      const tentative = fake.human.addTimed(id, "Maybe", "2026-03-02T18:00:00Z", "2026-03-02T19:00:00Z", {
        status: "tentative",
      });
      const gone = fake.human.addTimed(id, "Dropped", "2026-03-02T20:00:00Z", "2026-03-02T21:00:00Z");
      fake.human.remove(id, gone.id!);

      const events = byId((await providerFor(fake).sync({ ...calendar, syncToken: null })).events);
      expect(events.get(free.id!)).toMatchObject({ busy: false, status: "confirmed" });
      expect(events.get(declined.id!)).toMatchObject({ busy: false, status: "confirmed" });
      expect(events.get(tentative.id!)).toMatchObject({ busy: true, status: "tentative" });
      expect(events.get(gone.id!)).toMatchObject({ busy: false, status: "cancelled", start: 0, end: 0 });
    });

    it("returns each instance of a recurring series as its own event", async () => {
      const instances = fake.human.addRecurring(calendar.externalCalendarId, "Weekly 1:1", [
        ["2026-03-03T15:00:00Z", "2026-03-03T15:30:00Z"],
        ["2026-03-10T14:00:00Z", "2026-03-10T14:30:00Z"], // same 10:00 local, after the DST change
      ]);
      const { events } = await providerFor(fake).sync({ ...calendar, syncToken: null });
      expect(events.map((e) => [e.externalId, e.start]).sort()).toEqual(
        instances.map((e) => [e.id, Date.parse(e.start!.dateTime!)]).sort(),
      );
    });

    it("lists from fullSyncLookbackMs before now on a full sync", async () => {
      fake.human.addTimed(
        calendar.externalCalendarId,
        "Long ago",
        "2025-06-01T14:00:00Z",
        "2025-06-01T15:00:00Z",
      );
      fake.human.addTimed(
        calendar.externalCalendarId,
        "Soon",
        "2026-03-02T14:00:00Z",
        "2026-03-02T15:00:00Z",
      );
      const bounded = await providerFor(fake).sync({ ...calendar, syncToken: null });
      expect(bounded.events.map((e) => e.title)).toEqual(["Soon"]);
      const unbounded = await providerFor(fake, { fullSyncLookbackMs: null }).sync({
        ...calendar,
        syncToken: null,
      });
      expect(unbounded.events.map((e) => e.title).sort()).toEqual(["Long ago", "Soon"]);
    });
  });

  describe("writes", () => {
    it("writes a booking under its derived id with Openavail's private properties", async () => {
      const provider = providerFor(fake);
      const write = booking("bkg_01HZX", "2026-03-10T14:00:00Z", "2026-03-10T14:30:00Z");
      const { externalEventId } = await provider.upsertBooking(calendar, write);
      expect(externalEventId).toBe(eventIdForBooking("bkg_01HZX"));
      const [event] = fake.events();
      expect(event).toMatchObject({
        id: externalEventId,
        summary: "Intro call",
        start: { dateTime: "2026-03-10T14:00:00.000Z" },
        end: { dateTime: "2026-03-10T14:30:00.000Z" },
        attendees: [{ email: "guest@example.com" }],
        extendedProperties: {
          private: { openavail_booking_id: "bkg_01HZX", meeting_class: "sales", agent: "sales-bot" },
        },
      });
      expect(fake.requests.at(-1)?.query).toMatchObject({ sendUpdates: "none" });

      const { events } = await provider.sync({ ...calendar, syncToken: null });
      expect(events).toEqual([
        expect.objectContaining({
          externalId: externalEventId,
          bookingId: "bkg_01HZX",
          busy: true,
          title: "Intro call",
        }),
      ]);
    });

    it("writes the booking's description and its attendees' names (issue 15, point 7)", async () => {
      const provider = providerFor(fake);
      const write = booking("bkg_details", "2026-03-10T14:00:00Z", "2026-03-10T14:30:00Z", {
        description: "Agenda: pricing.",
        attendees: [{ email: "buyer@acme.example", name: "Ada Buyer" }],
      });
      await provider.upsertBooking(calendar, write);
      expect(fake.events()[0]).toMatchObject({
        description: "Agenda: pricing.",
        attendees: [{ email: "buyer@acme.example", displayName: "Ada Buyer" }],
      });
    });

    it("upserting one booking twice leaves exactly one event, updated by the second write (the 409 path)", async () => {
      const provider = providerFor(fake);
      const write = booking("bkg_retry", "2026-03-10T14:00:00Z", "2026-03-10T14:30:00Z");
      await provider.upsertBooking(calendar, write);
      // A guest accepts in Google; the reschedule must not reset that.
      const id = eventIdForBooking("bkg_retry");
      fake.human.update(calendar.externalCalendarId, id, {
        attendees: [{ email: "guest@example.com", responseStatus: "accepted" }],
      });
      await provider.upsertBooking(calendar, {
        ...write,
        start: Date.parse("2026-03-10T16:00:00Z"),
        end: Date.parse("2026-03-10T16:30:00Z"),
        title: "Intro call (moved)",
        attendees: [
          { email: "guest@example.com", name: null },
          { email: "second@example.com", name: "Second Guest" },
        ],
      });

      const events = fake.events(calendar.externalCalendarId, { includeDeleted: true });
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        id,
        summary: "Intro call (moved)",
        start: { dateTime: "2026-03-10T16:00:00.000Z" },
        attendees: [
          { email: "guest@example.com", responseStatus: "accepted" },
          { email: "second@example.com", displayName: "Second Guest" },
        ],
      });
      const writes = fake.requests.filter((r) => r.path.includes("/events")).map((r) => r.method);
      expect(writes).toEqual(["POST", "POST", "GET", "PATCH"]);
    });

    it("restores a booking's deleted event when the booking is written again", async () => {
      const provider = providerFor(fake);
      const write = booking("bkg_back", "2026-03-10T14:00:00Z", "2026-03-10T14:30:00Z");
      await provider.upsertBooking(calendar, write);
      await provider.cancelBooking(calendar, write.bookingId);
      await provider.upsertBooking(calendar, write);
      expect(fake.events()).toEqual([
        expect.objectContaining({ id: eventIdForBooking("bkg_back"), status: "confirmed" }),
      ]);
    });

    it("cancels by deleting the event; a second cancel (410) and an unknown booking (404) succeed", async () => {
      const provider = providerFor(fake);
      const write = booking("bkg_cancel", "2026-03-10T14:00:00Z", "2026-03-10T14:30:00Z");
      await provider.upsertBooking(calendar, write);
      await provider.cancelBooking(calendar, write.bookingId);
      expect(fake.events()).toEqual([]);
      await provider.cancelBooking(calendar, write.bookingId);
      await provider.cancelBooking(calendar, "bkg_never");
      const deletes = fake.requests.filter((r) => r.method === "DELETE").map((r) => r.path.split("/").at(-1));
      expect(deletes).toEqual([
        eventIdForBooking("bkg_cancel"),
        eventIdForBooking("bkg_cancel"),
        eventIdForBooking("bkg_never"),
      ]);
    });

    it("refuses to patch an event that carries another booking's id", async () => {
      const provider = providerFor(fake);
      fake.human.addTimed(
        calendar.externalCalendarId,
        "Squatter",
        "2026-03-10T14:00:00Z",
        "2026-03-10T15:00:00Z",
        {
          id: eventIdForBooking("bkg_mine"),
          extendedProperties: { private: { openavail_booking_id: "bkg_other" } },
        },
      );
      const err = await failure(
        provider.upsertBooking(calendar, booking("bkg_mine", "2026-03-10T14:00:00Z", "2026-03-10T14:30:00Z")),
      );
      expect(err.kind).toBe("invalid");
      expect(fake.events()[0]?.summary).toBe("Squatter");
    });
  });

  describe("errors", () => {
    it("classifies a 500 as unavailable, without retrying it", async () => {
      const provider = providerFor(fake);
      await provider.listCalendars();
      fake.failNext({ status: 500 });
      const err = await failure(provider.sync({ ...calendar, syncToken: null }));
      expect(err).toMatchObject({ kind: "unavailable", status: 500, retryable: true });
      expect(fake.requests.filter((r) => r.path.endsWith("/events"))).toHaveLength(1);
    });

    it("classifies a failing token endpoint as unavailable, without retrying the refresh", async () => {
      fake.failNext({ status: 503, target: "token" });
      const err = await failure(providerFor(fake).listCalendars());
      expect(err).toMatchObject({ kind: "unavailable", status: 503 });
      expect(fake.requests.map((r) => r.path)).toEqual(["/token"]);
    });

    it("classifies a 429 as rate_limited, with Retry-After in ms", async () => {
      fake.failNext({ status: 429, retryAfterSeconds: 7 });
      const err = await failure(
        providerFor(fake).upsertBooking(
          calendar,
          booking("bkg_429", "2026-03-10T14:00:00Z", "2026-03-10T15:00:00Z"),
        ),
      );
      expect(err).toMatchObject({ kind: "rate_limited", status: 429, retryAfterMs: 7_000 });
      expect(fake.requests.filter((r) => r.method === "POST" && r.path.endsWith("/events"))).toHaveLength(1);
    });

    it.each(["rateLimitExceeded", "userRateLimitExceeded"])(
      "classifies a 403 %s as rate_limited",
      async (reason) => {
        fake.failNext({ status: 403, reason });
        const err = await failure(providerFor(fake).listCalendars());
        expect(err).toMatchObject({ kind: "rate_limited", status: 403 });
        expect(err.retryAfterMs).toBeUndefined();
      },
    );

    it("classifies any other 403 as invalid", async () => {
      fake.failNext({ status: 403, reason: "forbiddenForNonOrganizer" });
      const err = await failure(providerFor(fake).cancelBooking(calendar, "bkg_x"));
      expect(err).toMatchObject({ kind: "invalid", status: 403, retryable: false });
    });

    it("classifies an unknown calendar as not_found", async () => {
      const err = await failure(
        providerFor(fake).sync({ ...calendar, externalCalendarId: "nobody@example.com", syncToken: null }),
      );
      expect(err).toMatchObject({ kind: "not_found", status: 404 });
    });

    it("times out a slow response as unavailable, after the configured timeout", async () => {
      const provider = providerFor(fake, { timeoutMs: 200 });
      await provider.listCalendars();
      fake.delayNext(2_000);
      const started = Date.now();
      const err = await failure(provider.sync({ ...calendar, syncToken: null }));
      expect(err.kind).toBe("unavailable");
      expect(err.status).toBeUndefined();
      expect(Date.now() - started).toBeLessThan(1_500);
    });

    it("classifies a refused connection as unavailable", async () => {
      const provider = providerFor(fake);
      await provider.listCalendars();
      await fake.close();
      const err = await failure(provider.listCalendars());
      expect(err.kind).toBe("unavailable");
      fake = await startFakeGoogle(); // for afterEach
    });

    it("reports a revoked refresh token as auth_revoked", async () => {
      const refreshToken = fake.issueRefreshToken();
      fake.revokeRefreshToken(refreshToken);
      const err = await failure(providerFor(fake, { refreshToken }).listCalendars());
      expect(err).toMatchObject({ kind: "auth_revoked", status: 400, retryable: false });
      expect(err.message).not.toContain(refreshToken);
    });

    it("reports auth_revoked when the grant is revoked mid-session (401, then invalid_grant)", async () => {
      const refreshToken = fake.issueRefreshToken();
      const provider = providerFor(fake, { refreshToken });
      await provider.listCalendars();
      fake.revokeRefreshToken(refreshToken);
      const err = await failure(provider.sync({ ...calendar, syncToken: null }));
      expect(err.kind).toBe("auth_revoked");
    });

    it("refreshes once and carries on when Google stops honouring the access token early", async () => {
      const provider = providerFor(fake);
      await provider.listCalendars();
      fake.expireAccessTokens();
      await expect(provider.sync({ ...calendar, syncToken: null })).resolves.toMatchObject({ events: [] });
      expect(fake.requests.map((r) => `${r.method} ${r.path.split("/").at(-1)}`)).toEqual([
        "POST token",
        "GET calendarList",
        "GET events",
        "POST token",
        "GET events",
      ]);
    });

    it("reads Retry-After as seconds or as an HTTP date", () => {
      expect(parseRetryAfter("120")).toBe(120_000);
      expect(parseRetryAfter("Sun, 01 Mar 2026 12:00:30 GMT", NOW)).toBe(30_000);
      expect(parseRetryAfter("soon")).toBeUndefined();
      expect(parseRetryAfter(undefined)).toBeUndefined();
    });
  });

  it("lists calendars across pages, marking the primary one", async () => {
    fake.addCalendar({ id: "team@group.calendar.google.com", summary: "Team", timeZone: "Europe/Berlin" });
    const calendars = await providerFor(fake, { pageSize: 1 }).listCalendars();
    expect(calendars).toEqual([
      { id: "owner@example.com", summary: "owner@example.com", primary: true, timeZone: TZ },
      { id: "team@group.calendar.google.com", summary: "Team", primary: false, timeZone: "Europe/Berlin" },
    ]);
  });
});
