// The REST transport through real HTTP: a server on port 0 over a temp database, requests with fetch.
// Every route is exercised; the seed scenario, idempotency, the error statuses and the OpenAPI
// document are checked against the same zod schemas the tools use.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ErrorBody } from "../../schemas/errors.js";
import { FindCommonSlotsInput } from "../../schemas/tools.js";
import { type App, configFromEnv, createApp } from "../../src/compose.js";
import { createAdminToken } from "../../src/service/agents-admin.js";
import { OpenavailError } from "../../src/service/errors.js";
import { SECRET_NOT_REPLAYED } from "../../src/service/run-tool.js";
import * as AdminSchemas from "../../src/transports/http/admin-schemas.js";
import { createHttpApp } from "../../src/transports/http/http-app.js";
import { type RunningServer, startHttpServer } from "../../src/transports/http/server.js";
import { buildOpenApiDocument } from "../../src/transports/openapi.js";
import { EXAMPLES } from "../../src/transports/openapi-examples.js";
import { queryCoercer } from "../../src/transports/rest/query-params.js";
import { READ_ADAPTERS } from "../../src/transports/rest/read-adapters.js";
import { restBindings } from "../../tools/define-tool.js";
import { findTool, TOOLS } from "../../tools/index.js";
import { countRows, makeWorld, NINE_TO_FIVE, type World } from "../helpers/world.js";

// 2026-03-02 is a Monday; America/New_York is UTC-5 until 2026-03-08, so 09:00 local = 14:00Z.
const CEO = "ceo@example.com";
const TUESDAY = { start: "2026-03-03T14:00:00Z", end: "2026-03-03T22:00:00Z" };
/** A public https receiver: creating a webhook does not contact it, and no test here sends to it. */
const HOOK_URL = "https://hooks.example.com/openavail";

let w: World;
let app: App;
let server: RunningServer;
let ceoCalendar: string;

async function serverApp(world: World, overrides: Partial<App> = {}): Promise<App> {
  const config = configFromEnv(
    {},
    {
      dbPath: world.dbPath,
      databaseUrl: world.databaseUrl,
      now: () => world.clock.now,
      logLevel: "silent",
      rateLimitPerMinute: 100_000,
      port: 0,
    },
  );
  return { ...(await createApp(config, pino({ level: "silent" }))), ...overrides };
}

beforeEach(async () => {
  w = await makeWorld("2026-03-02T12:00:00Z");
  ({ calendarId: ceoCalendar } = await w.addOwner(CEO, "America/New_York", {
    timezone: "America/New_York",
    working_hours: NINE_TO_FIVE,
  }));
  app = await serverApp(w);
  server = await startHttpServer(app);
});
afterEach(async () => {
  await server.close();
  await w.close();
});

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

async function call(
  method: string,
  path: string,
  options: {
    key?: string;
    body?: unknown;
    raw?: RequestInit["body"];
    headers?: Record<string, string>;
    base?: string;
  } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key) headers["authorization"] = `Bearer ${options.key}`;
  let body: RequestInit["body"] = options.raw;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers["content-type"] ??= "application/json";
  }
  const res = await fetch(`${options.base ?? server.url}${path}`, { method, headers, body });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

function expectError(reply: Reply, status: number, type: string): void {
  expect(reply.status, reply.text).toBe(status);
  expect(reply.headers.get("content-type")).toMatch(/^application\/json/);
  expect(ErrorBody.strict().safeParse(reply.json).success, reply.text).toBe(true);
  expect(reply.json.error).toBe(type);
  expect(reply.json.message).toMatch(/\w/);
  expect(reply.text).not.toMatch(/at .*\.ts:\d+/); // never a stack
}

