// The booking contract of issue 15 (points 6, 7 and 10) through a real MCP client over Streamable
// HTTP and over REST, on one server: whoami's owners, get_booking, list_holds, attendees as objects,
// descriptions, class rank and agent priority, the reasons of cancel and reschedule and the
// notifications that carry them, and the audit rows of cancellations and hold releases.
// 2026-03-02 is a Monday; America/New_York is UTC-5 until 2026-03-08, so 09:00 local = 14:00Z.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Scope } from "../../src/service/caller.js";
import { findTool } from "../../tools/index.js";
import { type ServedWorld, serveWorld } from "../helpers/served-world.js";
import { makeWorld, NINE_TO_FIVE, type World } from "../helpers/world.js";

const CEO = "ceo@example.com";
const CTO = "cto@example.com";
const READ: Scope[] = ["read_freebusy", "read_events"];
const WRITE: Scope[] = [...READ, "create_holds", "create_bookings"];

interface Agent {
  readonly agentId: string;
  readonly key: string;
}

let w: World;
let served: ServedWorld;
let ceoCalendar: string;
let ctoCalendar: string;
/** external_customer_call (rank 70), priority 1, on the CEO only; `served.mcp` is its client. */
let sales: Agent;
/** exec_meeting (rank 90), priority 5, every scope, every owner. */
let exec: Agent;
const clients: Client[] = [];

beforeEach(async () => {
  w = await makeWorld("2026-03-02T12:00:00Z");
  ({ calendarId: ceoCalendar } = await w.addOwner(CEO, "America/New_York", {
    timezone: "America/New_York",
    working_hours: NINE_TO_FIVE,
  }));
  ({ calendarId: ctoCalendar } = await w.addOwner(CTO, "Europe/London", null, "personal"));
  sales = await w.addAgent({
    name: "sales",
    defaultClass: "external_customer_call",
    priority: 1,
    scopes: WRITE,
    owners: [CEO],
  });
  exec = await w.addAgent({ name: "exec", defaultClass: "exec_meeting", priority: 5 });
  served = await serveWorld(w, sales.key);
});

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  await served.close();
  await w.close();
});

