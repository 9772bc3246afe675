// The real CalDAV adapter (tsdav, ical.js) against a real Radicale server on 127.0.0.1.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CalDavProvider } from "../../src/providers/caldav/caldav-provider.js";
import { type Radicale, startRadicale, vevent } from "../helpers/radicale.js";
import { providerFailure as failure, providerContract } from "./provider-contract.js";

const TZ = "America/New_York";
let radicale: Radicale;
let calendars = 0;
beforeAll(async () => {
  radicale = await startRadicale();
});
afterAll(async () => {
  await radicale?.close();
});

function providerOn(server: Radicale, url = server.url): CalDavProvider {
  return new CalDavProvider({
    serverUrl: url,
    username: server.username,
    password: server.password,
    timeoutMs: 5_000,
    now: () => Date.parse("2026-03-01T12:00:00Z"),
  });
}

providerContract("caldav (Radicale over HTTP)", async () => {
  const url = await radicale.makeCalendar(`contract${++calendars}`);
  let n = 0;
  return {
    provider: providerOn(radicale),
    calendar: { externalCalendarId: url, timeZone: TZ },
    human: {
      async addEvent(title, start, end) {
        const stamp = (iso: string) => iso.replace(/[-:]/g, "").replace(/\.\d+/, "");
        await radicale.putEvent(
          url,
          `human-${++n}.ics`,
          vevent([
            `UID:human-${n}-${url}`,
            `DTSTAMP:${stamp(start)}`,
            `DTSTART:${stamp(start)}`,
            `DTEND:${stamp(end)}`,
            `SUMMARY:${title}`,
          ]),
        );
      },
    },
  };
});

