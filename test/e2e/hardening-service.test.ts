// The hardening issue's fixes through real HTTP (REST, the admin REST surface, MCP): a lone surrogate
// in any string is a 400 naming the field; Object.prototype names are never a meeting class, scope or
// calendar type; an id of someone else's object answers exactly as a made-up one; a released hold
// cannot be confirmed. The same rules at the service level: test/service/*.test.ts.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ErrorBody } from "../../schemas/errors.js";
import { createAdminToken } from "../../src/service/agents-admin.js";
import type { RunningServer } from "../../src/transports/http/server.js";
import { serveApp, serverAppOf } from "../helpers/served-world.js";
import { countRows, makeWorld, NINE_TO_FIVE, type World } from "../helpers/world.js";

const CEO = "ceo@example.com";
const CFO = "cfo@example.com";
const PROTO_NAMES = Object.getOwnPropertyNames(Object.prototype);
const ILL_FORMED = "must be valid Unicode text (no lone surrogates)";
const SLOT = { start: "2026-03-03T15:00:00Z", duration_minutes: 30 };

let w: World;
let server: RunningServer;
let adminToken: string;
let calendars: { ceo: string; cfo: string };

beforeEach(async () => {
  w = await makeWorld("2026-03-02T12:00:00Z");
  const rules = { timezone: "America/New_York", working_hours: NINE_TO_FIVE };
  calendars = {
    ceo: (await w.addOwner(CEO, "America/New_York", rules)).calendarId,
    cfo: (await w.addOwner(CFO, "America/New_York", rules)).calendarId,
  };
  // As `openavail serve` mounts it: MCP at /mcp beside REST.
  server = await serveApp(await serverAppOf(w, { rateLimitPerMinute: 100_000 }));
  adminToken = (await createAdminToken(w.app.ledger.db, w.clock.now)).token;
});
afterEach(async () => {
  await server.close();
  await w.close();
});

interface Reply {
  status: number;
  text: string;
  json: any;
}

/** Sends `body` as the exact JSON text given (so it can carry a \ud800 escape). */
async function send(method: string, path: string, key: string, body?: string): Promise<Reply> {
  const headers: Record<string, string> = { authorization: `Bearer ${key}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (path === "/mcp") headers["accept"] = "application/json, text/event-stream";
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body } : {}),
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json };
}

function expectBadField(reply: Reply, field: string, label: string): void {
  expect(reply.status, `${label}: ${reply.text}`).toBe(400);
  expect(ErrorBody.strict().safeParse(reply.json).success, reply.text).toBe(true);
  expect(reply.json.error).toBe("bad_request");
  expect(
    reply.json.details.map((d: { field: string }) => d.field),
    `${label}: ${reply.text}`,
  ).toContain(field);
}

async function bookingCount(): Promise<number> {
  return countRows(w.app.ledger.db, "bookings");
}

describe("lone surrogates", () => {
  it("POST /v1/bookings with a \\ud800 escape in the title is a 400 naming title; nothing is booked", async () => {
    const { key } = await w.addAgent({ name: "a" });
    const body = `{"owner_email":"${CEO}","start":"${SLOT.start}","duration_minutes":30,"title":"Demo \\ud800"}`;
    const reply = await send("POST", "/v1/bookings", key, body);
    expectBadField(reply, "title", "title");
    expect(reply.json.details).toEqual([{ field: "title", message: ILL_FORMED }]);
    expect(await bookingCount()).toBe(0);
    const fine = await send("POST", "/v1/bookings", key, body.replace("\\ud800", "\\ud83d\\ude00"));
    expect(fine.status, fine.text).toBe(200);
    expect(fine.json.booking.title).toBe("Demo 😀");
  });

  it("MCP tools/call over HTTP answers the same error object", async () => {
    const { key } = await w.addAgent({ name: "a" });
    const args = `{"owner_email":"${CEO}","start":"${SLOT.start}","duration_minutes":30,"title":"Demo \\udc00"}`;
    const rpc = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"create_booking","arguments":${args}}}`;
    const reply = await send("POST", "/mcp", key, rpc);
    expect(reply.status, reply.text).toBe(200);
    expect(reply.json.result.isError).toBe(true);
    expect(JSON.parse(reply.json.result.content[0].text)).toMatchObject({
      error: "bad_request",
      details: [{ field: "title", message: ILL_FORMED }],
    });
    expect(await bookingCount()).toBe(0);
  });

  it("the admin routes refuse one too, naming the field", async () => {
    const owner = await send(
      "POST",
      "/v1/owners",
      adminToken,
      '{"email":"ann@example.com","name":"Ann \\ud800"}',
    );
    expectBadField(owner, "name", "owner name");
    const agent = await send(
      "POST",
      "/v1/agents",
      adminToken,
      '{"name":"bot \\udfff","scopes":["read_freebusy"],"owners":["*"]}',
    );
    expectBadField(agent, "name", "agent name");
  });
});