function expectOutput(toolName: string, reply: Reply): any {
  expect(reply.status, reply.text).toBe(200);
  const parsed = findTool(toolName)!.output.safeParse(reply.json);
  expect(parsed.success, `${toolName}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
  return reply.json;
}

async function rowCount(table: string): Promise<number> {
  return countRows(app.ledger.db, table);
}

describe("every tool route", () => {
  it("answers each registry tool over HTTP with a body its output schema accepts", async () => {
    const sales = await w.addAgent({ name: "sales", defaultClass: "external_customer_call" });
    const exec = await w.addAgent({ name: "exec", defaultClass: "exec_meeting", priority: 5 });
    await w.addOwner("cto@example.com", "Europe/London");
    const covered = new Set<string>();
    const run = async (tool: string, reply: Promise<Reply>) => {
      covered.add(tool);
      return expectOutput(tool, await reply);
    };

    const me = await run("whoami", call("GET", "/v1/me", { key: sales.key }));
    expect(me.agent_id).toBe(sales.agentId);

    // manage_webhooks: sales subscribes to two events; its booking and its preemption below fill the log.
    const hook = await run(
      "manage_webhooks",
      call("POST", "/v1/webhooks", {
        key: sales.key,
        body: { url: HOOK_URL, event_types: ["booking.created", "booking.preempted"] },
      }),
    );
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{32}$/);
    expect(hook.webhook).toMatchObject({
      webhook_id: expect.stringMatching(/^whk_/),
      agent_id: sales.agentId,
      url: HOOK_URL,
      event_types: ["booking.created", "booking.preempted"],
      status: "active",
      disabled_reason: null,
      failing_since: null,
      previous_secret_valid_until: null,
    });
    const hookPath = `/v1/webhooks/${hook.webhook.webhook_id}`;

    const check = await run(
      "check_availability",
      call("POST", "/v1/availability", {
        key: sales.key,
        body: { owner_email: CEO, duration_minutes: 30, window: TUESDAY },
      }),
    );
    expect(check.verdict).toBe("Accept");
    const released = await run(
      "release_hold",
      call("DELETE", `/v1/holds/${check.hold.hold_id}`, { key: sales.key }),
    );
    expect(released.hold.status).toBe("released");

    const hold = await run(
      "create_hold",
      call("POST", "/v1/holds", {
        key: sales.key,
        body: { owner_email: CEO, start: "2026-03-03T15:00:00Z", duration_minutes: 30 },
      }),
    );
    expect(hold.verdict).toBe("Accept");
    const holds = await run("list_holds", call("GET", `/v1/holds?owner_email=${CEO}`, { key: sales.key }));
    expect(holds.holds).toEqual([hold.hold]);
    const booked = await run(
      "create_booking",
      call("POST", "/v1/bookings", { key: sales.key, body: { hold_id: hold.hold.hold_id, title: "Demo" } }),
    );
    expect(booked.verdict).toBe("Accept");
    const bookingId = booked.booking.booking_id as string;

    const moved = await run(
      "reschedule_booking",
      call("POST", `/v1/bookings/${bookingId}/reschedule`, {
        key: sales.key,
        body: { start: "2026-03-03T16:00:00Z", duration_minutes: 30 },
      }),
    );
    expect(moved.verdict).toBe("Accept");

    const listed = await run(
      "list_bookings",
      call("GET", `/v1/bookings?owner_email=${CEO}&status=confirmed&limit=5`, { key: sales.key }),
    );
    expect(listed.bookings.map((b: any) => b.booking_id)).toEqual([bookingId]);
    const one = await run("get_booking", call("GET", `/v1/bookings/${bookingId}`, { key: sales.key }));
    expect(one.booking).toEqual(listed.bookings[0]);

    const fb = await run(
      "get_free_busy",
      call(
        "GET",
        `/v1/owners/${encodeURIComponent(CEO)}/freebusy?start=2026-03-03T15:00:00Z&end=2026-03-03T18:00:00Z`,
        {
          key: sales.key,
        },
      ),
    );
    expect(fb.busy).toEqual([{ start: "2026-03-03T16:00:00Z", end: "2026-03-03T16:30:00Z" }]);

    const common = await run(
      "find_common_slots",
      call("POST", "/v1/availability/common", {
        key: sales.key,
        body: { owner_emails: [CEO, "cto@example.com"], duration_minutes: 30, window: TUESDAY, max_slots: 3 },
      }),
    );
    expect(common.slots).toHaveLength(3);

    const rulesPath = `/v1/calendars/${ceoCalendar}/availability-rules`;
    const rules = { timezone: "America/New_York", working_hours: NINE_TO_FIVE, buffer_after_minutes: 10 };
    const set = await run("set_availability_rules", call("PUT", rulesPath, { key: sales.key, body: rules }));
    expect(set.buffer_after_minutes).toBe(10);
    const got = await run("get_availability_rules", call("GET", rulesPath, { key: sales.key }));
    expect(got).toEqual(set);
    covered.add("delete_availability_rules");
    const deleted = await call("DELETE", rulesPath, { key: sales.key });
    expect([deleted.status, deleted.text]).toEqual([204, ""]);
    await run("set_availability_rules", call("PUT", rulesPath, { key: sales.key, body: rules }));

    const taken = await run(
      "preempt",
      call("POST", `/v1/bookings/${bookingId}/preempt`, { key: exec.key, body: { title: "Board prep" } }),
    );
    expect(taken.verdict).toBe("Preempt");
    expect(taken.displaced[0].id).toBe(bookingId);

    const cancelled = await run(
      "cancel_booking",
      call("POST", `/v1/bookings/${taken.booking.booking_id}/cancel`, {
        key: exec.key,
        body: { reason: "moved to Thursday" },
      }),
    );
    expect(cancelled.booking.status).toBe("cancelled");

    const notes = await run(
      "get_notifications",
      call("GET", "/v1/notifications?limit=10", { key: sales.key }),
    );
    expect(notes.notifications.map((n: any) => n.type)).toContain("booking.preempted");

    // The rest of manage_webhooks' routes: list, the delivery log, redeliver, rotate, enable, delete.
    const hooks = await run("manage_webhooks", call("GET", "/v1/webhooks", { key: sales.key }));
    expect(hooks.webhooks).toEqual([hook.webhook]);
    expect(JSON.stringify(hooks)).not.toContain(hook.secret); // the secret is shown once
    const log = await run("manage_webhooks", call("GET", `${hookPath}/deliveries`, { key: sales.key }));
    // Newest first, nothing sent: no background job runs here. The hold, the reschedule and exec's
    // own decisions are not events sales asked for.
    expect(log.deliveries.map((d: any) => [d.event_type, d.status, d.attempts])).toEqual([
      ["booking.preempted", "pending", 0],
      ["booking.created", "pending", 0],
    ]);
    const first = log.deliveries[1];
    expect(first).toMatchObject({
      delivery_id: expect.stringMatching(/^msg_/),
      webhook_id: hook.webhook.webhook_id,
    });
    const resent = await run(
      "manage_webhooks",
      call("POST", `/v1/webhook-deliveries/${first.delivery_id}/redeliver`, { key: sales.key }),
    );
    expect(resent.delivery).toMatchObject({
      delivery_id: first.delivery_id,
      status: "pending",
      next_attempt_at: "2026-03-02T12:00:00Z", // now: the world's clock has not moved
    });
    const rotated = await run(
      "manage_webhooks",
      call("POST", `${hookPath}/rotate-secret`, { key: sales.key }),
    );
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(hook.secret);
    expect(Date.parse(rotated.webhook.previous_secret_valid_until) - w.clock.now).toBe(24 * 3_600_000);
    const enabled = await run(
      "manage_webhooks",
      call("POST", `${hookPath}/enable`, { key: sales.key, body: {} }),
    );
    expect(enabled.webhook).toMatchObject({ status: "active", disabled_reason: null, failing_since: null });
    const removed = await run("manage_webhooks", call("DELETE", hookPath, { key: sales.key }));
    expect(removed.deleted).toBe(true);
    expect((await run("manage_webhooks", call("GET", "/v1/webhooks", { key: sales.key }))).webhooks).toEqual(
      [],
    );
    expectError(await call("GET", `${hookPath}/deliveries`, { key: sales.key }), 404, "not_found");

    expect([...covered].sort()).toEqual(TOOLS.map((t) => t.name).sort());
  });

  it("coerces query strings to the input's types, and lets the schema reject what does not fit", async () => {
    const a = await w.addAgent({ name: "a" });
    const ok = await call("GET", "/v1/bookings?limit=7", { key: a.key });
    expect(ok.status).toBe(200);
    const bad = await call("GET", "/v1/bookings?limit=seven", { key: a.key });
    expectError(bad, 400, "bad_request");
    expect(bad.json.details[0].field).toBe("limit");
    const unknown = await call("GET", "/v1/bookings?colour=red", { key: a.key });
    expectError(unknown, 400, "bad_request");
    expect(unknown.json.details[0].field).toBe("colour");
    const twice = await call("GET", "/v1/bookings?status=confirmed&status=cancelled", { key: a.key });
    expectError(twice, 400, "bad_request");
    expect(twice.json.details[0].field).toBe("status");

    // Arrays from comma lists or repeated names, numbers, dotted names for nested objects.
    const coerce = queryCoercer(FindCommonSlotsInput);
    const input = coerce({
      owner_emails: ["a@x.com,b@x.com", "c@x.com"],
      duration_minutes: ["30"],
      "window.start": [TUESDAY.start],
      "window.end": [TUESDAY.end],
      max_slots: ["ten"],
    });
    expect(input).toEqual({
      owner_emails: ["a@x.com", "b@x.com", "c@x.com"],
      duration_minutes: 30,
      window: TUESDAY,
      max_slots: "ten",
    });
    const proto = coerce({ __proto__: ["x"] } as any);
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    // A query string's own __proto__ parameter, at the top and nested: an own property, never a prototype.
    const own = coerce(JSON.parse('{"__proto__": ["x"], "window.__proto__": ["y"]}'));
    expect(Object.getPrototypeOf(own)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(own, "__proto__")?.value).toBe("x");
    const window = own.window as object;
    expect(Object.getPrototypeOf(window)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(window, "__proto__")?.value).toBe("y");
  });
});

describe("Chronary-style read routes", () => {
  it("maps calendar availability and common availability onto the tools", async () => {
    const a = await w.addAgent({
      name: "reader",
      scopes: ["read_freebusy", "create_holds", "create_bookings"],
    });
    const { calendarId: ctoCal } = await w.addOwner("cto@example.com", "America/New_York", {
      timezone: "America/New_York",
      working_hours: { tue: { start: "10:00", end: "12:00" } },
    });
    await w.call(a.caller, "create_booking", {
      owner_email: CEO,
      start: "2026-03-03T15:00:00Z",
      duration_minutes: 60,
      title: "Busy",
    });
    const holdsBefore = await rowCount("holds");

    const cal = await call(
      "GET",
      `/v1/calendars/${ceoCalendar}/availability?start=${TUESDAY.start}&end=${TUESDAY.end}&slot_duration=1h&include_busy=true`,
      { key: a.key },
    );
    expect(cal.status, cal.text).toBe(200);
    expect(READ_ADAPTERS[0]!.output.safeParse(cal.json).success).toBe(true);
    expect(cal.json.hold).toBeNull();
    expect(await rowCount("holds")).toBe(holdsBefore); // hold:false: nothing is held
    expect(cal.json.slots.map((s: any) => s.start)).toEqual([
      "2026-03-03T14:00:00Z",
      "2026-03-03T16:00:00Z",
      "2026-03-03T17:00:00Z",
      "2026-03-03T18:00:00Z",
      "2026-03-03T19:00:00Z",
      "2026-03-03T20:00:00Z",
      "2026-03-03T21:00:00Z",
    ]);
    expect(cal.json.busy).toEqual([{ start: "2026-03-03T15:00:00Z", end: "2026-03-03T16:00:00Z" }]);
    const noBusy = await call(
      "GET",
      `/v1/calendars/${ctoCal}/availability?start=${TUESDAY.start}&end=${TUESDAY.end}`,
      { key: a.key },
    );
    expect(noBusy.json.busy).toBeUndefined();
    expect(noBusy.json.slots.map((s: any) => s.start)).toEqual([
      "2026-03-03T15:00:00Z",
      "2026-03-03T15:30:00Z",
      "2026-03-03T16:00:00Z",
      "2026-03-03T16:30:00Z",
    ]);

    const both = await call(
      "GET",
      `/v1/availability?owners=${CEO},cto@example.com&start=${TUESDAY.start}&end=${TUESDAY.end}&slot_duration=30m`,
      { key: a.key },
    );
    expect(both.status, both.text).toBe(200);
    expect(both.json.slots.map((s: any) => s.start)).toEqual([
      "2026-03-03T16:00:00Z",
      "2026-03-03T16:30:00Z",
    ]);
  });

  it("names the query parameter in its errors", async () => {
    const a = await w.addAgent({ name: "reader" });
    const base = `/v1/calendars/${ceoCalendar}/availability`;
    const cases: [string, number, string][] = [
      [`${base}?start=${TUESDAY.start}&end=${TUESDAY.end}&slot_duration=20m`, 400, "slot_duration"],
      [`${base}?end=${TUESDAY.end}`, 400, "start"],
      [`${base}?start=yesterday&end=${TUESDAY.end}`, 400, "start"],
      [`${base}?start=${TUESDAY.start}&end=${TUESDAY.end}&include_busy=maybe`, 400, "include_busy"],
      [`${base}?start=${TUESDAY.start}&end=${TUESDAY.end}&hold=true`, 400, "hold"],
      [
        `/v1/calendars/cal_nosuchcalendar/availability?start=${TUESDAY.start}&end=${TUESDAY.end}`,
        404,
        "calendar_id",
      ],
      [`/v1/availability?owners=not-an-email&start=${TUESDAY.start}&end=${TUESDAY.end}`, 400, "owners"],
      [`/v1/availability?start=${TUESDAY.start}&end=${TUESDAY.end}`, 400, "owners"],
    ];
    for (const [path, status, field] of cases) {
      const reply = await call("GET", path, { key: a.key });
      expectError(reply, status, status === 404 ? "not_found" : "bad_request");
      expect(
        reply.json.details.map((d: any) => d.field),
        path,
      ).toContain(field);
    }
  });
});

describe("manage_webhooks over REST", () => {
  const create = (key: string, body: unknown, headers?: Record<string, string>) =>
    call("POST", "/v1/webhooks", { key, body, ...(headers ? { headers } : {}) });

  it("refuses private, loopback, link-local, plain-http and malformed URLs naming url, and stores nothing", async () => {
    const a = await w.addAgent({ name: "a" });
    for (const url of [
      "http://hooks.example.com/openavail", // https only, by default
      "https://127.0.0.1/hook",
      "https://127.1/hook", // 127.0.0.1, as the URL parser reads it
      "https://2130706433/hook", // 127.0.0.1 as one number
      "https://localhost:8443/hook",
      "https://api.localhost/hook",
      "https://10.1.2.3/hook",
      "https://172.16.0.1/hook",
      "https://192.168.1.1/hook",
      "https://100.64.0.1/hook",
      "https://169.254.169.254/latest/meta-data/", // the cloud metadata service
      "https://0.0.0.0/hook",
      "https://[::1]/hook",
      "https://[::ffff:127.0.0.1]/hook",
      "https://[fe80::1]/hook",
      "https://[fd00::1]/hook",
      "https://user:secret@hooks.example.com/hook",
      "ftp://hooks.example.com/hook",
      "javascript:alert(1)",
      "hooks.example.com/hook",
      "",
    ]) {
      const reply = await create(a.key, { url });
      expectError(reply, 400, "bad_request");
      expect(
        reply.json.details.map((d: any) => d.field),
        url,
      ).toEqual(["url"]);
    }
    expect(await rowCount("webhook_subscriptions")).toBe(0);
  });

  it("accepts private targets only when the operator allows them (webhookAllowPrivate)", async () => {
    await server.close();
    const open = await createApp(
      configFromEnv(
        {},
        {
          dbPath: w.dbPath,
          databaseUrl: w.databaseUrl,
          now: () => w.clock.now,
          logLevel: "silent",
          rateLimitPerMinute: 100_000,
          port: 0,
          webhookAllowPrivate: true,
        },
      ),
      pino({ level: "silent" }),
    );
    server = await startHttpServer(open);
    const a = await w.addAgent({ name: "a" });
    const made = expectOutput(
      "manage_webhooks",
      await create(a.key, { url: "http://127.0.0.1:9/hook", event_types: ["hold.created"] }),
    );
    expect(made.webhook).toMatchObject({ url: "http://127.0.0.1:9/hook", event_types: ["hold.created"] });
    // Still no credentials in a URL, and still http(s) only.
    for (const url of ["http://u:p@127.0.0.1/hook", "file:///etc/passwd"]) {
      const refused = await create(a.key, { url });
      expectError(refused, 400, "bad_request");
      expect(refused.json.details[0].field).toBe("url");
    }
  });

  it("validates the input: url required on create, known event types, ids of the right kind, the route's action", async () => {
    const a = await w.addAgent({ name: "a" });
    const cases: [string, string, unknown, string][] = [
      ["POST", "/v1/webhooks", {}, "url"],
      ["POST", "/v1/webhooks", { url: HOOK_URL, event_types: [] }, "event_types"],
      ["POST", "/v1/webhooks", { url: HOOK_URL, event_types: ["booking.exploded"] }, "event_types.0"],
      ["POST", "/v1/webhooks", { url: `https://hooks.example.com/${"x".repeat(2000)}` }, "url"],
      ["POST", "/v1/webhooks", { url: HOOK_URL, action: "list" }, "action"],
      ["POST", "/v1/webhooks", { url: HOOK_URL, secret: "whsec_mine" }, "secret"],
      ["POST", "/v1/webhooks/not-a-webhook/enable", {}, "webhook_id"],
      ["POST", "/v1/webhooks/whk_abc/rotate-secret", { webhook_id: "whk_other" }, "webhook_id"],
      ["POST", "/v1/webhooks/whk_abc/enable", { action: "delete" }, "action"],
      ["POST", "/v1/webhook-deliveries/whk_abc/redeliver", {}, "delivery_id"],
      ["DELETE", "/v1/webhooks/WHK_ABC", undefined, "webhook_id"],
      ["GET", "/v1/webhooks?action=create", undefined, "action"],
      ["GET", "/v1/webhooks/bkg_abc/deliveries", undefined, "webhook_id"],
    ];
    for (const [method, path, body, field] of cases) {
      const reply = await call(method, path, { key: a.key, ...(body !== undefined ? { body } : {}) });
      expectError(reply, 400, "bad_request");
      expect(
        reply.json.details.map((d: any) => d.field),
        `${method} ${path} ${JSON.stringify(body)?.slice(0, 80)}`,
      ).toContain(field);
    }
    expect(await rowCount("webhook_subscriptions")).toBe(0);
    const wrong = await call("PUT", "/v1/webhooks", { key: a.key, body: {} });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("GET, HEAD, POST, OPTIONS");
  });

  it("needs the manage_webhooks scope, and keeps each agent to its own webhooks and deliveries", async () => {
    const scheduler = await w.addAgent({
      name: "scheduler",
      scopes: ["read_freebusy", "create_holds", "create_bookings", "preempt", "manage_rules"],
    });
    for (const [method, path, body] of [
      ["POST", "/v1/webhooks", { url: HOOK_URL }],
      ["GET", "/v1/webhooks", undefined],
      ["DELETE", "/v1/webhooks/whk_abc", undefined],
    ] as const) {
      const reply = await call(method, path, { key: scheduler.key, ...(body ? { body } : {}) });
      expectError(reply, 403, "forbidden");
      expect(reply.json.message).toContain("manage_webhooks");
    }
    expect(await rowCount("webhook_subscriptions")).toBe(0);

    const mine = await w.addAgent({ name: "mine" });
    const theirs = await w.addAgent({ name: "theirs" });
    const made = expectOutput("manage_webhooks", await create(mine.key, { url: HOOK_URL }));
    expect(made.webhook.event_types).toHaveLength(8); // every event type by default
    const hookId = made.webhook.webhook_id as string;
    await w.call(mine.caller, "create_hold", {
      owner_email: CEO,
      start: "2026-03-03T15:00:00Z",
      duration_minutes: 30,
    });
    const [delivery] = (await call("GET", `/v1/webhooks/${hookId}/deliveries`, { key: mine.key })).json
      .deliveries;
    expect(delivery).toMatchObject({ event_type: "hold.created", status: "pending" });

    expect((await call("GET", "/v1/webhooks", { key: theirs.key })).json.webhooks).toEqual([]);
    for (const [method, path] of [
      ["DELETE", `/v1/webhooks/${hookId}`],
      ["POST", `/v1/webhooks/${hookId}/rotate-secret`],
      ["POST", `/v1/webhooks/${hookId}/enable`],
      ["GET", `/v1/webhooks/${hookId}/deliveries`],
      ["DELETE", "/v1/webhooks/whk_nosuchwebhook"],
    ] as const) {
      const reply = await call(method, path, { key: theirs.key });
      expectError(reply, 404, "not_found");
      expect(reply.json.details[0].field, `${method} ${path}`).toBe("webhook_id");
    }
    for (const id of [delivery.delivery_id, "msg_nosuchdelivery"]) {
      const reply = await call("POST", `/v1/webhook-deliveries/${id}/redeliver`, { key: theirs.key });
      expectError(reply, 404, "not_found");
    }
    expectError(
      await call("POST", "/v1/webhook-deliveries/msg_nosuchdelivery/redeliver", { key: mine.key }),
      404,
      "not_found",
    );
    // Nothing of theirs touched mine: same secret, same log.
    const still = (await call("GET", "/v1/webhooks", { key: mine.key })).json.webhooks;
    expect(still).toEqual([made.webhook]);
    expect(
      (await call("GET", `/v1/webhooks/${hookId}/deliveries`, { key: mine.key })).json.deliveries,
    ).toEqual([delivery]);
  });

  it("replays a create retried with the same Idempotency-Key instead of making a second webhook", async () => {
    const a = await w.addAgent({ name: "a" });
    const headers = { "idempotency-key": "hook-1" };
    const first = await create(a.key, { url: HOOK_URL }, headers);
    expectOutput("manage_webhooks", first);
    const second = await create(a.key, { url: HOOK_URL }, headers);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    // The same answer, except the secret: shown once, it is never kept for a replay.
    expect(JSON.parse(first.text).secret).toMatch(/^whsec_/);
    expect(second.text).toBe(first.text.replace(JSON.parse(first.text).secret, SECRET_NOT_REPLAYED));
    const stored = await w.app.ledger.db.selectFrom("idempotency").select("response_json").execute();
    expect(JSON.stringify(stored)).not.toContain(JSON.parse(first.text).secret);
    expect(await rowCount("webhook_subscriptions")).toBe(1);
    expectError(await create(a.key, { url: `${HOOK_URL}/other` }, headers), 409, "idempotency_key_reused");
  });
});

