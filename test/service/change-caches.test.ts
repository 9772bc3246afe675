// What this process keeps between requests (a key's agent, an owner's calendar, "nothing pending" for
// an agent) goes stale the moment another connection changes it: another `openavail` process on the
// same file is played here by a second app on it. Changes made through this process are covered by
// the tests of each feature (authenticate.test.ts, verdicts.test.ts, ...), which all run with the caches.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ChangeTracker } from "../../src/ledger/change-tracker.js";
import { revokeKey, setAgentStatus, updateAgent } from "../../src/service/agents-admin.js";
import { createHttpApp } from "../../src/transports/http/http-app.js";
import { mountMcpHttp } from "../../src/transports/mcp/http.js";
import { MODERN_META } from "../helpers/mcp-envelope.js";
import { countRows, makeWorld, type World } from "../helpers/world.js";

let here: World;
let there: World;
beforeEach(async () => {
  here = await makeWorld("2026-03-02T12:00:00Z");
  there = await makeWorld("2026-03-02T12:00:00Z", here.dbPath);
  await here.addOwner("ceo@example.com", "UTC");
});
afterEach(async () => {
  await there.close();
  await here.close();
});

const keyIdOf = async (agentId: string) =>
  (
    await here.app.ledger.db
      .selectFrom("api_keys")
      .select("id")
      .where("agent_id", "=", agentId)
      .executeTakeFirstOrThrow()
  ).id;

const slot = { owner_email: "ceo@example.com", start: "2026-03-03T15:00:00Z", duration_minutes: 30 };

describe("caches across connections", () => {
  it("a key revoked or an agent disabled by another process fails here on the next request", async () => {
    const a = await here.addAgent({ name: "a" });
    await here.app.authenticate(a.key);
    await revokeKey(there.app.ledger.db, a.agentId, await keyIdOf(a.agentId), there.clock.now);
    await expect(here.app.authenticate(a.key)).rejects.toMatchObject({ type: "unauthorized" });

    const b = await here.addAgent({ name: "b" });
    await here.app.authenticate(b.key);
    await setAgentStatus(there.app.ledger.db, b.agentId, "disabled", there.clock.now);
    await expect(here.app.authenticate(b.key)).rejects.toMatchObject({
      message: expect.stringContaining("disabled"),
    });
  });

  it("rules set by another process apply to the next decision here", async () => {
    const a = await here.addAgent({ name: "a" });
    expect((await here.call(a.caller, "create_booking", { ...slot, title: "t" })).verdict).toBe("Accept");
    const calendarId = (
      await here.call(a.caller, "create_booking", { ...slot, start: "2026-03-03T16:00:00Z", title: "t" })
    ).booking.calendar_id;
    const remote = await there.addAgent({ name: "admin" });
    const set = await there.call(remote.caller, "set_availability_rules", {
      calendar_id: calendarId,
      timezone: "UTC",
      working_hours: { tue: { start: "09:00", end: "12:00" } },
    });
    expect(set.isError).toBeUndefined();
    const late = await here.call(a.caller, "create_booking", {
      ...slot,
      start: "2026-03-03T17:00:00Z",
      title: "t",
    });
    expect(late.verdict).not.toBe("Accept");
  });

  it("a preemption by another process reaches the displaced agent's next result here", async () => {
    const sales = await here.addAgent({ name: "sales", defaultClass: "external_customer_call" });
    const booked = await here.call(sales.caller, "create_booking", { ...slot, title: "Demo" });
    expect(booked.pending_notifications).toEqual([]);
    // Known to have nothing pending; then another process displaces the booking.
    expect((await here.call(sales.caller, "whoami", {})).pending_notifications).toEqual([]);
    const exec = await there.addAgent({ name: "exec", defaultClass: "exec_meeting", priority: 5 });
    expect((await there.call(exec.caller, "create_booking", { ...slot, title: "Board" })).verdict).toBe(
      "Preempt",
    );
    const next = await here.call(sales.caller, "whoami", {});
    expect(next.pending_notifications).toHaveLength(1);
    expect(next.pending_notifications[0]).toMatchObject({
      type: "booking.preempted",
      booking_id: booked.booking.booking_id,
    });
  });
});

