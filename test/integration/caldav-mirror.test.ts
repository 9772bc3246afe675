// The mirror of a CalDAV calendar, on a real Radicale: the owner's own events (recurring ones too)
// are busy time for the next decision, the owner moving or deleting a booking's event moves or
// cancels the booking, a changed app password asks for a reconnect, and a server that is gone leaves
// decisions answering from the mirror with PROVIDER_STALE.
import { randomBytes } from "node:crypto";
import pino from "pino";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SecretBox } from "../../src/providers/secret-box.js";
import { connectCalDav } from "../../src/service/caldav-connect.js";
import { drainOutbox } from "../../src/service/outbox-worker.js";
import { createProviderRegistry } from "../../src/service/provider-registry.js";
import type { SchedulingService } from "../../src/service/scheduling-service.js";
import { executeTool } from "../../tools/execute-tool.js";
import { findTool } from "../../tools/index.js";
import { type Radicale, startRadicale, vevent } from "../helpers/radicale.js";
import { makeWorld, type World } from "../helpers/world.js";
import { googleBackedService } from "./google-world.js";

const OWNER = "owner@example.com";
// Mon 2026-03-02 12:00Z; the owner lives in New York (UTC-5 until 2026-03-08).
const START = "2026-03-02T12:00:00Z";

let radicale: Radicale;
let calendars = 0;
beforeAll(async () => {
  radicale = await startRadicale({ username: OWNER, password: "first-password" });
});
afterAll(async () => {
  await radicale?.close();
});

let w: World;
let box: SecretBox;
let service: SchedulingService;
let calendarUrl: string;
let calendarId: string;
let agent: Awaited<ReturnType<World["addAgent"]>>;
const logger = pino({ level: "silent" });

async function connect(password = radicale.password) {
  const registry = createProviderRegistry({
    db: w.app.ledger.db,
    secretBox: box,
    google: null,
    now: () => w.clock.now,
  });
  const result = await connectCalDav({
    db: w.app.ledger.db,
    secretBox: box,
    now: () => w.clock.now,
    logger,
    ownerEmail: OWNER,
    url: calendarUrl,
    username: OWNER,
    password,
    timeZone: "America/New_York",
    calendars: [],
    registry,
  });
  service = googleBackedService(w, registry).service;
  return { result, registry };
}

beforeEach(async () => {
  w = await makeWorld(START);
  box = new SecretBox(randomBytes(32));
  calendarUrl = await radicale.makeCalendar(`mirror${++calendars}`);
  const { result } = await connect();
  calendarId = result.calendars[0]!.id;
  agent = await w.addAgent({ name: "assistant" });
});
afterEach(async () => {
  await w.close();
});

async function call(tool: string, args: Record<string, unknown>): Promise<Record<string, any>> {
  const res = await executeTool(service, findTool(tool)!, agent.caller, args);
  return JSON.parse(res.json) as Record<string, any>;
}
const book = (start: string, end: string) =>
  call("create_booking", { owner_email: OWNER, start, end, title: "Intro call" });
async function bookingStatus(id: string): Promise<string> {
  const row = await w.app.ledger.db
    .selectFrom("bookings")
    .select("status")
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
  return row.status;
}
async function drain() {
  const registry = createProviderRegistry({
    db: w.app.ledger.db,
    secretBox: box,
    google: null,
    now: () => w.clock.now,
  });
  return drainOutbox({
    db: w.app.ledger.db,
    now: () => w.clock.now,
    logger,
    providerFor: registry,
    random: () => 0.5,
  });
}