describe("the seed scenario over REST", () => {
  it("sales bot books, the exec assistant preempts, the sales bot hears of it with a landing hold", async () => {
    const sales = await w.addAgent({
      name: "sales bot",
      scopes: ["read_freebusy", "create_holds", "create_bookings"],
      defaultClass: "external_customer_call",
    });
    const exec = await w.addAgent({ name: "exec assistant", defaultClass: "exec_meeting", priority: 5 });

    const check = await call("POST", "/v1/availability", {
      key: sales.key,
      body: { owner_email: CEO, duration_minutes: 30, window: TUESDAY },
    });
    expect(check.json.verdict).toBe("Accept");
    expect(check.json.slots[0]).toEqual({
      start: "2026-03-03T14:00:00Z",
      end: "2026-03-03T14:30:00Z",
      local_start: "2026-03-03T09:00:00-05:00",
    });
    const booked = await call("POST", "/v1/bookings", {
      key: sales.key,
      body: { hold_id: check.json.hold.hold_id, title: "Demo", attendees: ["Buyer@Example.com"] },
    });
    expect(booked.json.verdict).toBe("Accept");
    expect(booked.json.booking.meeting_class).toBe("external_customer_call");

    const board = await call("POST", "/v1/bookings", {
      key: exec.key,
      body: {
        owner_email: CEO,
        start: "2026-03-03T09:00:00-05:00",
        end: "2026-03-03T09:30:00-05:00",
        title: "Board prep",
        meeting_class: "exec_meeting",
      },
    });
    expect(board.json.verdict).toBe("Preempt");
    expect(board.json.booking.start).toBe("2026-03-03T14:00:00Z");
    expect(board.json.displaced).toEqual([
      expect.objectContaining({
        kind: "booking",
        id: booked.json.booking.booking_id,
        agent_id: sales.agentId,
      }),
    ]);

    // The sales bot's next response, whatever it asks, carries the notification.
    const next = await call("GET", "/v1/me", { key: sales.key });
    expect(next.json.pending_notifications).toHaveLength(1);
    const note = next.json.pending_notifications[0];
    expect(note).toMatchObject({ type: "booking.preempted", winner_class: "exec_meeting" });
    expect(note.landing_hold).toMatchObject({ start: "2026-03-03T14:30:00Z", status: "active" });

    const landed = await call("POST", "/v1/bookings", {
      key: sales.key,
      body: { hold_id: note.landing_hold.hold_id, title: "Demo (moved)" },
    });
    expect(landed.json.verdict).toBe("Accept");
    expect(landed.json.booking.start).toBe("2026-03-03T14:30:00Z");
    const execView = await call("GET", `/v1/bookings?owner_email=${CEO}&status=needs_reschedule`, {
      key: exec.key,
    });
    expect(execView.json.bookings.map((b: any) => b.booking_id)).toEqual([booked.json.booking.booking_id]);
    const again = await call("GET", "/v1/notifications", { key: sales.key });
    expect(again.json.notifications).toEqual([]);
  });
});