describe("Object.prototype names on the admin routes", () => {
  it("POST and PATCH /v1/agents refuse every one as default_class and as a scope", async () => {
    const created = await send(
      "POST",
      "/v1/agents",
      adminToken,
      JSON.stringify({ name: "bot", scopes: ["read_freebusy"], owners: ["*"] }),
    );
    expect(created.status, created.text).toBe(201);
    for (const name of PROTO_NAMES) {
      const base = { name: "bot", scopes: ["read_freebusy"], owners: ["*"] };
      const bad = JSON.stringify({ ...base, default_class: name });
      expectBadField(await send("POST", "/v1/agents", adminToken, bad), "default_class", `POST ${name}`);
      const patch = JSON.stringify({ default_class: name });
      expectBadField(
        await send("PATCH", `/v1/agents/${created.json.id}`, adminToken, patch),
        "default_class",
        `PATCH ${name}`,
      );
      const scope = JSON.stringify({ ...base, scopes: [name] });
      expectBadField(await send("POST", "/v1/agents", adminToken, scope), "scopes.0", `scope ${name}`);
    }
    const agents = await send("GET", "/v1/agents", adminToken);
    expect(agents.json.agents).toHaveLength(1);
  });

  it("POST /v1/calendars refuses every one as calendar_type", async () => {
    for (const name of PROTO_NAMES) {
      const body = JSON.stringify({ owner_email: CEO, calendar_type: name });
      expectBadField(await send("POST", "/v1/calendars", adminToken, body), "calendar_type", name);
    }
  });

  it("POST /v1/bookings refuses every one as meeting_class and calendar_type", async () => {
    const { key } = await w.addAgent({ name: "a" });
    for (const name of PROTO_NAMES) {
      for (const field of ["meeting_class", "calendar_type"]) {
        const body = JSON.stringify({ owner_email: CEO, ...SLOT, title: "x", [field]: name });
        expectBadField(await send("POST", "/v1/bookings", key, body), field, `${field}=${name}`);
      }
    }
    expect(await bookingCount()).toBe(0);
  });

  it("GET /v1/calendars/{id}/availability refuses every one as slot_duration", async () => {
    const { key } = await w.addAgent({ name: "slots" });
    for (const name of PROTO_NAMES) {
      const query = `start=2026-03-03T00:00:00Z&end=2026-03-04T00:00:00Z&slot_duration=${encodeURIComponent(name)}`;
      const reply = await send("GET", `/v1/calendars/${calendars.ceo}/availability?${query}`, key);
      expectBadField(reply, "slot_duration", `slot_duration=${name}`);
      expect(reply.text, name).toContain("must be one of 15m");
    }
  });
});

describe("ids of objects the caller may not see", () => {
  it("answer byte for byte as made-up ids on every route that takes one", async () => {
    const other = await w.addAgent({ name: "other" });
    const prober = await w.addAgent({ name: "prober", owners: [CEO] });
    const on = (day: string) => ({
      owner_email: CFO,
      start: `2026-03-0${day}T15:00:00Z`,
      duration_minutes: 30,
    });
    const booking = (await w.call(other.caller, "create_booking", { ...on("3"), title: "Secret" })).booking
      .booking_id;
    const hold = (await w.call(other.caller, "create_hold", on("4"))).hold.hold_id;
    const madeUp = (id: string) => `${id.slice(0, 4)}${"z".repeat(id.length - 4)}`;
    const routes: [string, (id: string) => string, string, string | undefined][] = [
      ["POST", (id) => `/v1/bookings/${id}/cancel`, booking, "{}"],
      [
        "POST",
        (id) => `/v1/bookings/${id}/reschedule`,
        booking,
        '{"start":"2026-03-09T15:00:00Z","duration_minutes":30}',
      ],
      ["POST", (id) => `/v1/bookings/${id}/preempt`, booking, '{"title":"Mine"}'],
      ["DELETE", (id) => `/v1/holds/${id}`, hold, undefined],
      ["GET", (id) => `/v1/calendars/${id}/availability-rules`, calendars.cfo, undefined],
      ["PUT", (id) => `/v1/calendars/${id}/availability-rules`, calendars.cfo, '{"timezone":"UTC"}'],
      ["PATCH", (id) => `/v1/calendars/${id}/availability-rules`, calendars.cfo, '{"timezone":"UTC"}'],
      ["DELETE", (id) => `/v1/calendars/${id}/availability-rules`, calendars.cfo, undefined],
      [
        "GET",
        (id) => `/v1/calendars/${id}/availability?start=2026-03-03T00:00:00Z&end=2026-03-04T00:00:00Z`,
        calendars.cfo,
        undefined,
      ],
    ];
    for (const [method, path, real, body] of routes) {
      const seen = await send(method, path(real), prober.key, body);
      const invented = await send(method, path(madeUp(real)), prober.key, body);
      expect(invented.status, `${method} ${path(real)}: ${invented.text}`).toBe(404);
      expect(seen.status, `${method} ${path(real)}`).toBe(404);
      expect(seen.text.replaceAll(real, madeUp(real)), `${method} ${path(real)}`).toBe(invented.text);
    }
  });
});

describe("holds", () => {
  it("confirming a released hold over REST is a 409 conflict naming its state", async () => {
    const { key } = await w.addAgent({ name: "a" });
    const held = await send("POST", "/v1/holds", key, JSON.stringify({ owner_email: CEO, ...SLOT }));
    const id = held.json.hold.hold_id;
    expect((await send("DELETE", `/v1/holds/${id}`, key)).status).toBe(200);
    const confirm = await send("POST", "/v1/bookings", key, JSON.stringify({ hold_id: id, title: "Late" }));
    expect(confirm.status, confirm.text).toBe(409);
    expect(confirm.json).toMatchObject({ error: "conflict", details: [{ field: "hold_id" }] });
    expect(confirm.json.message).toContain(`Hold ${id} was released at`);
  });
});
