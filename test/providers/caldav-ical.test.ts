// iCalendar objects as the CalDAV provider mirrors them: recurrence expanded with ical.js, all-day
// and floating times in the calendar's zone, TZIDs by IANA name or the object's own VTIMEZONE.
import { describe, expect, it } from "vitest";
import {
  bookingIcs,
  bookingIdOfHref,
  bookingIdOfUid,
  resourceNameForBooking,
  uidForBooking,
} from "../../src/providers/caldav/booking-ics.js";
import { eventsOfObject } from "../../src/providers/caldav/ical-events.js";
import { vevent } from "../helpers/radicale.js";

const HREF = "/owner/work/weekly.ics";
const WINDOW = { from: Date.parse("2026-03-01T00:00:00Z"), to: Date.parse("2026-04-30T00:00:00Z") };
const iso = (ms: number) => new Date(ms).toISOString();

describe("eventsOfObject", () => {
  it("expands a weekly series in its TZID across the DST change, one event per occurrence", () => {
    const ics = vevent([
      "UID:weekly-1",
      "DTSTAMP:20260201T000000Z",
      "DTSTART;TZID=Europe/Paris:20260316T090000",
      "DTEND;TZID=Europe/Paris:20260316T100000",
      "RRULE:FREQ=WEEKLY;COUNT=3",
      "SUMMARY:Team sync",
    ]);
    const events = eventsOfObject(HREF, ics, { timeZone: "UTC", ...WINDOW });
    expect(events.map((e) => [e.externalId, iso(e.start), iso(e.end)])).toEqual([
      // 09:00 Paris is 08:00Z before 2026-03-29 and 07:00Z after it.
      [
        `${HREF}#${Date.parse("2026-03-16T08:00:00Z")}`,
        "2026-03-16T08:00:00.000Z",
        "2026-03-16T09:00:00.000Z",
      ],
      [
        `${HREF}#${Date.parse("2026-03-23T08:00:00Z")}`,
        "2026-03-23T08:00:00.000Z",
        "2026-03-23T09:00:00.000Z",
      ],
      [
        `${HREF}#${Date.parse("2026-03-30T07:00:00Z")}`,
        "2026-03-30T07:00:00.000Z",
        "2026-03-30T08:00:00.000Z",
      ],
    ]);
    expect(events.every((e) => e.busy && e.title === "Team sync" && e.bookingId === null)).toBe(true);
  });

  it("drops EXDATEs, applies an override's new time and a cancelled override's freedom", () => {
    const ics = [
      "BEGIN:VCALENDAR",
      "VERSION:2.0",
      "PRODID:-//t//EN",
      "BEGIN:VEVENT",
      "UID:daily-1",
      "DTSTAMP:20260201T000000Z",
      "DTSTART:20260302T150000Z",
      "DTEND:20260302T153000Z",
      "RRULE:FREQ=DAILY;COUNT=4",
      "EXDATE:20260303T150000Z",
      "SUMMARY:Standup",
      "END:VEVENT",
      "BEGIN:VEVENT",
      "UID:daily-1",
      "DTSTAMP:20260201T000000Z",
      "RECURRENCE-ID:20260304T150000Z",
      "DTSTART:20260304T170000Z",
      "DTEND:20260304T173000Z",
      "SUMMARY:Standup (moved)",
      "END:VEVENT",
      "BEGIN:VEVENT",
      "UID:daily-1",
      "DTSTAMP:20260201T000000Z",
      "RECURRENCE-ID:20260305T150000Z",
      "DTSTART:20260305T150000Z",
      "DTEND:20260305T153000Z",
      "STATUS:CANCELLED",
      "SUMMARY:Standup",
      "END:VEVENT",
      "END:VCALENDAR",
      "",
    ].join("\r\n");
    const events = eventsOfObject(HREF, ics, { timeZone: "UTC", ...WINDOW });
    expect(events.map((e) => [iso(e.start), e.title, e.busy])).toEqual([
      ["2026-03-02T15:00:00.000Z", "Standup", true],
      ["2026-03-04T17:00:00.000Z", "Standup (moved)", true],
      ["2026-03-05T15:00:00.000Z", "Standup", false],
    ]);
  });

  it("lists an endless series only inside the window", () => {
    const ics = vevent([
      "UID:forever",
      "DTSTAMP:20200101T000000Z",
      "DTSTART:20200106T100000Z",
      "DTEND:20200106T110000Z",
      "RRULE:FREQ=WEEKLY",
    ]);
    const events = eventsOfObject(HREF, ics, { timeZone: "UTC", ...WINDOW });
    expect(events.length).toBe(9);
    expect(events.every((e) => e.end > WINDOW.from && e.start < WINDOW.to)).toBe(true);
  });

  it("places all-day and floating times in the calendar's zone", () => {
    const allDay = vevent([
      "UID:a",
      "DTSTAMP:20260101T000000Z",
      "DTSTART;VALUE=DATE:20260310",
      "DTEND;VALUE=DATE:20260311",
    ]);
    const floating = vevent([
      "UID:f",
      "DTSTAMP:20260101T000000Z",
      "DTSTART:20260310T090000",
      "DTEND:20260310T093000",
    ]);
    const options = { timeZone: "America/New_York", ...WINDOW };
    const [day] = eventsOfObject("/c/a.ics", allDay, options);
    const [wall] = eventsOfObject("/c/f.ics", floating, options);
    // New York is UTC-4 from 2026-03-08.
    expect([iso(day!.start), iso(day!.end), day!.allDay]).toEqual([
      "2026-03-10T04:00:00.000Z",
      "2026-03-11T04:00:00.000Z",
      true,
    ]);
    expect([iso(wall!.start), iso(wall!.end), wall!.allDay]).toEqual([
      "2026-03-10T13:00:00.000Z",
      "2026-03-10T13:30:00.000Z",
      false,
    ]);
  });

  it("reads a TZID only the object's VTIMEZONE defines (an Outlook zone name)", () => {
    const tz = [
      "BEGIN:VTIMEZONE",
      "TZID:W. Europe Standard Time",
      "BEGIN:STANDARD",
      "DTSTART:16011028T030000",
      "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10",
      "TZOFFSETFROM:+0200",
      "TZOFFSETTO:+0100",
      "END:STANDARD",
      "BEGIN:DAYLIGHT",
      "DTSTART:16010325T020000",
      "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3",
      "TZOFFSETFROM:+0100",
      "TZOFFSETTO:+0200",
      "END:DAYLIGHT",
      "END:VTIMEZONE",
    ];
    const ics = vevent(
      [
        "UID:o",
        "DTSTAMP:20260101T000000Z",
        "DTSTART;TZID=W. Europe Standard Time:20260310T090000",
        "DTEND;TZID=W. Europe Standard Time:20260310T100000",
      ],
      tz,
    );
    const [ev] = eventsOfObject("/c/o.ics", ics, { timeZone: "UTC", ...WINDOW });
    expect([iso(ev!.start), iso(ev!.end)]).toEqual(["2026-03-10T08:00:00.000Z", "2026-03-10T09:00:00.000Z"]);
  });

  it("frees transparent events and the ones the owner declined; tentative stays busy", () => {
    const base = ["DTSTAMP:20260101T000000Z", "DTSTART:20260310T090000Z", "DTEND:20260310T100000Z"];
    const options = { timeZone: "UTC", ...WINDOW, ownerAddress: "owner@example.com" };
    const one = (lines: string[]) =>
      eventsOfObject("/c/x.ics", vevent(["UID:x", ...base, ...lines]), options)[0]!;
    expect(one(["TRANSP:TRANSPARENT"]).busy).toBe(false);
    expect(one(["ATTENDEE;PARTSTAT=DECLINED:mailto:OWNER@example.com"]).busy).toBe(false);
    expect(one(["ATTENDEE;PARTSTAT=ACCEPTED:mailto:owner@example.com"]).busy).toBe(true);
    expect(one(["STATUS:TENTATIVE"])).toMatchObject({ busy: true, status: "tentative" });
  });

  it("gives nothing for text that is not iCalendar", () => {
    expect(eventsOfObject("/c/bad.ics", "not a calendar", { timeZone: "UTC", ...WINDOW })).toEqual([]);
  });
});