describe("idempotency", () => {
  const body = { owner_email: CEO, start: "2026-03-03T18:00:00Z", duration_minutes: 30, title: "Retry me" };

  it("replays the stored bytes with Idempotent-Replayed: true, and refuses the key for another request", async () => {
    const a = await w.addAgent({ name: "a" });
    const headers = { "idempotency-key": "book-2026-03-03-1800" };
    const first = await call("POST", "/v1/bookings", { key: a.key, body, headers });
    expect(first.status).toBe(200);
    expect(first.json.verdict).toBe("Accept");
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const bookings = await rowCount("bookings");
    const decisions = await rowCount("decisions");

    const second = await call("POST", "/v1/bookings", { key: a.key, body, headers });
    expect(second.status).toBe(200);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(second.text).toBe(first.text);
    expect(await rowCount("bookings")).toBe(bookings);
    expect(await rowCount("decisions")).toBe(decisions);

    const other = await call("POST", "/v1/bookings", {
      key: a.key,
      body: { ...body, title: "Something else" },
      headers,
    });
    expectError(other, 409, "idempotency_key_reused");
    expect(await rowCount("bookings")).toBe(bookings);

    // Keys are scoped per agent: another agent's identical key is a new request.
    const b = await w.addAgent({ name: "b" });
    const theirs = await call("POST", "/v1/bookings", { key: b.key, body, headers });
    expect(theirs.headers.get("idempotent-replayed")).toBeNull();
    expect(theirs.json.verdict).toBe("CounterPropose");
  });

  it("validates the header like the argument", async () => {
    const a = await w.addAgent({ name: "a" });
    const bad = await call("POST", "/v1/bookings", {
      key: a.key,
      body,
      headers: { "idempotency-key": "has space" },
    });
    expectError(bad, 400, "bad_request");
    expect(bad.json.details[0].field).toBe("idempotency_key");
  });
});

