// Issue 15 through a real MCP client (Streamable HTTP) and real REST requests on one server: the
// verdict table as the seed documents it, check_availability's shape and single check-hold, the one
// input language, dry runs, and the tool list each agent sees.
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ServedWorld, serveWorld } from "../helpers/served-world.js";
import { countRows, makeWorld, NINE_TO_FIVE, type World } from "../helpers/world.js";

// Mon 2026-03-02 12:00Z = 07:00 EST. The CEO works 09:00-17:00 New York time, Monday to Friday, with
// a block Tue 13:00-14:00 EST, a day of notice, a cap of 6 bookings a day and at most 60 days ahead.
const CEO = "ceo@example.com";
let w: World;
let served: ServedWorld;
let sales: { agentId: string; key: string };
let exec: { agentId: string; key: string };
let execNoPreempt: { agentId: string; key: string };

beforeAll(async () => {
  w = await makeWorld("2026-03-02T12:00:00Z");
  await w.addOwner(CEO, "America/New_York", {
    timezone: "America/New_York",
    working_hours: NINE_TO_FIVE,
    hard_blocks: [{ start: "2026-03-03T18:00:00Z", end: "2026-03-03T19:00:00Z" }],
    max_bookings_per_day: 6,
    max_horizon_days: 60,
    min_notice_minutes: 1440,
  });
  sales = await w.addAgent({ name: "sales", defaultClass: "external_customer_call" });
  exec = await w.addAgent({ name: "exec", defaultClass: "exec_meeting" });
  execNoPreempt = await w.addAgent({
    name: "exec without preempt",
    defaultClass: "exec_meeting",
    scopes: ["read_freebusy", "create_holds", "create_bookings", "read_events"],
  });
  served = await serveWorld(w, sales.key);
});
afterAll(async () => {
  await served?.close();
  await w?.close();
});