describe("CalDavProvider on Radicale", () => {
  let url: string;
  let provider: CalDavProvider;
  let calendar: { externalCalendarId: string; timeZone: string };
  beforeEach(async () => {
    url = await radicale.makeCalendar(`cal${++calendars}`, { displayName: "Work", timeZone: "Europe/Paris" });
    provider = providerOn(radicale);
    calendar = { externalCalendarId: url, timeZone: TZ };
  });

  it("finds the account's calendars from the server root, and takes a calendar's own URL as the one", async () => {
    const found = await provider.listCalendars();
    expect(found).toContainEqual({
      id: url,
      summary: "Work",
      primary: expect.any(Boolean),
      timeZone: "Europe/Paris",
    });
    expect(await providerOn(radicale, url).listCalendars()).toEqual([
      { id: url, summary: "Work", primary: true, timeZone: "Europe/Paris" },
    ]);
  });

  it("places floating times in the calendar's own zone (its calendar-timezone) over the owner's", async () => {
    await radicale.putEvent(
      url,
      "floating.ics",
      vevent([
        "UID:fl",
        "DTSTAMP:20260101T000000Z",
        "DTSTART:20260310T090000",
        "DTEND:20260310T100000",
        "SUMMARY:Floating",
      ]),
    );
    const page = await provider.sync({ ...calendar, syncToken: null });
    // 09:00 in Paris (UTC+1 in March before the change), not New York.
    expect(page.events.map((e) => [e.title, new Date(e.start).toISOString()])).toEqual([
      ["Floating", "2026-03-10T08:00:00.000Z"],
    ]);
  });

  it("names a changed recurring object in `replaced`, with the occurrences it now has", async () => {
    const series = (count: number) =>
      vevent([
        "UID:series",
        "DTSTAMP:20260101T000000Z",
        "DTSTART:20260302T100000Z",
        "DTEND:20260302T110000Z",
        `RRULE:FREQ=DAILY;COUNT=${count}`,
        "SUMMARY:Series",
      ]);
    const objectUrl = await radicale.putEvent(url, "series.ics", series(3));
    const full = await provider.sync({ ...calendar, syncToken: null });
    expect(full.events.filter((e) => e.title === "Series")).toHaveLength(3);
    await radicale.putEvent(url, "series.ics", series(2));
    const next = await provider.sync({ ...calendar, syncToken: full.nextSyncToken });
    const href = new URL(objectUrl).pathname;
    expect(next.replaced).toEqual([href]);
    expect(next.events.map((e) => e.externalId)).toEqual([
      `${href}#${Date.parse("2026-03-02T10:00:00Z")}`,
      `${href}#${Date.parse("2026-03-03T10:00:00Z")}`,
    ]);
    await radicale.deleteObject(objectUrl);
    const gone = await provider.sync({ ...calendar, syncToken: next.nextSyncToken });
    expect(gone.replaced).toEqual([href]);
    expect(gone.events).toMatchObject([
      { externalId: href, status: "cancelled", busy: false, bookingId: null },
    ]);
  });

  it("lists everything again, as a full resync, when the server refuses the token", async () => {
    await radicale.putEvent(
      url,
      "one.ics",
      vevent([
        "UID:one",
        "DTSTAMP:20260101T000000Z",
        "DTSTART:20260310T090000Z",
        "DTEND:20260310T100000Z",
        "SUMMARY:One",
      ]),
    );
    const full = await provider.sync({ ...calendar, syncToken: null });
    const forged = full.nextSyncToken.replace(/"dav":"[^"]+"/, '"dav":"http://radicale.org/ns/sync/0000"');
    const again = await provider.sync({ ...calendar, syncToken: forged });
    expect(again.fullResync).toBe(true);
    expect(again.events.map((e) => e.title)).toEqual(["One"]);
  });

  it("writes one object per booking, named and UID'd from its id, however often it is retried", async () => {
    const write = {
      bookingId: "bkg_once",
      start: Date.parse("2026-03-10T14:00:00Z"),
      end: Date.parse("2026-03-10T14:30:00Z"),
      title: "Intro call",
      description: null,
      attendees: [],
      meetingClass: "sales",
      agentName: "sales-bot",
    };
    await provider.upsertBooking(calendar, write);
    await provider.upsertBooking(calendar, write);
    await provider.upsertBooking(calendar, {
      ...write,
      start: write.start + 3_600_000,
      end: write.end + 3_600_000,
    });
    expect(await radicale.listObjects(url)).toEqual(["openavail-bkg_once.ics"]);
    const text = await radicale.getObject(new URL("openavail-bkg_once.ics", url).href);
    expect(text).toContain("UID:openavail-bkg_once@openavail");
    expect(text).toContain("DTSTART:20260310T150000Z");
  });

  it("reports a refused app password as auth_revoked (the calendar needs reconnecting)", async () => {
    const wrong = new CalDavProvider({ serverUrl: url, username: radicale.username, password: "revoked" });
    const err = await failure(wrong.sync({ ...calendar, syncToken: null }));
    expect([err.kind, err.status, err.retryable]).toEqual(["auth_revoked", 401, false]);
    expect(err.message).not.toContain("revoked:");
  });

  it("honours Retry-After on 429 and 503, and calls a refused connection unavailable", async () => {
    for (const [status, kind] of [
      [429, "rate_limited"],
      [503, "unavailable"],
    ] as const) {
      const busy = new CalDavProvider({
        serverUrl: url,
        username: radicale.username,
        password: radicale.password,
        fetch: async () => new Response("busy", { status, headers: { "retry-after": "7" } }),
      });
      const err = await failure(busy.cancelBooking(calendar, "bkg_x"));
      expect([err.kind, err.retryAfterMs, err.retryable]).toEqual([kind, 7_000, true]);
    }
    const down = new CalDavProvider({
      serverUrl: "http://127.0.0.1:9/",
      username: "u",
      password: "p",
      timeoutMs: 2_000,
    });
    const err = await failure(
      down.sync({ externalCalendarId: "http://127.0.0.1:9/u/c/", syncToken: null, timeZone: TZ }),
    );
    expect(err.kind).toBe("unavailable");
  });
});