describe("errors", () => {
  it("401: no key, a malformed key, another scheme, an unknown key, a disabled agent", async () => {
    const a = await w.addAgent({ name: "a" });
    const attempts: Record<string, string>[] = [
      {},
      { authorization: "Bearer ak_nope" },
      { authorization: `Basic ${Buffer.from("a:b").toString("base64")}` },
      { authorization: `Bearer ${a.key.slice(0, -1)}${a.key.endsWith("A") ? "B" : "A"}` },
    ];
    for (const headers of attempts) {
      const reply = await call("GET", "/v1/me", { headers });
      expectError(reply, 401, "unauthorized");
      // RFC 6750's challenge, naming where an OAuth client signs in (RFC 9728).
      expect(reply.headers.get("www-authenticate")).toMatch(
        /^Bearer realm="openavail", resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\/mcp", scope="[a-z_ ]+"$/,
      );
    }
    await w.app.ledger.db
      .updateTable("agents")
      .set({ status: "disabled" })
      .where("id", "=", a.agentId)
      .execute();
    expectError(await call("GET", "/v1/me", { key: a.key }), 401, "unauthorized");
  });

  it("403: a missing scope, an owner outside the agent's list, an admin token on an agent route", async () => {
    const reader = await w.addAgent({ name: "reader", scopes: ["read_freebusy"] });
    const scoped = await call("POST", "/v1/bookings", {
      key: reader.key,
      body: { owner_email: CEO, start: "2026-03-03T18:00:00Z", duration_minutes: 30, title: "x" },
    });
    expectError(scoped, 403, "forbidden");
    expect(scoped.json.message).toContain("create_bookings");
    const narrow = await w.addAgent({ name: "narrow", owners: ["someone@example.com"] });
    const owner = await call("GET", `/v1/owners/${CEO}/freebusy?start=${TUESDAY.start}&end=${TUESDAY.end}`, {
      key: narrow.key,
    });
    expectError(owner, 403, "forbidden");
    const admin = await createAdminToken(w.app.ledger.db, w.clock.now);
    expectError(await call("GET", "/v1/me", { key: admin.token }), 403, "forbidden");
  });

  it("404 for unknown routes and objects, 405 with Allow for a known path", async () => {
    const a = await w.addAgent({ name: "a" });
    expectError(await call("GET", "/v1/nothing-here", { key: a.key }), 404, "not_found");
    expectError(await call("GET", "/v1/me/", { key: a.key }), 404, "not_found");
    const missing = await call("POST", "/v1/bookings/bkg_doesnotexist/cancel", { key: a.key, body: {} });
    expectError(missing, 404, "not_found");
    expect(missing.json.details[0].field).toBe("booking_id");

    const wrong = await call("PUT", "/v1/me", { key: a.key, body: {} });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("GET, HEAD, OPTIONS");
    expect(wrong.json).toEqual({ error: "method_not_allowed", message: expect.stringContaining("GET") });
    const del = await call("DELETE", "/v1/bookings", { key: a.key });
    expect(del.status).toBe(405);
    expect(del.headers.get("allow")).toBe("GET, HEAD, POST, OPTIONS");
    const options = await call("OPTIONS", "/v1/holds/hld_x");
    expect(options.status).toBe(204);
    expect(options.headers.get("allow")).toBe("DELETE, OPTIONS");
    expect((await call("HEAD", "/healthz")).status).toBe(200);
  });

  it("413 past 1 MiB (declared or streamed), 415 for non-JSON bodies, 400 for malformed JSON", async () => {
    const a = await w.addAgent({ name: "a" });
    const big = JSON.stringify({ title: "x".repeat(1024 * 1024) });
    expectError(
      await call("POST", "/v1/bookings", {
        key: a.key,
        raw: big,
        headers: { "content-type": "application/json" },
      }),
      413,
      "payload_too_large",
    );
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 20; i++) controller.enqueue(new Uint8Array(64 * 1024).fill(0x20));
        controller.close();
      },
    });
    const streamed = await fetch(`${server.url}/v1/bookings`, {
      method: "POST",
      headers: { authorization: `Bearer ${a.key}`, "content-type": "application/json" },
      body: chunks,
      duplex: "half",
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(((await streamed.json()) as any).error).toBe("payload_too_large");

    for (const type of [
      "text/plain",
      "application/x-www-form-urlencoded",
      "application/json; charset=latin1",
    ]) {
      const reply = await call("POST", "/v1/bookings", {
        key: a.key,
        raw: '{"title":"x"}',
        headers: { "content-type": type },
      });
      expectError(reply, 415, "unsupported_media_type");
    }
    expectError(
      await call("POST", "/v1/bookings", { key: a.key, raw: '{"title":"x"}' }),
      415,
      "unsupported_media_type",
    );

    for (const raw of ['{"title":', "[1,2]", '"text"', "null", "\u00ff\u00fe"]) {
      const reply = await call("POST", "/v1/bookings", {
        key: a.key,
        raw,
        headers: { "content-type": "application/json" },
      });
      expectError(reply, 400, "bad_request");
    }
    // A path parameter cannot be contradicted by the body.
    const clash = await call("POST", "/v1/bookings/bkg_abc/cancel", {
      key: a.key,
      body: { booking_id: "bkg_other" },
    });
    expectError(clash, 400, "bad_request");
    expect(clash.json.details[0].field).toBe("booking_id");
    expect(await rowCount("bookings")).toBe(0);
  });

  it("429 with Retry-After and RateLimit headers; RateLimit headers on success", async () => {
    const a = await w.addAgent({ name: "a" });
    await server.close();
    let calls = 0;
    const limited = await serverApp(w);
    const stub: App = {
      ...limited,
      authenticate: async (raw) => {
        calls++;
        const caller = await limited.authenticate(raw);
        if (calls > 1)
          throw new OpenavailError("rate_limited", "Rate limit reached; retry in 7 s.", {
            retryAfter: 7,
            rateLimit: { policy: "per-key", limit: 2, windowMs: 60_000 },
          });
        return { ...caller, rateLimit: { limit: 2, remaining: 1, resetSeconds: 60 } };
      },
    };
    server = await startHttpServer(stub);
    const ok = await call("GET", "/v1/me", { key: a.key });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("ratelimit-policy")).toBe('"per-key";q=2;w=60');
    expect(ok.headers.get("ratelimit")).toBe('"per-key";r=1;t=60');
    const no = await call("GET", "/v1/me", { key: a.key });
    expectError(no, 429, "rate_limited");
    expect(no.json.retry_after).toBe(7);
    expect(no.headers.get("retry-after")).toBe("7");
    expect(no.headers.get("ratelimit-policy")).toBe('"per-key";q=2;w=60');
    expect(no.headers.get("ratelimit")).toBe('"per-key";r=0;t=7');
  });

  it("the real limiter: the 121st request in a minute, on every instance of the ledger together, is refused", async () => {
    await server.close();
    const limited = await createApp(
      configFromEnv(
        {},
        {
          dbPath: w.dbPath,
          databaseUrl: w.databaseUrl,
          now: () => w.clock.now,
          logLevel: "silent",
          port: 0,
        },
      ),
      pino({ level: "silent" }),
    );
    server = await startHttpServer(limited);
    const a = await w.addAgent({ name: "a" });
    // addAgent proves the key through the world's own app: on PostgreSQL that is another instance
    // sharing the limit, and its one request counts here once the two have exchanged counts.
    await w.app.rateLimitPeers?.exchange();
    // An instance asks about a key once it has seen it: exchange after the first request here, not
    // only on the quarter-second timer, which a fast run of 120 requests can finish before.
    expect((await call("GET", "/v1/me", { key: a.key })).status).toBe(200);
    await limited.rateLimitPeers?.exchange();
    const elsewhere = limited.rateLimitPeers ? 1 : 0;
    for (let i = 1; i < 120 - elsewhere; i++)
      expect((await call("GET", "/v1/me", { key: a.key })).status).toBe(200);
    const refused = await call("GET", "/v1/me", { key: a.key });
    expectError(refused, 429, "rate_limited");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(refused.headers.get("ratelimit-policy")).toBe('"per-key";q=120;w=60');
  });

  it("500 is one sentence, never a stack", async () => {
    const a = await w.addAgent({ name: "a" });
    await server.close();
    const broken = await serverApp(w);
    const stub: App = {
      ...broken,
      authenticate: async () => {
        throw new Error("SQLITE_CORRUPT: database disk image is malformed at /secret/path.db");
      },
    };
    server = await startHttpServer(stub);
    const reply = await call("GET", "/v1/me", { key: a.key });
    expectError(reply, 500, "internal");
    expect(reply.text).not.toContain("SQLITE");
    expect(reply.text).not.toContain("/secret");
  });
});

