// Rules that cannot surprise (issue 15, points 5 and 10), through a real MCP client over Streamable HTTP
// and real REST requests against one server: a change names only the fields it changes, a replace is
// explicit, null clears, rules without a zone follow the owner's, absent rules are 404, REST DELETE is
// 204, both transports answer the same JSON, every change is a decision row, and a database migrated
// from 0003 keeps its rules with an identity.
import { join } from "node:path";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RulesView } from "../../schemas/rules.js";
import { findTool } from "../../tools/index.js";
import { insertOldOwner, oldLedger } from "../helpers/old-ledger.js";
import { type ServedWorld, serveWorld } from "../helpers/served-world.js";
import { makeWorld, NINE_TO_FIVE, type World } from "../helpers/world.js";

// 2026-03-02 is a Monday; America/New_York is UTC-5 until 2026-03-08, so 09:00 local = 14:00Z.
const START = "2026-03-02T12:00:00Z";
const OWNER = "ceo@example.com";
const MINUTE = 60_000;

let w: World;
let served: ServedWorld;
let calendarId: string;
let agent: { agentId: string; key: string };

beforeEach(async () => {
  w = await makeWorld(START);
  ({ calendarId } = await w.addOwner(OWNER, "America/New_York"));
  agent = await w.addAgent({ name: "rules agent", defaultClass: "external_customer_call" });
  served = await serveWorld(w, agent.key);
});
afterEach(async () => {
  await served.close();
  await w.close();
});

/** A tool call over MCP: the structured result, or the error object. */
async function tool(name: string, args: Record<string, unknown>): Promise<any> {
  const res = (await served.mcp.callTool({ name, arguments: args })) as CallToolResult;
  const first = res.content[0];
  if (res.isError) return { isError: true, ...JSON.parse(first?.type === "text" ? first.text : "{}") };
  const parsed = findTool(name)!.output.safeParse(res.structuredContent);
  expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
  return res.structuredContent;
}

