// The admin REST routes the console is built on, used as a script would use them with an admin
// token: every agent's bookings (list, show, cancel with the agent told), one owner's week in their
// zone (DST-correct days), the policy, a rules preview that saves nothing, the decision stream, and
// the trail of admin actions naming who did what (REST and CLI alike).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/run-cli.js";
import type { App } from "../../src/compose.js";
import { createAdminToken } from "../../src/service/admin-tokens.js";
import type { RunningServer } from "../../src/transports/http/server.js";
import { Capture } from "../cli/cli-harness.js";
import { serveApp, serverAppOf } from "../helpers/served-world.js";
import { ledgerArgs, makeWorld, NINE_TO_FIVE, type World } from "../helpers/world.js";

const CEO = "ceo@example.com";
let w: World;
let app: App;
let server: RunningServer;
let token: string;
let sales: Awaited<ReturnType<World["addAgent"]>>;
let calendarId: string;

beforeAll(async () => {
  // Sat 2026-03-28 12:00Z: Berlin moves to summer time on Sunday the 29th.
  w = await makeWorld("2026-03-28T12:00:00Z");
  calendarId = (await w.addOwner(CEO, "Europe/Berlin", { working_hours: NINE_TO_FIVE })).calendarId;
  sales = await w.addAgent({ name: "sales" });
  token = (await createAdminToken(w.app.ledger.db, w.clock.now)).token;
  app = await serverAppOf(w);
  server = await serveApp(app);
});
afterAll(async () => {
  await server?.close();
  await w?.close();
});

async function admin(method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}

describe("the owner's admin routes", () => {
  it("list, show and cancel any agent's booking; the agent is told, with the reason", async () => {
    const booked = await w.call(sales.caller, "create_booking", {
      owner_email: CEO,
      start: "2026-03-30T08:00:00Z",
      duration_minutes: 30,
      title: "Demo",
    });
    expect(booked.verdict).toBe("Accept");
    const id = booked.booking.booking_id;
    const list = await admin("GET", `/v1/admin/bookings?owner=${CEO}`);
    expect(list.status).toBe(200);
    expect(list.json.bookings.map((b: { booking_id: string }) => b.booking_id)).toContain(id);
    expect((await admin("GET", `/v1/admin/bookings/${id}`)).json.booking.title).toBe("Demo");
    const cancelled = await admin("POST", `/v1/admin/bookings/${id}/cancel`, { reason: "owner away" });
    expect(cancelled.status).toBe(200);
    expect(cancelled.json.booking.status).toBe("cancelled");
    const notes = await w.call(sales.caller, "get_notifications", {});
    expect(notes.notifications).toContainEqual(
      expect.objectContaining({ type: "booking.cancelled", booking_id: id, reason: "owner away" }),
    );
    expect((await admin("GET", "/v1/admin/bookings/bkg_nosuchbooking")).status).toBe(404);
  });

  it("draws the owner's week in their zone, 23 hours on the DST Sunday", async () => {
    const week = await admin("GET", `/v1/admin/week?owner=${CEO}&date=2026-03-29`);
    expect(week.status).toBe(200);
    expect(week.json.timezone).toBe("Europe/Berlin");
    expect(week.json.days.map((d: { date: string }) => d.date)).toEqual([
      "2026-03-23",
      "2026-03-24",
      "2026-03-25",
      "2026-03-26",
      "2026-03-27",
      "2026-03-28",
      "2026-03-29",
    ]);
    const sunday = week.json.days[6];
    expect(Date.parse(sunday.end) - Date.parse(sunday.start)).toBe(23 * 3_600_000);
    expect(week.json.calendars[0].rules.working_hours.mon).toEqual({ start: "09:00", end: "17:00" });
    expect((await admin("GET", "/v1/admin/week?owner=ghost@example.com")).status).toBe(404);
  });

  it("previews rules without saving them, and names the policy's classes", async () => {
    // A year of notice leaves nothing in the next seven days.
    const closed = await admin("POST", `/v1/admin/calendars/${calendarId}/rules/preview`, {
      working_hours: NINE_TO_FIVE,
      min_notice_minutes: 525_600,
    });
    expect(closed.status, JSON.stringify(closed.json)).toBe(200);
    expect(closed.json.slots).toEqual([]);
    const open = await admin("POST", `/v1/admin/calendars/${calendarId}/rules/preview`, {
      working_hours: NINE_TO_FIVE,
    });
    expect(open.json.slots.length).toBeGreaterThan(0);
    // Nothing was saved: the rules are still nine to five on weekdays.
    expect((await admin("GET", `/v1/admin/calendars/${calendarId}/rules`)).json.working_hours.mon).toEqual({
      start: "09:00",
      end: "17:00",
    });
    const bad = await admin("POST", `/v1/admin/calendars/${calendarId}/rules/preview`, {
      buffer_after_minutes: -5,
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.json.details)).toContain("buffer_after_minutes");
    const policy = await admin("GET", "/v1/admin/policy");
    expect(policy.json.classes.exec_meeting).toEqual({ rank: 90, preemptible: false });
  });

  it("streams new decisions as server-sent events", async () => {
    const controller = new AbortController();
    const res = await fetch(`${server.url}/v1/decisions/stream`, {
      headers: { authorization: `Bearer ${token}` },
      signal: controller.signal,
    });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const made = await w.call(sales.caller, "create_hold", {
      owner_email: CEO,
      start: "2026-03-31T08:00:00Z",
      duration_minutes: 30,
    });
    const reader = res.body!.getReader();
    let text = "";
    while (!text.includes(made.decision_id)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    const event = text.slice(text.lastIndexOf("event: decision"));
    expect(event).toMatch(/^event: decision\n/);
    expect(event).toMatch(/\nid: \d+\n/);
    expect(event).toContain(`"decision_id":"${made.decision_id}"`);
    controller.abort();
    expect((await fetch(`${server.url}/v1/decisions/stream`)).status).toBe(401);
  });

  it("records who did what: REST writes by token prefix, CLI writes as cli", async () => {
    const made = await admin("POST", "/v1/owners", { email: "new@example.com", timezone: "UTC" });
    expect(made.status).toBe(201);
    const stdout = new Capture();
    const code = await runCli(
      [
        ...ledgerArgs(w),
        "agent",
        "create",
        "--name",
        "from cli",
        "--scopes",
        "read_freebusy",
        "--owners",
        "*",
      ],
      { env: {}, stdout, stderr: new Capture() },
      { now: () => w.clock.now },
    );
    expect(code).toBe(0);
    const trail = (await admin("GET", "/v1/admin/actions?limit=10")).json.actions;
    expect(trail[0]).toMatchObject({ actor: "cli", action: "agent create", target: stdout.text.trim() });
    expect(trail).toContainEqual(
      expect.objectContaining({
        actor: token.slice(0, 12),
        action: "admin_create_owner",
        target: made.json.id,
      }),
    );
    expect(trail).toContainEqual(expect.objectContaining({ action: "admin_cancel_booking" }));
    // Secrets never reach the trail.
    expect(JSON.stringify(trail)).not.toMatch(/adm_[A-Za-z0-9_-]{43}|ak_[A-Za-z0-9_-]{49}/);
  });
});
