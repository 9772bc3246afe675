// Instants outside 1970-01-01T00:00:00Z .. 9999-12-31T23:59:59.999Z (DESIGN.md section 3) through a
// real server: REST with fetch and Streamable HTTP with the SDK client, both on one port, as `serve`
// mounts them. A year-0050 instant once reached the zone code, where Date.UTC read year 50 as 1950,
// and create_booking, create_hold, reschedule_booking and preempt answered 500. Each must be a 400
// bad_request naming the field, and an agent must get the same answer over MCP.
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorBody } from "../../schemas/errors.js";
import { type ServedWorld, serveWorld } from "../helpers/served-world.js";
import { makeWorld, NINE_TO_FIVE, type World } from "../helpers/world.js";

// 2026-03-02 is a Monday; the owner works 09:00-17:00 in New York (UTC-5 until 8 March).
const CEO = "ceo@example.com";
const Y50 = "0050-03-03T15:00:00Z";
const Y50_END = "0050-03-03T15:30:00Z";
const RANGE_MESSAGE = /between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59Z/;

let w: World;
let served: ServedWorld;
let agent: { agentId: string; key: string };
let bookingId: string;

beforeAll(async () => {
  w = await makeWorld("2026-03-02T12:00:00Z");
  await w.addOwner(CEO, "America/New_York", { timezone: "America/New_York", working_hours: NINE_TO_FIVE });
  agent = await w.addAgent({ name: "exec", defaultClass: "exec_meeting" });
  served = await serveWorld(w, agent.key, { rateLimitPerMinute: 100_000 });
  // reschedule_booking and preempt only reach the arbiter for a booking that exists.
  const booked = await rest("POST", "/v1/bookings", {
    owner_email: CEO,
    start: "2026-03-03T15:00:00Z",
    duration_minutes: 30,
    title: "Standing 1:1",
  });
  expect(booked.status, JSON.stringify(booked.json)).toBe(200);
  bookingId = booked.json.booking.booking_id;
});

afterAll(async () => {
  await served?.close();
  await w?.close();
});