async function mcpFor(key: string): Promise<Client> {
  const client = new Client({ name: "bookings-contract", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${served.server.url}/mcp`), {
      requestInit: { headers: { Authorization: `Bearer ${key}` } },
    }),
  );
  clients.push(client);
  return client;
}

/** A tool's result over MCP: the structured result (checked against the output schema), or the error. */
async function mcp(client: Client, name: string, args: Record<string, unknown> = {}): Promise<any> {
  const res = (await client.callTool({ name, arguments: args })) as CallToolResult;
  const first = res.content[0];
  const text = first?.type === "text" ? first.text : "";
  if (res.isError) return { isError: true, ...JSON.parse(text) };
  const parsed = findTool(name)!.output.safeParse(res.structuredContent);
  expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
  return res.structuredContent;
}

async function rest(
  method: string,
  path: string,
  key: string,
  options: { body?: unknown; idempotencyKey?: string } = {},
): Promise<{ status: number; text: string; json: any }> {
  const headers: Record<string, string> = { authorization: `Bearer ${key}` };
  if (options.body !== undefined) headers["content-type"] = "application/json";
  if (options.idempotencyKey) headers["idempotency-key"] = options.idempotencyKey;
  const res = await fetch(`${served.server.url}${path}`, {
    method,
    headers,
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, text, json: JSON.parse(text) };
}

function book(client: Client, start: string, extra: Record<string, unknown> = {}) {
  return mcp(client, "create_booking", {
    owner_email: CEO,
    start,
    duration_minutes: 30,
    title: "Meeting",
    ...extra,
  });
}

async function decisionsOf(tool: string): Promise<Record<string, any>[]> {
  const rows = await served.app.ledger.db
    .selectFrom("decisions")
    .selectAll()
    .where("tool", "=", tool)
    .orderBy("seq")
    .execute();
  return rows as Record<string, any>[];
}

describe("whoami (point 6)", () => {
  it("lists the owners the agent may act on, each with its time zone and calendars", async () => {
    const me = await mcp(served.mcp, "whoami");
    expect(me.allowed_owners).toEqual([CEO]);
    expect(me.owners).toEqual([
      {
        email: CEO,
        name: null,
        timezone: "America/New_York",
        default_calendar_type: "work",
        calendars: [{ calendar_id: ceoCalendar, calendar_type: "work", provider: "local" }],
      },
    ]);
  });

  it("lists every owner, by email, for an agent allowed on *; an allowed email no owner has yet is left out", async () => {
    const everyone = await rest("GET", "/v1/me", exec.key);
    expect(everyone.status).toBe(200);
    expect(everyone.json.allowed_owners).toEqual(["*"]);
    expect(everyone.json.owners.map((o: any) => [o.email, o.timezone, o.default_calendar_type])).toEqual([
      [CEO, "America/New_York", "work"],
      [CTO, "Europe/London", "personal"],
    ]);
    expect(everyone.json.owners[1].calendars).toEqual([
      { calendar_id: ctoCalendar, calendar_type: "personal", provider: "local" },
    ]);

    const early = await w.addAgent({ name: "early", scopes: READ, owners: [CEO, "new@example.com"] });
    const me = await rest("GET", "/v1/me", early.key);
    expect(me.json.allowed_owners).toEqual([CEO, "new@example.com"]);
    expect(me.json.owners.map((o: any) => o.email)).toEqual([CEO]);
  });
});

describe("get_booking (point 6)", () => {
  it("answers any agent's booking on an owner the reader may act on, as list_bookings shows it", async () => {
    const made = await book(served.mcp, "2026-03-03T15:00:00Z", { title: "Demo" });
    expect(made.verdict).toBe("Accept");
    const id = made.booking.booking_id;
    const reader = await w.addAgent({ name: "reader", scopes: READ, owners: [CEO] });
    const one = await mcp(await mcpFor(reader.key), "get_booking", { booking_id: id });
    expect(one.booking).toEqual(made.booking);
    expect(one.booking).toMatchObject({ class_rank: 70, agent_priority: 1, title: "Demo" });
    const listed = await rest("GET", `/v1/bookings?owner_email=${CEO}`, reader.key);
    expect(listed.json.bookings).toEqual([one.booking]);
    const byRest = await rest("GET", `/v1/bookings/${id}`, reader.key);
    expect(byRest.status).toBe(200);
    expect(byRest.json.booking).toEqual(one.booking);
  });

  it("answers a booking on an owner the caller may not act on exactly as a made-up id: 404", async () => {
    const made = await book(served.mcp, "2026-03-03T15:00:00Z");
    const id = made.booking.booking_id as string;
    const made_up = "bkg_0000000000000000000a";
    const outsider = await w.addAgent({ name: "outsider", scopes: READ, owners: [CTO] });
    const real = await rest("GET", `/v1/bookings/${id}`, outsider.key);
    const fake = await rest("GET", `/v1/bookings/${made_up}`, outsider.key);
    expect(real.status).toBe(404);
    expect(fake.status).toBe(404);
    expect(real.text.replace(id, made_up)).toBe(fake.text);
    expect(real.json.details).toEqual([{ field: "booking_id", message: "no such booking" }]);
    const overMcp = await mcp(await mcpFor(outsider.key), "get_booking", { booking_id: id });
    expect(overMcp).toMatchObject({ isError: true, error: "not_found" });
  });

  it("needs read_events", async () => {
    const made = await book(served.mcp, "2026-03-03T15:00:00Z");
    const fbOnly = await w.addAgent({ name: "free/busy", scopes: ["read_freebusy"], owners: [CEO] });
    const res = await rest("GET", `/v1/bookings/${made.booking.booking_id}`, fbOnly.key);
    expect(res.status).toBe(403);
    expect(res.json.message).toContain("read_events");
  });
});

describe("list_holds (point 6)", () => {
  it("lists the caller's active holds in start order, of one owner when named", async () => {
    const execMcp = await mcpFor(exec.key);
    const hold = (owner: string, start: string, ttl = 300) =>
      mcp(execMcp, "create_hold", { owner_email: owner, start, duration_minutes: 30, ttl_seconds: ttl });
    const late = await hold(CEO, "2026-03-03T19:00:00Z");
    const early = await hold(CEO, "2026-03-03T15:00:00Z");
    const london = await hold(CTO, "2026-03-03T17:00:00Z");
    const released = await hold(CEO, "2026-03-03T16:00:00Z");
    const brief = await hold(CEO, "2026-03-03T18:00:00Z", 30);
    await mcp(execMcp, "release_hold", { hold_id: released.hold.hold_id });
    // Someone else's hold is never listed.
    await mcp(served.mcp, "create_hold", {
      owner_email: CEO,
      start: "2026-03-03T20:00:00Z",
      duration_minutes: 30,
    });

    const ids = (r: any) => r.holds.map((h: any) => h.hold_id);
    const all = await mcp(execMcp, "list_holds");
    expect(ids(all)).toEqual([
      early.hold.hold_id,
      london.hold.hold_id,
      brief.hold.hold_id,
      late.hold.hold_id,
    ]);
    expect(all.holds[0]).toEqual(early.hold);

    // A hold past its expires_at is not active, swept or not.
    w.clock.now += 31_000;
    const ceoOnly = await rest("GET", `/v1/holds?owner_email=${CEO}`, exec.key);
    expect(ceoOnly.status).toBe(200);
    expect(ids(ceoOnly.json)).toEqual([early.hold.hold_id, late.hold.hold_id]);
  });

  it("refuses an owner the caller may not act on, and needs create_holds", async () => {
    const other = await rest("GET", `/v1/holds?owner_email=${CTO}`, sales.key);
    expect(other.status).toBe(403);
    const reader = await w.addAgent({ name: "reader", scopes: READ, owners: [CEO] });
    expect((await rest("GET", "/v1/holds", reader.key)).status).toBe(403);
  });
});

describe("richer bookings (point 7)", () => {
  it("takes attendees as emails or {email, name?, time_zone?} and always answers objects", async () => {
    const created = await rest("POST", "/v1/bookings", sales.key, {
      body: {
        owner_email: CEO,
        start: "2026-03-03T15:00:00Z",
        duration_minutes: 30,
        title: "Demo",
        description: "  Pricing, then a demo.  ",
        attendees: [
          "Buyer@Example.com",
          { email: "Ada@Acme.example", name: "Ada Lovelace", time_zone: "Europe/Paris" },
        ],
      },
    });
    expect(created.status).toBe(200);
    const booking = created.json.booking;
    expect(booking.attendees).toEqual([
      { email: "buyer@example.com", name: null, time_zone: null },
      { email: "ada@acme.example", name: "Ada Lovelace", time_zone: "Europe/Paris" },
    ]);
    expect(booking.description).toBe("Pricing, then a demo.");
    expect(booking).toMatchObject({ class_rank: 70, agent_priority: 1 });
    const listed = await mcp(served.mcp, "list_bookings", { owner_email: CEO });
    expect(listed.bookings).toEqual([booking]);

    const plain = await book(served.mcp, "2026-03-03T16:00:00Z");
    expect(plain.booking).toMatchObject({ attendees: [], description: null });
  });

  it("refuses a malformed attendee or an over-long description, naming the field", async () => {
    const base = { owner_email: CEO, start: "2026-03-03T15:00:00Z", duration_minutes: 30, title: "Demo" };
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ attendees: ["not-an-email"] }, "attendees.0", /email address, or \{email, name\?, time_zone\?\}/],
      [
        { attendees: [{ email: "a@example.com", time_zone: "Mars/Olympus" }] },
        "attendees.0.time_zone",
        /IANA/,
      ],
      [{ attendees: [{ email: "a@example.com", name: "  " }] }, "attendees.0.name", /omit name/],
      [{ attendees: [{ email: "a@example.com", nmae: "Ada" }] }, "attendees.0", /nmae/],
      [{ description: "x".repeat(2001) }, "description", /2000/],
    ];
    for (const [extra, field, message] of cases) {
      const res = await rest("POST", "/v1/bookings", sales.key, { body: { ...base, ...extra } });
      expect(res.status, JSON.stringify(extra)).toBe(400);
      const detail = res.json.details.find((d: any) => d.field.startsWith(field));
      expect(detail, `${field}: ${res.text}`).toBeDefined();
      expect(detail.message).toMatch(message);
      const overMcp = await mcp(served.mcp, "create_booking", { ...base, ...extra });
      expect(overMcp).toMatchObject({ isError: true, error: "bad_request" });
    }
    expect(await decisionsOf("create_booking")).toEqual([]);
  });
});

describe("reasons and the audit log (points 7 and 10)", () => {
  it("records a cancellation as a decision row with the agent, its key and the reason, once per request", async () => {
    const made = await book(served.mcp, "2026-03-03T15:00:00Z");
    const path = `/v1/bookings/${made.booking.booking_id}/cancel`;
    const body = { reason: "The customer cancelled." };
    const first = await rest("POST", path, sales.key, { body, idempotencyKey: "cancel-1" });
    expect(first.status).toBe(200);
    expect(first.json.booking.status).toBe("cancelled");
    expect(first.json.decision_id).toMatch(/^dec_/);
    const replay = await rest("POST", path, sales.key, { body, idempotencyKey: "cancel-1" });
    expect(replay.text).toBe(first.text);

    const rows = await decisionsOf("cancel_booking");
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      id: first.json.decision_id,
      agent_id: sales.agentId,
      key_prefix: sales.key.slice(0, rows[0]!.key_prefix.length),
      verdict: "Accept",
      booking_id: made.booking.booking_id,
    });
    expect(rows[0]!.key_prefix.length).toBeGreaterThan(3);
    expect(JSON.parse(rows[0]!.request_json)).toEqual({
      booking_id: made.booking.booking_id,
      reason: "The customer cancelled.",
    });

    // Cancelling again changes nothing but is a request of its own, so a row of its own.
    const again = await mcp(served.mcp, "cancel_booking", { booking_id: made.booking.booking_id });
    expect(again.booking.status).toBe("cancelled");
    expect(await decisionsOf("cancel_booking")).toHaveLength(2);
  });

  it("records a hold release as a decision row with the agent and its key", async () => {
    const held = await mcp(served.mcp, "create_hold", {
      owner_email: CEO,
      start: "2026-03-03T15:00:00Z",
      duration_minutes: 30,
    });
    const released = await rest("DELETE", `/v1/holds/${held.hold.hold_id}`, sales.key);
    expect(released.status).toBe(200);
    expect(released.json.hold.status).toBe("released");
    const [row, ...more] = await decisionsOf("release_hold");
    expect(more).toEqual([]);
    expect(row).toMatchObject({
      id: released.json.decision_id,
      agent_id: sales.agentId,
      hold_id: held.hold.hold_id,
      verdict: "Accept",
    });
    expect(sales.key.startsWith(row!.key_prefix)).toBe(true);
  });

  it("tells displaced agents the reschedule's reason, and that the slot is free again once the winner is cancelled", async () => {
    const execMcp = await mcpFor(exec.key);
    const victim = await book(served.mcp, "2026-03-03T15:00:00Z", { title: "Customer call" });
    const board = await book(execMcp, "2026-03-03T18:00:00Z", { title: "Board prep" });
    expect([victim.verdict, board.verdict]).toEqual(["Accept", "Accept"]);

    const moved = await mcp(execMcp, "reschedule_booking", {
      booking_id: board.booking.booking_id,
      start: "2026-03-03T15:00:00Z",
      duration_minutes: 30,
      reason: "The board chair can only do 10:00.",
    });
    expect(moved.verdict).toBe("Preempt");
    expect(moved.booking).toMatchObject({ class_rank: 90, agent_priority: 5 });
    const rescheduled = await decisionsOf("reschedule_booking");
    expect(JSON.parse(rescheduled[0]!.request_json).reason).toBe("The board chair can only do 10:00.");

    const told = await mcp(served.mcp, "get_notifications");
    expect(told.notifications).toEqual([
      expect.objectContaining({
        type: "booking.preempted",
        booking_id: victim.booking.booking_id,
        reason: "The board chair can only do 10:00.",
        message: expect.stringContaining("The board chair can only do 10:00."),
      }),
    ]);

    const cancelled = await rest("POST", `/v1/bookings/${board.booking.booking_id}/cancel`, exec.key, {
      body: { reason: "Board meeting called off." },
    });
    expect(cancelled.status).toBe(200);
    const freed = await mcp(served.mcp, "get_notifications");
    expect(freed.notifications).toEqual([
      expect.objectContaining({
        type: "booking.slot_freed",
        booking_id: victim.booking.booking_id,
        winner_class: "exec_meeting",
        reason: "Board meeting called off.",
        message: expect.stringContaining(board.booking.booking_id),
      }),
    ]);
    // Told once: a second cancel frees nothing more.
    await mcp(execMcp, "cancel_booking", { booking_id: board.booking.booking_id });
    expect((await mcp(served.mcp, "get_notifications")).notifications).toEqual([]);
  });

  it("tells displaced agents when the winner moves away, but not once they have rescheduled", async () => {
    const execMcp = await mcpFor(exec.key);
    const a = await book(served.mcp, "2026-03-03T15:00:00Z");
    const b = await book(served.mcp, "2026-03-03T15:30:00Z");
    const board = await book(execMcp, "2026-03-03T15:00:00Z", { duration_minutes: 60 });
    expect(board.verdict).toBe("Preempt");
    expect(board.displaced.map((d: any) => d.id).sort()).toEqual(
      [a.booking.booking_id, b.booking.booking_id].sort(),
    );
    await mcp(served.mcp, "get_notifications");
    // The sales bot rescheduled b already; only a still needs a slot.
    const again = await mcp(served.mcp, "reschedule_booking", {
      booking_id: b.booking.booking_id,
      start: "2026-03-03T19:00:00Z",
      duration_minutes: 30,
    });
    expect(again.verdict).toBe("Accept");
    const away = await mcp(execMcp, "reschedule_booking", {
      booking_id: board.booking.booking_id,
      start: "2026-03-03T20:00:00Z",
      duration_minutes: 60,
    });
    expect(away.verdict).toBe("Accept");
    const freed = await mcp(served.mcp, "get_notifications");
    expect(freed.notifications).toEqual([
      expect.objectContaining({ type: "booking.slot_freed", booking_id: a.booking.booking_id, reason: null }),
    ]);
    expect(freed.notifications[0].message).toContain("was moved");
  });
});
