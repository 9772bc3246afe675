// The PostgreSQL ledger's promises when several instances share it (DESIGN.md section 10, issue 21):
// the exclusion constraint refuses overlapping live bookings whoever writes them; two instances
// racing on one owner and one idempotency key still make one booking; an expired hold is swept, and
// its agent told, once. Runs in the postgres vitest project only.
// Owner in America/New_York (UTC-5 until 2026-03-08), 09:00-17:00 Mon-Fri.
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { App } from "../../src/compose.js";
import { sweepHolds } from "../../src/service/background-jobs.js";
import { executeTool } from "../../tools/execute-tool.js";
import { findTool } from "../../tools/index.js";
import { assertNoOverlaps } from "../helpers/invariants.js";
import { serverAppOf } from "../helpers/served-world.js";
import { makeWorld, NINE_TO_FIVE, type World } from "../helpers/world.js";

const CEO = "ceo@example.com";
// Tue 2026-03-03 09:00 EST.
const OPEN = Date.parse("2026-03-03T14:00:00Z");
const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

let w: World;
let ownerId: string;
let calendarId: string;
/** A second instance: its own app and pool on the same database. */
let other: App;

beforeEach(async () => {
  w = await makeWorld("2026-03-02T12:00:00Z");
  expect(w.app.ledger.dialect).toBe("postgres");
  ({ ownerId, calendarId } = await w.addOwner(CEO, "America/New_York", {
    timezone: "America/New_York",
    working_hours: NINE_TO_FIVE,
  }));
  other = await serverAppOf(w);
});

afterEach(async () => {
  await other.close();
  await w.close();
});

/** Calls `tool` on `app` as the agent with `key`; the parsed body, or the error's. */
async function callOn(app: App, key: string, tool: string, args: unknown, idempotencyKey?: string) {
  const caller = await app.checkKey(key);
  try {
    const res = await executeTool(app.service, findTool(tool)!, caller, args, idempotencyKey);
    return { ...JSON.parse(res.json), _json: res.json, _replayed: res.replayed };
  } catch (err) {
    return { isError: true, error: (err as { type?: string }).type };
  }
}

describe("the exclusion constraint", () => {
  async function insert(id: string, start: number, end: number, status = "confirmed") {
    const agent = await w.addAgent({ name: `raw ${id}` });
    await sql`INSERT INTO bookings (id, owner_id, calendar_id, agent_id, start_ms, end_ms, title,
      attendees_json, meeting_class, status, created_at, updated_at)
      VALUES (${id}, ${ownerId}, ${calendarId}, ${agent.agentId}, ${start}, ${end}, 'raw', '[]',
      'internal_sync', ${status}, 0, 0)`.execute(w.app.ledger.db);
  }

  it("refuses an overlapping live booking inserted behind the service's back", async () => {
    await insert("bkg_a", OPEN, OPEN + 30 * MIN);
    await expect(insert("bkg_b", OPEN + 29 * MIN, OPEN + 60 * MIN)).rejects.toMatchObject({
      code: "23P01",
      constraint: "bookings_no_overlap",
    });
    // Half-open: [a, b) and [b, c) touch without overlapping.
    await insert("bkg_c", OPEN + 30 * MIN, OPEN + 60 * MIN);
    // Only live (confirmed) bookings count: a cancelled or displaced one may lie under anything.
    await insert("bkg_d", OPEN, OPEN + 60 * MIN, "cancelled");
    await insert("bkg_e", OPEN, OPEN + 60 * MIN, "needs_reschedule");
    // Another owner's time is theirs.
    const { ownerId: ctoId, calendarId: ctoCalendar } = await w.addOwner("cto@example.com");
    const agent = await w.addAgent({ name: "cto raw" });
    await sql`INSERT INTO bookings (id, owner_id, calendar_id, agent_id, start_ms, end_ms, title,
      attendees_json, meeting_class, status, created_at, updated_at)
      VALUES ('bkg_f', ${ctoId}, ${ctoCalendar}, ${agent.agentId}, ${OPEN}, ${OPEN + 30 * MIN}, 'raw',
      '[]', 'internal_sync', 'confirmed', 0, 0)`.execute(w.app.ledger.db);
    // And a confirmed booking cannot be moved onto another either.
    await expect(
      sql`UPDATE bookings SET start_ms = ${OPEN + 15 * MIN} WHERE id = 'bkg_c'`.execute(w.app.ledger.db),
    ).rejects.toMatchObject({ code: "23P01" });
    const live = await w.app.ledger.db
      .selectFrom("bookings")
      .select("id")
      .where("status", "=", "confirmed")
      .orderBy("id")
      .execute();
    expect(live.map((r) => r.id)).toEqual(["bkg_a", "bkg_c", "bkg_f"]);
  });
});