// A REST tool call takes its key as this process last knew it and looks again inside its transaction
// (authenticate's `provisional`): what another process changed there must count all the same.
describe("a REST tool call, after another process changed the key or its agent", () => {
  const restCall = (key: string, body: unknown, path = "/v1/bookings") =>
    createHttpApp(here.app).hono.request(path, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  const bookings = () => countRows(here.app.ledger.db, "bookings");
  const at = (hour: number) => ({ ...slot, start: `2026-03-03T${hour}:00:00Z`, title: "t" });
  // Twice: the first use writes the key's last_used_at, which this process's cache sees as a change.
  const useTwice = async (key: string, hour: number) => {
    for (const start of [`${hour}:00`, `${hour}:30`])
      expect((await restCall(key, { ...slot, start: `2026-03-03T${start}:00Z`, title: "t" })).status).toBe(
        200,
      );
  };

  it("refuses a key revoked or an agent disabled there with 401, and books nothing", async () => {
    const a = await here.addAgent({ name: "a" });
    await useTwice(a.key, 10);
    await revokeKey(there.app.ledger.db, a.agentId, await keyIdOf(a.agentId), there.clock.now);
    // What else the request got wrong comes second: the key is the first thing refused.
    expect((await restCall(a.key, "{not json")).status).toBe(401);

    const b = await here.addAgent({ name: "b" });
    await useTwice(b.key, 11);
    await revokeKey(there.app.ledger.db, b.agentId, await keyIdOf(b.agentId), there.clock.now);
    const revoked = await restCall(b.key, at(12));
    expect(revoked.status).toBe(401);
    expect(await revoked.json()).toMatchObject({ message: expect.stringContaining("revoked") });

    const c = await here.addAgent({ name: "c" });
    await useTwice(c.key, 13);
    await setAgentStatus(there.app.ledger.db, c.agentId, "disabled", there.clock.now);
    expect((await restCall(c.key, at(14))).status).toBe(401);
    expect(await bookings()).toBe(6);
  });

  it("judges scopes as the agent has them there now: granted ones work, taken ones refuse with 403", async () => {
    const a = await here.addAgent({ name: "a", scopes: ["read_freebusy"] });
    expect((await restCall(a.key, at(10))).status).toBe(403);
    const policy = there.app.policy.policy;
    await updateAgent(there.app.ledger.db, policy, a.agentId, { scopes: ["create_bookings"] }, 0);
    await useTwice(a.key, 11);
    await updateAgent(there.app.ledger.db, policy, a.agentId, { scopes: ["read_freebusy"] }, 0);
    expect((await restCall(a.key, at(12))).status).toBe(403);
    expect(await bookings()).toBe(2);
  });
});

// MCP over HTTP must refuse the same keys at once, on every kind of request: any later change to
// how /mcp admits a key (say, as provisionally as REST does) has to keep these answers.
describe("an MCP request over HTTP, after another process changed the key or its agent", () => {
  const mcpPost = (key: string, message: unknown, modern = false) => {
    const { hono } = createHttpApp(here.app, {
      mountExtra: (h) => {
        mountMcpHttp(h, here.app, { allowedOrigins: [] });
      },
    });
    const method = (message as { method?: string }).method ?? "";
    const name = (message as { params?: { name?: string } }).params?.name;
    return hono.request("/mcp", {
      method: "POST",
      headers: {
        authorization: `Bearer ${key}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        ...(modern
          ? {
              "mcp-protocol-version": "2026-07-28",
              "mcp-method": method,
              ...(name ? { "mcp-name": name } : {}),
            }
          : { "mcp-protocol-version": "2025-06-18" }),
      },
      body: typeof message === "string" ? message : JSON.stringify(message),
    });
  };
  const createBooking = (key: string, id: number, args: object, modern: boolean) =>
    mcpPost(
      key,
      {
        jsonrpc: "2.0",
        id,
        method: "tools/call",
        params: { name: "create_booking", arguments: args, ...(modern ? { _meta: MODERN_META } : {}) },
      },
      modern,
    );
  /** Books the slot `n` hours after 2026-03-03T00:00Z. */
  const book = (key: string, n: number, modern = false) =>
    createBooking(
      key,
      n,
      {
        ...slot,
        start: new Date(Date.parse("2026-03-03T00:00:00Z") + n * 3_600_000).toISOString(),
        title: "t",
      },
      modern,
    );
  const accepted = async (res: Response) => {
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      result: { isError?: boolean; structuredContent?: { verdict?: string } };
    };
    expect(body.result.isError).toBeUndefined();
    return body.result.structuredContent?.verdict;
  };
  const bookings = () => countRows(here.app.ledger.db, "bookings");

  let hours = 0;
  /** A key used twice here (the first use writes its last_used_at, a change this process sees), then revoked there. */
  const keyRevokedThere = async () => {
    const a = await here.addAgent({ name: `a${hours}` });
    expect(await accepted(await book(a.key, hours++))).toBe("Accept");
    expect(await accepted(await book(a.key, hours++))).toBe("Accept");
    await revokeKey(there.app.ledger.db, a.agentId, await keyIdOf(a.agentId), there.clock.now);
    return a.key;
  };
  // Each request below is the first this process sees of its key since the revocation: after a
  // refusal the key is known revoked here too, and a later request would prove nothing of its path.

  it("answers a tool call of a key revoked there 401, on either era's direct path, and books nothing", async () => {
    const first = hours;
    for (const modern of [false, true]) {
      const refused = await book(await keyRevokedThere(), 100, modern);
      expect(refused.status).toBe(401);
      expect(refused.headers.get("www-authenticate")).toContain("Bearer");
      expect(await refused.json()).toMatchObject({ message: expect.stringContaining("revoked") });
      // Arguments the schema refuses do not change that: the key is refused first.
      expect((await createBooking(await keyRevokedThere(), 7, { bogus: 1 }, modern)).status).toBe(401);
    }
    const b = await here.addAgent({ name: "b" });
    expect(await accepted(await book(b.key, hours++))).toBe("Accept");
    expect(await accepted(await book(b.key, hours++))).toBe("Accept");
    await setAgentStatus(there.app.ledger.db, b.agentId, "disabled", there.clock.now);
    expect((await book(b.key, 101)).status).toBe(401);
    expect(await bookings()).toBe(hours - first);
  });

  it("answers tools/list, initialize, a batch and a malformed body of a key revoked there 401", async () => {
    const initialize = {
      jsonrpc: "2.0",
      id: 2,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
    };
    for (const message of [
      { jsonrpc: "2.0", id: 1, method: "tools/list" },
      initialize,
      "{not json",
      // A batch is never a direct call.
      [{ jsonrpc: "2.0", id: 3, method: "tools/list" }],
    ]) {
      expect((await mcpPost(await keyRevokedThere(), message)).status, JSON.stringify(message)).toBe(401);
    }
  });

  it("judges a tool call's scopes as the agent has them there now", async () => {
    const a = await here.addAgent({ name: "a", scopes: ["read_freebusy"] });
    const refusedHere = (await (await book(a.key, 10)).json()) as {
      result: { isError?: boolean; content: { text: string }[] };
    };
    expect(refusedHere.result.isError).toBe(true);
    expect(refusedHere.result.content[0]!.text).toContain("forbidden");
    const policy = there.app.policy.policy;
    await updateAgent(there.app.ledger.db, policy, a.agentId, { scopes: ["create_bookings"] }, 0);
    expect(await accepted(await book(a.key, 11))).toBe("Accept");
    expect(await accepted(await book(a.key, 12))).toBe("Accept");
    await updateAgent(there.app.ledger.db, policy, a.agentId, { scopes: ["read_freebusy"] }, 0);
    const taken = (await (await book(a.key, 13)).json()) as { result: { isError?: boolean } };
    expect(taken.result.isError).toBe(true);
    expect(await bookings()).toBe(2);
  });
});

describe("ChangeTracker", () => {
  it("tells writes to a table from reads, control statements and writes to other tables", () => {
    const sqlite = new BetterSqlite3(":memory:");
    const changes = new ChangeTracker(sqlite);
    const stamp = changes.stamp(["agents"]);
    for (const [text, reader] of [
      ['select * from "agents" where "id" = ?', true],
      ["BEGIN IMMEDIATE", false],
      ["SAVEPOINT decision", false],
      ["PRAGMA synchronous = NORMAL", false],
      ['insert into "bookings" ("id") values (?)', false],
      ['update "api_keys" set "last_used_at" = ?', false],
      ["COMMIT", false],
    ] as const) {
      changes.noteStatement(text, reader);
    }
    expect(changes.unchangedSince(stamp, ["agents"])).toBe(true);
    for (const text of [
      'update "agents" set "status" = ? where "id" = ?',
      'insert into "agents" ("id") values (?) returning "id"',
      'delete from "agents" where "id" = ?',
      "INSERT OR REPLACE INTO agents (id) VALUES (?)",
    ]) {
      const before = changes.stamp(["agents"]);
      changes.noteStatement(text, text.includes("returning"));
      expect(changes.unchangedSince(before, ["agents"]), text).toBe(false);
    }
  });

  it("counts a write it cannot attribute against every table", () => {
    const sqlite = new BetterSqlite3(":memory:");
    const changes = new ChangeTracker(sqlite);
    for (const [text, reader] of [
      ["CREATE TABLE t (x)", false],
      // A rollback undoes writes to any table, counted or not when they were made.
      ["ROLLBACK", false],
      ["ROLLBACK TO decision", false],
      ["WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x RETURNING *", true],
    ] as const) {
      const before = changes.stamp(["owners"]);
      changes.noteStatement(text, reader);
      expect(changes.unchangedSince(before, ["owners"]), text).toBe(false);
    }
    sqlite.close();
  });

  it("counts a ROLLBACK TO against the tables written since its savepoint only", () => {
    const sqlite = new BetterSqlite3(":memory:");
    const changes = new ChangeTracker(sqlite);
    const tables = ["agents", "bookings", "holds"];
    // Transaction statements run too: the tracker asks the driver whether a transaction is open.
    const note = (...texts: string[]) => {
      for (const text of texts) {
        changes.noteStatement(text, false);
        if (/^(begin|rollback|savepoint|release)\b/i.test(text)) sqlite.exec(text);
      }
    };
    note("BEGIN IMMEDIATE", "SAVEPOINT decision", 'update "holds" set "status" = ?', "RELEASE decision");
    // A unit that failed before writing anything undoes nothing.
    let before = changes.stamp(tables);
    note("SAVEPOINT decision", "ROLLBACK TO decision", "RELEASE decision");
    expect(changes.unchangedHere(before, tables)).toBe(true);
    // One that wrote bookings undoes bookings, not what the unit before it wrote (holds).
    before = changes.stamp(["agents", "holds"]);
    const bookings = changes.stamp(["bookings"]);
    note("SAVEPOINT decision", 'insert into "bookings" ("id") values (?)');
    const written = changes.stamp(["bookings"]);
    note("ROLLBACK TO decision", "RELEASE decision");
    expect(changes.unchangedHere(before, ["agents", "holds"])).toBe(true);
    expect(changes.unchangedHere(bookings, ["bookings"])).toBe(false);
    expect(changes.unchangedHere(written, ["bookings"]), "a stamp taken between write and rollback").toBe(
      false,
    );
    // A whole ROLLBACK counts against what its transaction wrote: holds, and bookings (written, then
    // rolled back to the savepoint), not agents.
    before = changes.stamp(["agents"]);
    const holds = changes.stamp(["holds"]);
    note("ROLLBACK");
    expect(changes.unchangedHere(before, ["agents"])).toBe(true);
    expect(changes.unchangedHere(holds, ["holds"])).toBe(false);
    expect(changes.unchangedHere(written, ["bookings"])).toBe(false);
    // A ROLLBACK of a transaction this tracker did not see begin counts against every table.
    before = changes.stamp(["agents"]);
    changes.noteStatement("ROLLBACK", false);
    expect(changes.unchangedHere(before, ["agents"])).toBe(false);
    sqlite.close();
  });

  it("counts a whole ROLLBACK against the tables written since BEGIN IMMEDIATE only", () => {
    const sqlite = new BetterSqlite3(":memory:");
    const changes = new ChangeTracker(sqlite);
    // Transaction statements run too: the tracker asks the driver whether a transaction is open.
    const note = (...texts: string[]) => {
      for (const text of texts) {
        changes.noteStatement(text, false);
        if (/^(begin|rollback|savepoint|release)\b/i.test(text)) sqlite.exec(text);
      }
    };
    const calendars = changes.stamp(["calendars"]);
    note("BEGIN IMMEDIATE", 'insert into "bookings" ("id") values (?)');
    const bookings = changes.stamp(["bookings"]);
    note('insert into "decisions" ("id") values (?)', "ROLLBACK");
    expect(changes.unchangedHere(calendars, ["calendars"])).toBe(true);
    expect(changes.unchangedHere(bookings, ["bookings"])).toBe(false);
    // A write whose table cannot be told still counts against every table when rolled back.
    const agents = changes.stamp(["agents"]);
    note("BEGIN IMMEDIATE", "CREATE TABLE t (x)", "ROLLBACK");
    expect(changes.unchangedHere(agents, ["agents"])).toBe(false);
    // The next transaction starts afresh: rolling back a read-only one changes nothing.
    const after = changes.stamp(["agents", "bookings"]);
    note("BEGIN IMMEDIATE", "ROLLBACK");
    expect(changes.unchangedHere(after, ["agents", "bookings"])).toBe(true);
    sqlite.close();
  });

  it("reads data_version once while holding the write lock, and afresh once the transaction ends", () => {
    const dir = mkdtempSync(join(tmpdir(), "openavail-tracker-"));
    const a = new BetterSqlite3(join(dir, "t.db"));
    const b = new BetterSqlite3(join(dir, "t.db"));
    try {
      a.pragma("journal_mode = WAL");
      a.exec("CREATE TABLE t (x)");
      let reads = 0;
      // Counts the tracker's reads of data_version: its one prepared statement goes through here.
      const counted = new Proxy(a, {
        get: (target, name) =>
          name === "prepare"
            ? (text: string) => {
                const stmt = target.prepare(text);
                const get = stmt.get.bind(stmt);
                return Object.assign(stmt, {
                  get: () => {
                    reads++;
                    return get();
                  },
                });
              }
            : Reflect.get(target, name, target),
      });
      const changes = new ChangeTracker(counted);
      const run = (text: string) => {
        changes.noteStatement(text, false);
        a.exec(text);
      };

      run("BEGIN IMMEDIATE");
      const inside = changes.stamp(["t"]);
      for (let i = 0; i < 5; i++) expect(changes.unchangedSince(inside, ["t"])).toBe(true);
      expect(reads).toBe(1);
      run("COMMIT");
      b.exec("INSERT INTO t VALUES (1)");
      expect(changes.unchangedSince(inside, ["t"])).toBe(false);

      // A BEGIN IMMEDIATE that could not take the lock holds nothing: every lookup reads again.
      b.exec("BEGIN IMMEDIATE");
      a.pragma("busy_timeout = 0");
      changes.noteStatement("BEGIN IMMEDIATE", false);
      expect(() => a.exec("BEGIN IMMEDIATE")).toThrow(/locked|busy/i);
      const refused = changes.stamp(["t"]);
      b.exec("INSERT INTO t VALUES (2); COMMIT");
      expect(changes.unchangedSince(refused, ["t"])).toBe(false);
    } finally {
      a.close();
      b.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