describe("admin routes", () => {
  it("need an admin token and manage agents, keys, owners, calendars and decisions", async () => {
    const { token } = await createAdminToken(w.app.ledger.db, w.clock.now);
    const sales = await w.addAgent({ name: "sales" });
    expectError(await call("GET", "/v1/agents"), 401, "unauthorized");
    expectError(await call("GET", "/v1/agents", { key: sales.key }), 403, "forbidden");
    expectError(await call("GET", "/v1/agents", { key: `adm_${"x".repeat(43)}` }), 401, "unauthorized");
    const admin = (method: string, path: string, body?: unknown) =>
      call(method, path, { key: token, ...(body !== undefined ? { body } : {}) });
    const ok = (
      reply: Reply,
      status: number,
      schema: { safeParse(v: unknown): { success: boolean; error?: unknown } },
    ) => {
      expect(reply.status, reply.text).toBe(status);
      const parsed = schema.safeParse(reply.json);
      expect(parsed.success, JSON.stringify(parsed.error)).toBe(true);
      return reply.json;
    };

    const owner = ok(
      await admin("POST", "/v1/owners", { email: "CFO@Example.com", timezone: "Europe/Paris" }),
      201,
      AdminSchemas.OwnerView,
    );
    expect(owner.email).toBe("cfo@example.com");
    expectError(await admin("POST", "/v1/owners", { email: "cfo@example.com" }), 409, "conflict");
    const badOwner = await admin("POST", "/v1/owners", {
      email: "cfo2@example.com",
      timezone: "Mars/Olympus",
    });
    expectError(badOwner, 400, "bad_request");
    expect(badOwner.json.details[0].field).toBe("timezone");
    const owners = ok(await admin("GET", "/v1/owners"), 200, AdminSchemas.OwnerList);
    expect(owners.owners.map((o: any) => o.email)).toEqual([CEO, "cfo@example.com"]);

    const cal = ok(
      await admin("POST", "/v1/calendars", { owner_email: "cfo@example.com", calendar_type: "work" }),
      201,
      AdminSchemas.CalendarView,
    );
    const cals = ok(
      await call("GET", "/v1/calendars?owner=cfo@example.com", { key: token }),
      200,
      AdminSchemas.CalendarList,
    );
    expect(cals.calendars.map((c: any) => c.id)).toEqual([cal.id]);
    expectError(await call("GET", "/v1/calendars?owner=nope", { key: token }), 400, "bad_request");

    const agent = ok(
      await admin("POST", "/v1/agents", {
        name: "recruiter",
        scopes: ["read_freebusy", "create_holds", "create_bookings"],
        owners: ["cfo@example.com"],
        default_class: "interview",
      }),
      201,
      AdminSchemas.AgentView,
    );
    const badAgent = await admin("POST", "/v1/agents", { name: "x", scopes: ["fly"], owners: ["*"] });
    expectError(badAgent, 400, "bad_request");
    expect(badAgent.json.details[0].field).toMatch(/^scopes/);
    ok(await admin("GET", "/v1/agents"), 200, AdminSchemas.AgentList);
    const patched = ok(
      await admin("PATCH", `/v1/agents/${agent.id}`, { priority: 3 }),
      200,
      AdminSchemas.AgentView,
    );
    expect(patched.priority).toBe(3);
    expectError(await admin("PATCH", `/v1/agents/${agent.id}`, {}), 400, "bad_request");
    expectError(await admin("GET", "/v1/agents/agt_unknown"), 404, "not_found");

    const key = ok(await admin("POST", `/v1/agents/${agent.id}/keys`), 201, AdminSchemas.NewApiKeyView);
    expect(key.key).toMatch(/^ak_/);
    expect((await call("GET", "/v1/me", { key: key.key })).json.agent_id).toBe(agent.id);
    const shown = ok(await admin("GET", `/v1/agents/${agent.id}`), 200, AdminSchemas.AgentWithKeys);
    expect(shown.keys.map((k: any) => k.id)).toEqual([key.id]);
    expect(JSON.stringify(shown)).not.toContain(key.key);
    ok(await admin("GET", `/v1/agents/${agent.id}/keys`), 200, AdminSchemas.KeyList);

    ok(await admin("POST", `/v1/agents/${agent.id}/disable`), 200, AdminSchemas.AgentView);
    expectError(await call("GET", "/v1/me", { key: key.key }), 401, "unauthorized");
    ok(await admin("POST", `/v1/agents/${agent.id}/enable`), 200, AdminSchemas.AgentView);
    expect((await call("GET", "/v1/me", { key: key.key })).status).toBe(200);
    const revoked = ok(
      await admin("DELETE", `/v1/agents/${agent.id}/keys/${key.id}`),
      200,
      AdminSchemas.ApiKeyView,
    );
    expect(revoked.status).toBe("revoked");
    expectError(await call("GET", "/v1/me", { key: key.key }), 401, "unauthorized");
    expectError(await admin("DELETE", `/v1/agents/${agent.id}/keys/key_unknown`), 404, "not_found");

    await call("POST", "/v1/bookings", {
      key: sales.key,
      body: { owner_email: CEO, start: "2026-03-03T18:00:00Z", duration_minutes: 30, title: "x" },
    });
    await call("POST", "/v1/bookings", {
      key: sales.key,
      body: { owner_email: CEO, start: "2026-03-03T18:00:00Z", duration_minutes: 30, title: "y" },
    });
    const all = ok(await admin("GET", "/v1/decisions"), 200, AdminSchemas.DecisionList);
    expect(all.decisions.map((d: any) => d.verdict)).toEqual(["Accept", "CounterPropose"]);
    const filtered = ok(
      await admin(
        "GET",
        `/v1/decisions?owner=${CEO}&agent=${sales.agentId}&verdict=Accept&since=2026-03-02T00:00:00Z`,
      ),
      200,
      AdminSchemas.DecisionList,
    );
    expect(filtered.decisions).toHaveLength(1);
    const page = ok(await admin("GET", "/v1/decisions?limit=1"), 200, AdminSchemas.DecisionList);
    expect(page.next_after_seq).toBe(all.decisions[0].seq);
    const rest = ok(
      await admin("GET", `/v1/decisions?limit=1&after_seq=${page.next_after_seq}`),
      200,
      AdminSchemas.DecisionList,
    );
    expect(rest.decisions[0].verdict).toBe("CounterPropose");
    expect((await admin("GET", "/v1/decisions?since=2027-01-01T00:00:00Z")).json.decisions).toEqual([]);
    expectError(await admin("GET", "/v1/decisions?verdict=Maybe"), 400, "bad_request");
  });
});