async function rest(method: string, path: string, body: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${served.server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${agent.key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

async function tool(name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await served.mcp.callTool({ name, arguments: args })) as CallToolResult;
}

function errorOf(res: CallToolResult): unknown {
  const first = res.content[0];
  return JSON.parse(first?.type === "text" ? first.text : "null");
}

/** A bad_request body whose details name `field` with the range message. */
function expectRangeError(body: unknown, field: string): void {
  expect(ErrorBody.strict().safeParse(body).success, JSON.stringify(body)).toBe(true);
  expect(body).toMatchObject({
    error: "bad_request",
    details: expect.arrayContaining([{ field, message: expect.stringMatching(RANGE_MESSAGE) }]),
  });
}

// Each case: the tool, its REST route, the arguments with one out-of-range instant, the field named.
const cases = (): [string, string, string, Record<string, unknown>, string][] => [
  [
    "create_booking",
    "POST",
    "/v1/bookings",
    { owner_email: CEO, start: Y50, duration_minutes: 30, title: "Ancient" },
    "start",
  ],
  [
    "create_booking",
    "POST",
    "/v1/bookings",
    { owner_email: CEO, start: "2026-03-03T16:00:00Z", end: Y50_END, title: "Ancient" },
    "end",
  ],
  ["create_hold", "POST", "/v1/holds", { owner_email: CEO, start: Y50, duration_minutes: 30 }, "start"],
  [
    "create_hold",
    "POST",
    "/v1/holds",
    {
      owner_email: CEO,
      start: "2026-03-03T16:00:00Z",
      duration_minutes: 30,
      alternatives_window: { start: Y50, end: "2026-03-04T00:00:00Z" },
    },
    "alternatives_window.start",
  ],
  [
    "reschedule_booking",
    "POST",
    `/v1/bookings/${bookingId}/reschedule`,
    { booking_id: bookingId, start: Y50, duration_minutes: 30 },
    "start",
  ],
  [
    "preempt",
    "POST",
    `/v1/bookings/${bookingId}/preempt`,
    { booking_id: bookingId, start: Y50, end: Y50_END, title: "Board prep" },
    "start",
  ],
];

describe("a year-0050 instant", () => {
  it("is a 400 bad_request naming the field over REST, for every arbitrated route", async () => {
    for (const [name, method, path, args, field] of cases()) {
      // The REST route takes the booking id from the path, not the body.
      const { booking_id: _, ...body } = args;
      const reply = await rest(method, path, body);
      expect(reply.status, `${name} ${field}: ${JSON.stringify(reply.json)}`).toBe(400);
      expectRangeError(reply.json, field);
    }
  });

  it("is an isError bad_request naming the field over MCP Streamable HTTP", async () => {
    for (const [name, , , args, field] of cases()) {
      const res = await tool(name, args);
      expect(res.isError, `${name} ${field}`).toBe(true);
      expectRangeError(errorOf(res), field);
    }
  });

  it("left the booking it was aimed at untouched", async () => {
    const res = await tool("list_bookings", { owner_email: CEO });
    const { bookings } = res.structuredContent as { bookings: { booking_id: string; start: string }[] };
    expect(bookings).toEqual([
      expect.objectContaining({ booking_id: bookingId, start: "2026-03-03T15:00:00Z" }),
    ]);
  });
});

describe("the edges of the accepted range", () => {
  it("refuses a window whose end, after its offset, falls in year 10000", async () => {
    // 9999-12-31T23:00:00-05:00 is 10000-01-01T04:00:00Z; the window itself is under 90 days.
    const reply = await rest("POST", "/v1/availability", {
      owner_email: CEO,
      duration_minutes: 30,
      hold: false,
      window: { start: "9999-12-01T00:00:00Z", end: "9999-12-31T23:00:00-05:00" },
    });
    expect(reply.status, JSON.stringify(reply.json)).toBe(400);
    expectRangeError(reply.json, "window.end");
  });

  it("answers, not crashes, for a 90-day window that ends on the last accepted millisecond", async () => {
    const reply = await rest("POST", "/v1/availability", {
      owner_email: CEO,
      duration_minutes: 30,
      hold: false,
      window: { start: "9999-10-02T23:59:59.999Z", end: "9999-12-31T23:59:59.999Z" },
    });
    expect(reply.status, JSON.stringify(reply.json)).toBe(200);
    expect(reply.json.slots).toEqual([]); // beyond any max_horizon_days
  });

  it("refuses a duration_minutes that carries the slot past 9999, as a written end would be", async () => {
    const reply = await rest("POST", "/v1/holds", {
      owner_email: CEO,
      start: "9999-12-31T23:59:00Z",
      duration_minutes: 30,
    });
    expect(reply.status, JSON.stringify(reply.json)).toBe(400);
    expectRangeError(reply.json, "duration_minutes");
  });

  it("answers, not crashes, for holds at the first and last accepted instants", async () => {
    for (const start of ["1970-01-01T00:00:00Z", "9999-12-31T23:00:00Z"]) {
      const reply = await rest("POST", "/v1/holds", { owner_email: CEO, start, duration_minutes: 30 });
      expect(reply.status, `${start}: ${JSON.stringify(reply.json)}`).toBe(200);
      expect(reply.json.verdict).toBe("Reject");
    }
  });
});

describe("a slot given by start + end", () => {
  it("is refused on end when shorter than duration_minutes may be, over REST and MCP", async () => {
    const args = {
      owner_email: CEO,
      start: "2026-03-03T16:00:00Z",
      end: "2026-03-03T16:00:00.001Z",
      title: "Blink",
    };
    const reply = await rest("POST", "/v1/bookings", args);
    expect(reply.status, JSON.stringify(reply.json)).toBe(400);
    const refused = {
      error: "bad_request",
      details: [{ field: "end", message: expect.stringContaining("between 5 and 1440 minutes after start") }],
    };
    expect(reply.json).toMatchObject(refused);
    const res = await tool("create_booking", args);
    expect(res.isError).toBe(true);
    expect(errorOf(res)).toMatchObject(refused);
  });
});