async function rest(method: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${served.server.url}/v1/calendars/${calendarId}/availability-rules`, {
    method,
    headers: {
      authorization: `Bearer ${agent.key}`,
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : undefined };
}

const at = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");

describe("over MCP", () => {
  it("answers the rules as a resource: avr_ id, every field, the zone in force, created and updated", async () => {
    const set = await tool("set_availability_rules", { calendar_id: calendarId, buffer_after_minutes: 5 });
    expect(Object.keys(set)).toEqual([...Object.keys(RulesView.shape), "pending_notifications"]);
    expect(set).toEqual({
      id: expect.stringMatching(/^avr_[0-9a-z]{20}$/),
      calendar_id: calendarId,
      buffer_before_minutes: 0,
      buffer_after_minutes: 5,
      working_hours: null,
      timezone: null,
      min_notice_minutes: 0,
      max_horizon_days: 365,
      max_bookings_per_day: null,
      hard_blocks: [],
      effective_timezone: "America/New_York",
      created_at: START,
      updated_at: START,
      pending_notifications: [],
    });
    expect(await tool("get_availability_rules", { calendar_id: calendarId })).toEqual(set);
  });

  it("changes only the fields it names: a buffer keeps the working hours; the id and created_at stay", async () => {
    const first = await tool("set_availability_rules", {
      calendar_id: calendarId,
      working_hours: NINE_TO_FIVE,
      max_bookings_per_day: 3,
    });
    w.clock.now += 5 * MINUTE;
    const merged = await tool("set_availability_rules", {
      calendar_id: calendarId,
      buffer_after_minutes: 15,
    });
    expect(merged).toMatchObject({
      id: first.id,
      working_hours: NINE_TO_FIVE,
      max_bookings_per_day: 3,
      buffer_after_minutes: 15,
      created_at: START,
      updated_at: at(w.clock.now),
    });
    // Setting what is already there changes nothing, so updated_at stays.
    w.clock.now += 5 * MINUTE;
    const same = await tool("set_availability_rules", { calendar_id: calendarId, buffer_after_minutes: 15 });
    expect(same.updated_at).toBe(merged.updated_at);
  });

  it("clears working_hours, max_bookings_per_day and timezone with null", async () => {
    await tool("set_availability_rules", {
      calendar_id: calendarId,
      working_hours: NINE_TO_FIVE,
      max_bookings_per_day: 3,
      timezone: "Europe/London",
      min_notice_minutes: 30,
    });
    const cleared = await tool("set_availability_rules", {
      calendar_id: calendarId,
      working_hours: null,
      max_bookings_per_day: null,
      timezone: null,
    });
    expect(cleared).toMatchObject({
      working_hours: null,
      max_bookings_per_day: null,
      timezone: null,
      effective_timezone: "America/New_York",
      min_notice_minutes: 30,
    });
  });

  it("replaces only when told: replace:true resets every field it does not name", async () => {
    const first = await tool("set_availability_rules", {
      calendar_id: calendarId,
      working_hours: NINE_TO_FIVE,
      min_notice_minutes: 30,
    });
    const replaced = await tool("set_availability_rules", {
      calendar_id: calendarId,
      buffer_after_minutes: 10,
      replace: true,
    });
    expect(replaced).toMatchObject({
      id: first.id,
      working_hours: null,
      min_notice_minutes: 0,
      buffer_after_minutes: 10,
    });
  });

  it("reads working hours in the owner's zone when the rules name none", async () => {
    const set = await tool("set_availability_rules", {
      calendar_id: calendarId,
      working_hours: { tue: { start: "09:00", end: "10:00" } },
    });
    expect([set.timezone, set.effective_timezone]).toEqual([null, "America/New_York"]);
    const checked = await tool("check_availability", {
      owner_email: OWNER,
      duration_minutes: 60,
      hold: false,
      // Tue 08:00-11:00 New York; in UTC the rule's 09:00-10:00 would lie before this window.
      window: { start: "2026-03-03T13:00:00Z", end: "2026-03-03T16:00:00Z" },
    });
    expect(checked.slots.map((s: { start: string }) => s.start)).toEqual(["2026-03-03T14:00:00Z"]);
    expect(checked.slots[0].local_start).toBe("2026-03-03T09:00:00-05:00");
  });

  it("answers not_found for rules a calendar does not have; delete answers the id it removed", async () => {
    const expected = {
      isError: true,
      error: "not_found",
      message: `No availability rules on calendar ${calendarId}; set some with set_availability_rules.`,
      details: [{ field: "calendar_id", message: "the calendar has no availability rules" }],
    };
    expect(await tool("get_availability_rules", { calendar_id: calendarId })).toEqual(expected);
    expect(await tool("delete_availability_rules", { calendar_id: calendarId })).toEqual(expected);
    const set = await tool("set_availability_rules", { calendar_id: calendarId, min_notice_minutes: 60 });
    expect(await tool("delete_availability_rules", { calendar_id: calendarId })).toEqual({
      id: set.id,
      calendar_id: calendarId,
      deleted: true,
      pending_notifications: [],
    });
    expect(await tool("get_availability_rules", { calendar_id: calendarId })).toEqual(expected);
    // Rules set again are new rules: a new id, created now.
    w.clock.now += MINUTE;
    const again = await tool("set_availability_rules", { calendar_id: calendarId, min_notice_minutes: 60 });
    expect(again.id).not.toBe(set.id);
    expect(again.created_at).toBe(at(w.clock.now));
  });
});

describe("over REST", () => {
  it("PUT replaces, PATCH merges, and both answer what MCP answers", async () => {
    const put = await rest("PUT", { working_hours: NINE_TO_FIVE, buffer_after_minutes: 5 });
    expect(put.status, put.text).toBe(200);
    const patched = await rest("PATCH", { buffer_before_minutes: 10, max_bookings_per_day: 2 });
    expect(patched.json).toMatchObject({
      id: put.json.id,
      working_hours: NINE_TO_FIVE,
      buffer_after_minutes: 5,
      buffer_before_minutes: 10,
      max_bookings_per_day: 2,
    });
    const cleared = await rest("PATCH", { max_bookings_per_day: null });
    expect(cleared.json.max_bookings_per_day).toBeNull();
    const replaced = await rest("PUT", { buffer_after_minutes: 5 });
    expect(replaced.json).toMatchObject({ id: put.json.id, working_hours: null, buffer_before_minutes: 0 });
    const got = await rest("GET");
    expect(got.text).toBe(JSON.stringify(await tool("get_availability_rules", { calendar_id: calendarId })));
  });

  it("refuses a replace flag that contradicts the method, naming the other method", async () => {
    const put = await rest("PUT", { buffer_after_minutes: 5, replace: false });
    expect(put.status).toBe(400);
    expect(put.json.message).toContain("or send PATCH for replace: false");
    expect(put.json.details).toEqual([{ field: "replace", message: "is true on PUT; omit it" }]);
    const patch = await rest("PATCH", { buffer_after_minutes: 5, replace: true });
    expect(patch.status).toBe(400);
    expect(patch.json.message).toContain("or send PUT for replace: true");
    expect((await rest("GET")).status).toBe(404);
  });

  it("answers 404 without rules, 204 with no body on DELETE, and replays a DELETE by its key", async () => {
    const none = await rest("GET");
    expect(none.status).toBe(404);
    expect(none.json).toMatchObject({ error: "not_found", details: [{ field: "calendar_id" }] });
    expect((await rest("DELETE")).status).toBe(404);
    await rest("PUT", { min_notice_minutes: 15 });
    const deleted = await rest("DELETE", undefined, { "idempotency-key": "delete-1" });
    expect([deleted.status, deleted.text]).toEqual([204, ""]);
    const replay = await rest("DELETE", undefined, { "idempotency-key": "delete-1" });
    expect([replay.status, replay.text, replay.headers.get("idempotent-replayed")]).toEqual([
      204,
      "",
      "true",
    ]);
    expect((await rest("GET")).status).toBe(404);
  });

  it("leaves notifications pending when DELETE answers 204, for the next response to carry", async () => {
    const exec = await w.addAgent({ name: "exec", defaultClass: "exec_meeting", priority: 5 });
    const mine = await tool("create_booking", {
      owner_email: OWNER,
      start: "2026-03-03T15:00:00Z",
      duration_minutes: 30,
      title: "Demo",
    });
    const taken = await w.call(exec.caller, "preempt", {
      booking_id: mine.booking.booking_id,
      title: "Board",
    });
    expect(taken.verdict).toBe("Preempt");
    await w.call(exec.caller, "set_availability_rules", { calendar_id: calendarId, min_notice_minutes: 15 });
    expect((await rest("DELETE")).status).toBe(204);
    const next = await tool("whoami", {});
    expect(next.pending_notifications.map((n: { type: string }) => n.type)).toContain("booking.preempted");
  });
});

describe("the audit trail", () => {
  it("has a decision row, with the agent and key, for every set, merge and delete on either transport", async () => {
    await tool("set_availability_rules", { calendar_id: calendarId, working_hours: NINE_TO_FIVE });
    await rest("PATCH", { buffer_after_minutes: 10 });
    await rest("PUT", { buffer_after_minutes: 10 });
    await tool("get_availability_rules", { calendar_id: calendarId });
    await rest("DELETE");
    const rows = await w.app.ledger.db
      .selectFrom("decisions")
      .select(["tool", "agent_id", "key_prefix", "owner_id", "verdict", "request_json", "at"])
      .where("tool", "like", "%availability_rules")
      .orderBy("seq")
      .execute();
    const owner = await w.app.ledger.db
      .selectFrom("owners")
      .select("id")
      .where("email", "=", OWNER)
      .executeTakeFirstOrThrow();
    expect(rows.map((r) => [r.tool, JSON.parse(r.request_json)])).toEqual([
      ["set_availability_rules", { calendar_id: calendarId, replace: false, working_hours: NINE_TO_FIVE }],
      ["set_availability_rules", { calendar_id: calendarId, replace: false, buffer_after_minutes: 10 }],
      ["set_availability_rules", { calendar_id: calendarId, replace: true, buffer_after_minutes: 10 }],
      ["delete_availability_rules", { calendar_id: calendarId }],
    ]);
    for (const r of rows) {
      expect(r).toMatchObject({
        agent_id: agent.agentId,
        owner_id: owner.id,
        verdict: "Accept",
        at: w.clock.now,
      });
      expect(agent.key.startsWith(r.key_prefix!)).toBe(true);
    }
  });
});

describe("a database migrated from 0003", () => {
  it("keeps its rules, gives them an avr_ id and a time, and changes them as today's", async () => {
    w.clock.now = Date.parse(START);
    const path = join(w.dir, "old.db");
    const oldRules = JSON.stringify({
      buffer_before_minutes: 0,
      buffer_after_minutes: 10,
      working_hours: NINE_TO_FIVE,
      timezone: "UTC",
      min_notice_minutes: 0,
      max_horizon_days: 365,
      max_bookings_per_day: null,
      hard_blocks: [],
    });
    const seed = await oldLedger(path, "0003-live-span-length");
    await insertOldOwner(seed, { id: "own_old", email: OWNER, timezone: "America/New_York" }, [
      { id: "cal_rules", type: "work", rulesJson: oldRules },
      { id: "cal_norules", type: "personal" },
    ]);
    await seed.destroy();
    const before = Date.now();
    const old = await makeWorld(START, path);
    const after = Date.now();
    try {
      const rows = old.app.ledger.sqlite
        .prepare(
          "SELECT id, rules_json, rules_id, rules_created_at, rules_updated_at FROM calendars ORDER BY id",
        )
        .all() as Record<string, unknown>[];
      expect(rows.map((r) => [r.id, r.rules_json === null, r.rules_id === null])).toEqual([
        ["cal_norules", true, true],
        ["cal_rules", false, false],
      ]);
      const migrated = rows[1]!;
      expect(migrated.rules_json).toBe(oldRules);
      expect(migrated.rules_id).toMatch(/^avr_[0-9a-z]{20}$/);
      expect(migrated.rules_created_at).toBe(migrated.rules_updated_at);
      expect(migrated.rules_created_at).toBeGreaterThanOrEqual(before);
      expect(migrated.rules_created_at).toBeLessThanOrEqual(after);

      const admin = await old.addAgent({ name: "admin" });
      const got = await old.call(admin.caller, "get_availability_rules", { calendar_id: "cal_rules" });
      expect(got).toMatchObject({ id: migrated.rules_id, timezone: "UTC", buffer_after_minutes: 10 });
      const merged = await old.call(admin.caller, "set_availability_rules", {
        calendar_id: "cal_rules",
        buffer_before_minutes: 5,
      });
      expect(merged).toMatchObject({
        id: migrated.rules_id,
        working_hours: NINE_TO_FIVE,
        buffer_before_minutes: 5,
        updated_at: START,
      });
      const none = await old.call(admin.caller, "get_availability_rules", { calendar_id: "cal_norules" });
      expect(none.error).toBe("not_found");
    } finally {
      await old.close();
    }
  });
});
