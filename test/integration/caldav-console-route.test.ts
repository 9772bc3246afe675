// POST /v1/admin/caldav/connect, the console's way to connect a CalDAV calendar, on a served app
// against a real Radicale: the calendar attached and synced, the password kept out of every answer
// and of the admin trail, a refused sign-in answered 403 and a bad URL 400, both naming the field.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App } from "../../src/compose.js";
import { createAdminToken } from "../../src/service/admin-tokens.js";
import type { RunningServer } from "../../src/transports/http/server.js";
import { type Radicale, startRadicale, vevent } from "../helpers/radicale.js";
import { serveApp, serverAppOf } from "../helpers/served-world.js";
import { makeWorld, type World } from "../helpers/world.js";

const OWNER = "lee@example.com";
let radicale: Radicale;
let w: World;
let app: App;
let server: RunningServer;
let token: string;
let calendarUrl: string;

beforeAll(async () => {
  radicale = await startRadicale({ username: OWNER, password: "console-secret-1" });
  calendarUrl = await radicale.makeCalendar("home", { displayName: "Home", timeZone: "Europe/Berlin" });
  await radicale.putEvent(
    calendarUrl,
    "gym.ics",
    vevent([
      "UID:gym",
      "DTSTAMP:20260101T000000Z",
      "DTSTART:20260303T170000Z",
      "DTEND:20260303T180000Z",
      "SUMMARY:Gym",
    ]),
  );
  w = await makeWorld("2026-03-02T12:00:00Z");
  token = (await createAdminToken(w.app.ledger.db, w.clock.now)).token;
  app = await serverAppOf(w, { secretKey: "33".repeat(32) });
  server = await serveApp(app);
});
afterAll(async () => {
  await server?.close();
  await w?.close();
  await radicale?.close();
});

async function admin(method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, text: await res.text() };
}

describe("POST /v1/admin/caldav/connect", () => {
  it("refuses a wrong password (403) and a URL that is not http(s) (400), changing nothing", async () => {
    const wrong = await admin("POST", "/v1/admin/caldav/connect", {
      owner_email: OWNER,
      url: calendarUrl,
      username: OWNER,
      password: "not-it",
    });
    expect(wrong.status).toBe(403);
    expect(JSON.parse(wrong.text)).toMatchObject({ error: "forbidden" });
    const bad = await admin("POST", "/v1/admin/caldav/connect", {
      owner_email: OWNER,
      url: "ftp://example.com/cal",
      username: OWNER,
      password: "x",
    });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text).details).toContainEqual(expect.objectContaining({ field: "url" }));
    const owners = await admin("GET", "/v1/owners");
    expect(owners.text).not.toContain(OWNER);
  });

  it("connects, creates the owner in the calendar's zone, syncs, and never echoes or records the password", async () => {
    const res = await admin("POST", "/v1/admin/caldav/connect", {
      owner_email: OWNER,
      url: radicale.url,
      username: OWNER,
      password: "console-secret-1",
      calendar: "Home",
      calendar_type: "personal",
    });
    expect(res.status, res.text).toBe(201);
    expect(JSON.parse(res.text)).toMatchObject({
      owner: { email: OWNER, timezone: "Europe/Berlin", created: true },
      calendars: [
        {
          calendar_type: "personal",
          external_id: calendarUrl,
          action: "created",
          sync: { ok: true, events: 1 },
        },
      ],
    });
    const calendars = await admin("GET", "/v1/calendars");
    expect(JSON.parse(calendars.text).calendars).toContainEqual(
      expect.objectContaining({
        owner_email: OWNER,
        calendar_type: "personal",
        provider: "caldav",
        status: "active",
      }),
    );
    const trail = await admin("GET", "/v1/admin/actions");
    expect(trail.text).toContain("admin_connect_caldav");
    for (const text of [res.text, calendars.text, trail.text]) expect(text).not.toContain("console-secret-1");
  });
});

describe("a CalDAV server without authentication", () => {
  it("connects with an empty password (the CLI sends what stdin gave, even nothing)", async () => {
    const open = await startRadicale({ username: "sam@example.com", auth: "none" });
    try {
      const url = await open.makeCalendar("work");
      const res = await admin("POST", "/v1/admin/caldav/connect", {
        owner_email: "sam@example.com",
        url,
        username: "sam@example.com",
        password: "",
      });
      expect(res.status, res.text).toBe(201);
      expect(JSON.parse(res.text).calendars).toMatchObject([
        { external_id: url, sync: { ok: true, events: 0 } },
      ]);
    } finally {
      await open.close();
    }
  });
});

describe("a calendar connected from the console while serve runs", () => {
  it("counts for the very next decision, even right after one that found no provider calendar", async () => {
    const owner = "rio@example.com";
    const dav = await startRadicale({ username: owner, password: "pw-rio" });
    // A ledger of its own, with no provider calendar yet.
    const fresh = await makeWorld("2026-03-02T12:00:00Z");
    const freshApp = await serverAppOf(fresh);
    const served = await serveApp(freshApp);
    try {
      const url = await dav.makeCalendar("work");
      await fresh.addOwner("local-only@example.com");
      const agent = await fresh.addAgent({ name: "early" });
      const adminKey = (await createAdminToken(fresh.app.ledger.db, fresh.clock.now)).token;
      const call = async (key: string, path: string, body: unknown) => {
        const res = await fetch(`${served.url}${path}`, {
          method: "POST",
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
          body: JSON.stringify(body),
        });
        return { status: res.status, json: (await res.json()) as Record<string, any> };
      };
      // A decision before the connect: the refresher finds no provider calendar and remembers it.
      const before = await call(agent.key, "/v1/bookings", {
        owner_email: "local-only@example.com",
        start: "2026-03-04T10:00:00Z",
        end: "2026-03-04T10:30:00Z",
        title: "Local",
      });
      expect(before.json.verdict).toBe("Accept");
      const connected = await call(adminKey, "/v1/admin/caldav/connect", {
        owner_email: owner,
        url,
        username: owner,
        password: "pw-rio",
      });
      expect(connected.status).toBe(201);
      await dav.putEvent(
        url,
        "gym.ics",
        vevent([
          "UID:gym-rio",
          "DTSTAMP:20260101T000000Z",
          "DTSTART:20260304T150000Z",
          "DTEND:20260304T160000Z",
          "SUMMARY:Gym",
        ]),
      );
      // The clock has not moved: only the connect itself can tell the refresher to look again.
      const next = await call(agent.key, "/v1/bookings", {
        owner_email: owner,
        start: "2026-03-04T15:00:00Z",
        end: "2026-03-04T15:30:00Z",
        title: "Clash",
      });
      expect(next.json.verdict).toBe("CounterPropose");
    } finally {
      await served.close();
      await fresh.close();
      await dav.close();
    }
  });
});