describe("OpenAPI", () => {
  it("is public, valid OpenAPI 3.1, and describes exactly the mounted routes", async () => {
    const reply = await call("GET", "/v1/openapi.json");
    expect(reply.status).toBe(200);
    const doc = reply.json;
    expect(doc.openapi).toBe("3.1.0");

    // The OpenAPI 3.1 schema, vendored from @seriousme/openapi-schema-validator 2.11.0
    // (schemas/v3.1/schema.json: the OAI schema with $dynamicRef replaced by $ref for Ajv), reformatted
    // by Biome only; the hash of its data pins it against edits.
    const oas = JSON.parse(
      readFileSync(join(import.meta.dirname, "../fixtures/openapi-3.1.schema.json"), "utf8"),
    );
    expect(createHash("sha256").update(JSON.stringify(oas)).digest("hex")).toBe(
      "f301b37b6ec27b0ada35082b8a5868967bc1e68dcc330ff745470a4c468df56e",
    );
    const ajv = new Ajv2020.default({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addFormat("media-range", true); // used by the OAS schema's propertyNames; not an Ajv format
    const validateDoc = ajv.compile(oas);
    expect(validateDoc(doc), JSON.stringify(validateDoc.errors?.slice(0, 5), null, 1)).toBe(true);
    // Negative controls: the validator does reject broken documents.
    expect(validateDoc({ ...doc, openapi: "3.0.3" })).toBe(false);
    expect(validateDoc({ ...doc, paths: { "/x": { get: { responses: { "200": { content: 5 } } } } } })).toBe(
      false,
    );
    expect(
      validateDoc({
        ...doc,
        paths: { "/x": { get: { parameters: [{ name: "a", in: "path", schema: {} }] } } },
      }),
    ).toBe(false);

    // Every embedded schema is valid JSON Schema 2020-12 and compiles.
    for (const [name, schema] of Object.entries(doc.components.schemas)) {
      expect(ajv.validateSchema(schema as object), name).toBe(true);
      ajv.compile(schema as object);
    }
    // Every $ref points at something that exists.
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    for (const r of refs) {
      const path = r.slice(8, -1).replace(/^#\//, "").split("/");
      let node: any = doc;
      for (const seg of path) node = node?.[seg];
      expect(node, r).toBeDefined();
    }

    // Paths and methods are exactly the mounted ones.
    const mounted = createHttpApp(app)
      .routes.routes.map((r) => `${r.method} ${r.path}`)
      .sort();
    const documented = Object.entries(doc.paths)
      .flatMap(([path, item]: [string, any]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    expect(documented).toEqual(mounted);
    for (const tool of TOOLS) {
      for (const binding of restBindings(tool)) {
        const op = doc.paths[binding.path][binding.method.toLowerCase()];
        expect(op.operationId).toBe(binding.operationId ?? tool.name);
        expect(op.summary).toBe(binding.summary ?? tool.title);
        expect(op.responses[String(binding.status ?? 200)]).toBeDefined();
        for (const code of ["400", "401", "403", "404", "409", "429", "500"])
          expect(op.responses[code], code).toBeDefined();
      }
    }
    const ids = documented.map((d) => d);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("has examples that the tools' own schemas accept", () => {
    const doc: any = buildOpenApiDocument();
    const ajv = new Ajv2020.default({ strict: false });
    addFormats.default(ajv);
    for (const [name, ex] of Object.entries(EXAMPLES)) {
      const tool = findTool(name)!;
      for (const [label, request] of Object.entries(ex.requests ?? {})) {
        const parsed = tool.input.safeParse(request);
        expect(parsed.success, `${name}.${label}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
      }
      if (ex.response) {
        const parsed = tool.output.safeParse(ex.response);
        expect(parsed.success, `${name} response: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
        const component =
          doc.components.schemas[
            `${name.replace(/(^|_)([a-z])/g, (_m: string, _s: string, c: string) => c.toUpperCase())}Response`
          ];
        expect(ajv.validate(component, ex.response), `${name}: ${JSON.stringify(ajv.errors)}`).toBe(true);
      }
    }
    for (const r of Object.values(doc.components.responses) as any[]) {
      expect(ErrorBody.safeParse(r.content["application/json"].example).success).toBe(true);
    }
  });
});

describe("README", () => {
  it("lists every tool with its scope and REST route", () => {
    const readme = readFileSync(join(import.meta.dirname, "../../README.md"), "utf8");
    for (const tool of TOOLS) {
      const row = readme.split("\n").find((l) => l.startsWith(`- \`${tool.name}\`:`));
      expect(row, tool.name).toBeDefined();
      expect(row).toContain(`\`${tool.rest.method} ${tool.rest.path}\``);
      for (const scope of tool.scopes) expect(row).toContain(`\`${scope}\``);
    }
  });
});

describe("the server", () => {
  it("serves /healthz without a key", async () => {
    const reply = await call("GET", "/healthz");
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({ status: "ok" });
  });

  it("closes gracefully: in-flight requests finish, new ones are refused, the ledger is closed", async () => {
    let started!: () => void;
    const inFlight = new Promise<void>((resolve) => {
      started = resolve;
    });
    const extra = await serverApp(w);
    let cleaned = false;
    const slow = await startHttpServer(extra, {
      mountExtra: (hono) => {
        hono.get("/slow", async (c) => {
          started();
          await new Promise((r) => setTimeout(r, 300));
          return c.text("done");
        });
        return () => {
          cleaned = true;
        };
      },
    });
    const pending = fetch(`${slow.url}/slow`).then(async (r) => [r.status, await r.text()]);
    await inFlight;
    const closed = slow.close();
    expect(await pending).toEqual([200, "done"]);
    await closed;
    expect(cleaned).toBe(true);
    await expect(fetch(`${slow.url}/healthz`)).rejects.toThrow();
    await expect(extra.ledger.db.selectFrom("owners").selectAll().execute()).rejects.toThrow();
  });

  it("refuses a port in use with a readable message", async () => {
    const other = await serverApp(w);
    await expect(startHttpServer(other, { port: server.port })).rejects.toThrow(/already in use/);
    await other.close();
  });
});