describe("two instances on one database", () => {
  it("book one slot once when 40 agents race for it through both", async () => {
    const keys: string[] = [];
    for (let i = 0; i < 40; i++) {
      keys.push(
        (await w.addAgent({ name: `a${i}`, defaultClass: "internal_sync", scopes: ["create_bookings"] })).key,
      );
    }
    const results = await Promise.all(
      keys.map((key, i) =>
        callOn(i % 2 === 0 ? w.app : other, key, "create_booking", {
          owner_email: CEO,
          start: iso(OPEN),
          end: iso(OPEN + 30 * MIN),
          title: `race ${i}`,
        }),
      ),
    );
    const verdicts = results.map((r) => r.verdict);
    expect(verdicts.filter((v) => v === "Accept")).toHaveLength(1);
    expect(verdicts.filter((v) => v === "CounterPropose")).toHaveLength(39);
    await assertNoOverlaps(w.app.ledger.db, w.clock.now);
  });

  it("run one idempotency key once, and answer it with the same bytes on both", async () => {
    const agent = await w.addAgent({ name: "retrying", scopes: ["create_bookings"] });
    const args = { owner_email: CEO, start: iso(OPEN), end: iso(OPEN + 30 * MIN), title: "once" };
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        callOn(i % 2 ? other : w.app, agent.key, "create_booking", args, "k-1"),
      ),
    );
    expect(new Set(results.map((r) => r._json)).size).toBe(1);
    expect(results.filter((r) => !r._replayed)).toHaveLength(1);
    expect(results[0].verdict).toBe("Accept");
    const rows = await w.app.ledger.db.selectFrom("bookings").select("id").execute();
    expect(rows).toHaveLength(1);
    const decisions = await w.app.ledger.db.selectFrom("decisions").select("id").execute();
    expect(decisions).toHaveLength(1);
  });

  it("sweep an expired hold once, and tell its agent once", async () => {
    const holder = await w.addAgent({ name: "holder", scopes: ["create_holds"] });
    const holds = [];
    for (let i = 0; i < 6; i++) {
      const h = await w.call(holder.caller, "create_hold", {
        owner_email: CEO,
        start: iso(OPEN + i * 60 * MIN),
        end: iso(OPEN + i * 60 * MIN + 30 * MIN),
        ttl_seconds: 60,
      });
      expect(h.verdict).toBe("Accept");
      holds.push(h.hold.hold_id);
    }
    w.clock.now += 61_000;
    // Every decision sweeps too, side by side with other owners' decisions: booking other owners on
    // both instances while both background sweeps run.
    const booker = await w.addAgent({ name: "booker", scopes: ["create_bookings"] });
    const owners = ["a@example.com", "b@example.com", "c@example.com", "d@example.com"];
    for (const email of owners) await w.addOwner(email, "UTC");
    const [first, second, ...decided] = await Promise.all([
      sweepHolds(w.app.service),
      sweepHolds(other.service),
      ...owners.map((email, i) =>
        callOn(i % 2 ? other : w.app, booker.key, "create_booking", {
          owner_email: email,
          start: iso(OPEN + 24 * 60 * MIN),
          end: iso(OPEN + 24 * 60 * MIN + 30 * MIN),
          title: "elsewhere",
        }),
      ),
    ]);
    expect(decided.map((d) => d.verdict)).toEqual(["Accept", "Accept", "Accept", "Accept"]);
    expect(first + second).toBeLessThanOrEqual(6);
    const told = await w.app.ledger.db
      .selectFrom("notifications")
      .select("payload_json")
      .where("agent_id", "=", holder.agentId)
      .where("type", "=", "hold.expired")
      .execute();
    expect(told.map((n) => JSON.parse(n.payload_json).hold_id).sort()).toEqual([...holds].sort());
  });
});