describe("a CalDAV calendar's mirror", () => {
  it("makes every occurrence of the owner's recurring event busy for the next decision", async () => {
    await radicale.putEvent(
      calendarUrl,
      "standup.ics",
      vevent([
        "UID:standup",
        "DTSTAMP:20260101T000000Z",
        "DTSTART;TZID=America/New_York:20260302T100000",
        "DTEND;TZID=America/New_York:20260302T103000",
        "RRULE:FREQ=DAILY;COUNT=10",
        "SUMMARY:Standup",
      ]),
    );
    // Tue 10:00 New York = 15:00Z; Mon 9 March 10:00 New York = 14:00Z (after the DST change).
    expect((await book("2026-03-03T15:00:00Z", "2026-03-03T15:30:00Z")).verdict).toBe("CounterPropose");
    expect((await book("2026-03-09T14:00:00Z", "2026-03-09T14:30:00Z")).verdict).toBe("CounterPropose");
    expect((await book("2026-03-09T15:00:00Z", "2026-03-09T15:30:00Z")).verdict).toBe("Accept");
  });

  it("frees the occurrences a recurring event no longer has once the owner shortens it", async () => {
    const series = (count: number) =>
      vevent([
        "UID:class",
        "DTSTAMP:20260101T000000Z",
        "DTSTART:20260303T150000Z",
        "DTEND:20260303T160000Z",
        `RRULE:FREQ=DAILY;COUNT=${count}`,
        "SUMMARY:Class",
      ]);
    await radicale.putEvent(calendarUrl, "class.ics", series(3));
    expect((await book("2026-03-05T15:00:00Z", "2026-03-05T15:30:00Z")).verdict).toBe("CounterPropose");
    await radicale.putEvent(calendarUrl, "class.ics", series(2));
    expect((await book("2026-03-05T15:00:00Z", "2026-03-05T15:30:00Z")).verdict).toBe("Accept");
    expect((await book("2026-03-04T15:00:00Z", "2026-03-04T15:30:00Z")).verdict).toBe("CounterPropose");
    const rows = await w.app.ledger.db
      .selectFrom("external_events")
      .select("external_id")
      .where("title", "=", "Class")
      .execute();
    expect(rows).toHaveLength(2);
  });

  it("moves a booking whose event the owner moved, and tells its agent (booking.moved)", async () => {
    const made = await book("2026-03-04T15:00:00Z", "2026-03-04T15:30:00Z");
    expect(made.verdict).toBe("Accept");
    const id = made.booking.booking_id as string;
    expect(await drain()).toMatchObject({ done: 1 });
    const objectUrl = new URL(`openavail-${id}.ics`, calendarUrl).href;
    const written = (await radicale.getObject(objectUrl))!;
    // The owner drags the event an hour later in their calendar app, which keeps UID and X- fields.
    await radicale.putEvent(
      calendarUrl,
      `openavail-${id}.ics`,
      written
        .replace("DTSTART:20260304T150000Z", "DTSTART:20260304T160000Z")
        .replace("DTEND:20260304T153000Z", "DTEND:20260304T163000Z"),
    );
    const next = await book("2026-03-05T15:00:00Z", "2026-03-05T15:30:00Z");
    expect(next.verdict).toBe("Accept");
    const row = await w.app.ledger.db
      .selectFrom("bookings")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect([row.status, new Date(row.start_ms).toISOString()]).toEqual([
      "confirmed",
      "2026-03-04T16:00:00.000Z",
    ]);
    expect(JSON.stringify(next.pending_notifications)).toContain("booking.moved");
  });

  it("cancels a booking whose event the owner deleted", async () => {
    const made = await book("2026-03-04T15:00:00Z", "2026-03-04T15:30:00Z");
    const id = made.booking.booking_id as string;
    await drain();
    await radicale.deleteObject(new URL(`openavail-${id}.ics`, calendarUrl).href);
    await call("check_availability", {
      owner_email: OWNER,
      duration_minutes: 30,
      window: { start: "2026-03-04T14:00:00Z", end: "2026-03-04T18:00:00Z" },
      hold: false,
    });
    expect(await bookingStatus(id)).toBe("cancelled");
  });

  it("asks for a reconnect when the app password stops working, and works again after one", async () => {
    const made = await book("2026-03-04T15:00:00Z", "2026-03-04T15:30:00Z");
    expect(made.verdict).toBe("Accept");
    // The owner revokes the app password: the server now refuses it.
    radicale.setPassword("second-password");
    try {
      w.clock.now += 10 * 60_000;
      const verdict = await book("2026-03-05T15:00:00Z", "2026-03-05T15:30:00Z");
      expect(verdict.warnings).toContain("PROVIDER_NEEDS_RECONNECT");
      const cal = await w.app.ledger.db
        .selectFrom("calendars")
        .selectAll()
        .where("id", "=", calendarId)
        .executeTakeFirstOrThrow();
      expect(cal.status).toBe("needs_reconnect");
      // The writes owed to the calendar (both bookings) wait, backing off, until the owner reconnects.
      expect(await drain()).toMatchObject({ retried: 2 });
      const again = await connect("second-password");
      expect(again.result).toMatchObject({
        credential: { reused: true },
        calendars: [{ id: calendarId, action: "reconnected", sync: { ok: true } }],
      });
      expect(await drain()).toMatchObject({ done: 2 });
    } finally {
      radicale.setPassword(radicale.password);
    }
    expect(await radicale.listObjects(calendarUrl)).toHaveLength(2);
  });

  it("answers from the mirror, with PROVIDER_STALE, once the server has been gone too long", async () => {
    const gone = await startRadicale({ username: OWNER, password: "pw" });
    calendarUrl = await gone.makeCalendar("work");
    await w.close();
    w = await makeWorld(START);
    agent = await w.addAgent({ name: "assistant" });
    await connect("pw");
    await gone.close();
    const fresh = await book("2026-03-04T15:00:00Z", "2026-03-04T15:30:00Z");
    expect([fresh.verdict, fresh.warnings]).toEqual(["Accept", []]);
    w.clock.now += 6 * 60_000;
    const stale = await book("2026-03-04T16:00:00Z", "2026-03-04T16:30:00Z");
    expect([stale.verdict, stale.warnings]).toEqual(["Accept", ["PROVIDER_STALE"]]);
  });
});