describe("a booking's object", () => {
  it("derives its UID and resource name from the booking id, both ways", () => {
    expect(uidForBooking("bkg_01abc")).toBe("openavail-bkg_01abc@openavail");
    expect(bookingIdOfUid(uidForBooking("bkg_01abc"))).toBe("bkg_01abc");
    expect(bookingIdOfUid("someone-else@example.com")).toBeNull();
    expect(bookingIdOfHref(`/owner/work/${resourceNameForBooking("bkg_01abc")}`)).toBe("bkg_01abc");
    expect(bookingIdOfHref("/owner/work/dentist.ics")).toBeNull();
  });

  it("is a VEVENT in UTC that reads back as the booking, with attendees the server will not invite", () => {
    const ics = bookingIcs(
      {
        bookingId: "bkg_01abc",
        start: Date.parse("2026-03-10T14:00:00Z"),
        end: Date.parse("2026-03-10T14:30:00Z"),
        title: "Intro, call; with \\ escapes",
        description: "Line one\nLine two",
        attendees: [{ email: "ana@example.com", name: "Ana" }],
        meetingClass: "sales",
        agentName: "sales-bot",
      },
      Date.parse("2026-03-01T12:00:00Z"),
    );
    expect(ics).toContain("UID:openavail-bkg_01abc@openavail");
    expect(ics).toMatch(/ATTENDEE;[^\r\n]*SCHEDULE-AGENT=CLIENT/);
    const [ev] = eventsOfObject("/c/b.ics", ics, { timeZone: "Asia/Tokyo", ...WINDOW });
    expect(ev).toMatchObject({
      start: Date.parse("2026-03-10T14:00:00Z"),
      end: Date.parse("2026-03-10T14:30:00Z"),
      title: "Intro, call; with \\ escapes",
      bookingId: "bkg_01abc",
      busy: true,
      updatedAt: Date.parse("2026-03-01T12:00:00Z"),
    });
  });
});