async function rest(method: string, path: string, key: string, body?: unknown) {
  const res = await fetch(`${served.server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { "content-type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}

async function mcp(name: string, args: Record<string, unknown>) {
  const res = (await served.mcp.callTool({ name, arguments: args })) as CallToolResult;
  const first = res.content[0];
  const text = first?.type === "text" ? first.text : "";
  return res.isError
    ? { isError: true, ...JSON.parse(text) }
    : (res.structuredContent as Record<string, any>);
}

describe("the verdict table, as the seed documents it (REST, dry runs over a fixed ledger)", () => {
  // One booking of the sales bot at Tue 10:00-10:30 EST; each row asks create_booking as a dry run.
  let taken: string;
  beforeAll(async () => {
    const made = await rest("POST", "/v1/bookings", sales.key, {
      owner_email: CEO,
      start: "2026-03-03T15:00:00Z",
      duration_minutes: 30,
      title: "Demo",
    });
    taken = made.json.booking.booking_id;
  });

  it.each([
    ["a free slot", "sales", "2026-03-03T16:00:00Z", 30, "Accept", null],
    ["outside working hours", "sales", "2026-03-03T13:00:00Z", 30, "Reject", "WORKING_HOURS"],
    ["in the hard block", "sales", "2026-03-03T18:00:00Z", 30, "Reject", "HARD_BLOCK"],
    ["inside the notice", "sales", "2026-03-02T15:00:00Z", 30, "Reject", "MIN_NOTICE"],
    ["beyond the horizon", "sales", "2026-06-02T15:00:00Z", 30, "Reject", "OUTSIDE_HORIZON"],
    ["taken by an equal class", "sales", "2026-03-03T15:00:00Z", 30, "CounterPropose", "CONFLICT"],
    ["taken, outranked, with preempt", "exec", "2026-03-03T15:00:00Z", 30, "Preempt", null],
    [
      "taken, outranked, no preempt scope",
      "execNoPreempt",
      "2026-03-03T15:00:00Z",
      30,
      "Reject",
      "PREEMPT_NOT_PERMITTED",
    ],
  ] as const)("%s -> %s %s", async (_what, who, start, minutes, verdict, reason) => {
    const key = { sales, exec, execNoPreempt }[who].key;
    const res = await rest("POST", "/v1/bookings", key, {
      owner_email: CEO,
      start,
      duration_minutes: minutes,
      title: "Row",
      dry_run: true,
    });
    expect(res.status).toBe(200);
    expect([res.json.verdict, res.json.reason_code]).toEqual([verdict, reason]);
    expect(res.json.dry_run).toBe(true);
    expect(res.json.booking).toBeNull();
    if (verdict === "Preempt") expect(res.json.displaced.map((d: { id: string }) => d.id)).toEqual([taken]);
  });

  it("a taken day with nothing free left is Reject NO_CAPACITY", async () => {
    const res = await rest("POST", "/v1/bookings", sales.key, {
      owner_email: CEO,
      start: "2026-03-03T15:00:00Z",
      duration_minutes: 30,
      title: "Row",
      dry_run: true,
      alternatives_window: { start: "2026-03-03T15:00:00Z", end: "2026-03-03T15:30:00Z" },
    });
    expect([res.json.verdict, res.json.reason_code]).toEqual(["Reject", "NO_CAPACITY"]);
  });

  it("no dry run above booked or displaced anything", async () => {
    expect(await countRows(w.app.ledger.db, "bookings", "status = 'confirmed'")).toBe(1);
  });
});

describe("check_availability over MCP and REST", () => {
  it("answers the seed's shape, names why nothing is found, and keeps one check-hold per agent and owner", async () => {
    const window = { start: "2026-03-04T14:00:00Z", end: "2026-03-04T17:00:00Z" }; // Wed 09:00-12:00 EST
    const first = await mcp("check_availability", { owner_email: CEO, duration_minutes: "30", window });
    expect(first.verdict).toBe("Accept");
    expect([first.hold_id, first.expires_at]).toEqual([first.hold.hold_id, first.hold.expires_at]);
    const second = await rest("POST", "/v1/availability", sales.key, {
      owner_email: CEO,
      duration_minutes: 30,
      window,
    });
    expect(second.json.slots[0].start).toBe(first.slots[0].start);
    const held = await rest("GET", `/v1/holds?owner_email=${CEO}`, sales.key);
    expect(held.json.holds.map((h: { hold_id: string }) => h.hold_id)).toEqual([second.json.hold_id]);
    const saturday = await mcp("check_availability", {
      owner_email: CEO,
      duration_minutes: 30,
      window: { start: "2026-03-07T00:00:00Z", end: "2026-03-08T00:00:00Z" },
      hold: false,
    });
    expect([saturday.verdict, saturday.reason_code, saturday.hold_id]).toEqual([
      "Reject",
      "WORKING_HOURS",
      null,
    ]);
  });
});

describe("one input language over MCP and REST", () => {
  it("reads a range as window everywhere, and REST GET routes keep start and end", async () => {
    const window = { start: "2026-03-03T00:00:00Z", end: "2026-03-04T00:00:00Z" };
    const viaMcp = await mcp("get_free_busy", { owner_email: CEO, window });
    const viaRest = await rest(
      "GET",
      `/v1/owners/${CEO}/freebusy?start=${window.start}&end=${window.end}`,
      sales.key,
    );
    expect(viaRest.json.busy).toEqual(viaMcp.busy);
    const listed = await mcp("list_bookings", { owner_email: CEO, window });
    const listedRest = await rest(
      "GET",
      `/v1/bookings?owner_email=${CEO}&start=${window.start}&end=${window.end}`,
      sales.key,
    );
    expect(listedRest.json.bookings).toEqual(listed.bookings);
    expect(listed.bookings.length).toBeGreaterThan(0);
  });

  it("refuses an unknown field with the nearest name, and a missing one as required", async () => {
    const res = await mcp("create_hold", {
      owner_email: CEO,
      strat: "2026-03-05T15:00:00Z",
      duration_minutes: 30,
    });
    expect(res).toMatchObject({ isError: true, error: "bad_request" });
    expect(res.details).toEqual(
      expect.arrayContaining([
        { field: "start", message: "required" },
        { field: "strat", message: 'unknown field "strat" (did you mean start?)' },
      ]),
    );
  });

  it("takes a slot as start+end and duration together when they agree, and names duration_minutes when not", async () => {
    const body = {
      owner_email: CEO,
      start: "2026-03-05T15:00:00Z",
      end: "2026-03-05T15:30:00Z",
      duration_minutes: 30,
    };
    expect((await rest("POST", "/v1/holds", sales.key, body)).json.verdict).toBe("Accept");
    const wrong = await rest("POST", "/v1/holds", sales.key, { ...body, duration_minutes: 45 });
    expect(wrong.status).toBe(400);
    expect(wrong.json.details[0].field).toBe("duration_minutes");
  });
});

describe("the tool list each agent sees", () => {
  it("lists only the tools the agent's scopes allow, with compact schemas", async () => {
    const reader = await w.addAgent({ name: "reader", scopes: ["read_freebusy"] });
    const own = await serveWorld(w, reader.key);
    try {
      const { tools } = await own.mcp.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(
        ["check_availability", "find_common_slots", "get_free_busy", "get_notifications", "whoami"].sort(),
      );
      expect(JSON.stringify(tools)).not.toContain('"pattern"');
    } finally {
      await own.close();
    }
  });
});
