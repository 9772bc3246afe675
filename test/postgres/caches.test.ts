// The caches between requests (a key's agent, an owner's calendar, "nothing pending" for an agent)
// with several instances on one PostgreSQL ledger: another instance's change reaches this one by
// LISTEN/NOTIFY (postgres-changes.ts), this instance's own at once. `barrier()` waits for the
// notifications committed before it, instead of a sleep. The SQLite twin is
// test/service/change-caches.test.ts. Runs in the postgres vitest project only.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { PostgresChanges } from "../../src/ledger/postgres-changes.js";
import { revokeKey, setAgentStatus } from "../../src/service/agents-admin.js";
import { makeWorld, type World } from "../helpers/world.js";

let here: World;
let there: World;
beforeEach(async () => {
  here = await makeWorld("2026-03-02T12:00:00Z");
  there = await makeWorld("2026-03-02T12:00:00Z", undefined, here.databaseUrl);
  await here.addOwner("ceo@example.com", "UTC");
});
afterEach(async () => {
  await there.close();
  await here.close();
});

const slot = { owner_email: "ceo@example.com", start: "2026-03-03T15:00:00Z", duration_minutes: 30 };
/** Until every change another instance committed so far has been heard here. */
const heard = () => (here.app.ledger.changes as PostgresChanges).barrier();

async function keyIdOf(agentId: string): Promise<string> {
  const row = await here.app.ledger.db
    .selectFrom("api_keys")
    .select("id")
    .where("agent_id", "=", agentId)
    .executeTakeFirstOrThrow();
  return row.id;
}

describe("caches across instances", () => {
  it("serve a row again while nothing changed, and not once its table has", async () => {
    const changes = here.app.ledger.changes;
    // This instance's own writes (the owner added before the test) are counted when sent and again
    // when their notification comes back: heard out first.
    await heard();
    const stamp = changes.stamp(["owners", "calendars"]);
    await heard();
    expect(changes.unchangedSince(stamp, ["owners", "calendars"])).toBe(true);
    await there.addOwner("cto@example.com", "UTC");
    await heard();
    expect(changes.unchangedSince(stamp, ["owners", "calendars"])).toBe(false);
  });

  it("vouch only for tables whose writes notify: another instance's writes to any other would go unheard", async () => {
    const changes = here.app.ledger.changes;
    await heard();
    // holds has no trigger (no cache keeps its rows on PostgreSQL); the OAuth tables have (0012).
    for (const table of ["holds", "oauth_store", "oauth_connections", "api_keys"]) {
      const stamp = changes.stamp([table]);
      expect(changes.unchangedSince(stamp, [table]), table).toBe(table !== "holds");
    }
  });

  it("a key revoked or an agent disabled on another instance fails here on the next request", async () => {
    const a = await here.addAgent({ name: "a" });
    await here.app.authenticate(a.key);
    await revokeKey(there.app.ledger.db, a.agentId, await keyIdOf(a.agentId), there.clock.now);
    await heard();
    await expect(here.app.authenticate(a.key)).rejects.toMatchObject({ type: "unauthorized" });

    const b = await here.addAgent({ name: "b" });
    await here.app.authenticate(b.key);
    await setAgentStatus(there.app.ledger.db, b.agentId, "disabled", there.clock.now);
    await heard();
    await expect(here.app.authenticate(b.key)).rejects.toMatchObject({
      message: expect.stringContaining("disabled"),
    });
  });

  it("a key revoked through this instance fails at once, before any notification", async () => {
    const a = await here.addAgent({ name: "a" });
    await here.app.authenticate(a.key);
    await revokeKey(here.app.ledger.db, a.agentId, await keyIdOf(a.agentId), here.clock.now);
    await expect(here.app.authenticate(a.key)).rejects.toMatchObject({ type: "unauthorized" });
  });

  it("a preemption on another instance reaches the displaced agent's next result here", async () => {
    const sales = await here.addAgent({ name: "sales", defaultClass: "external_customer_call" });
    const booked = await here.call(sales.caller, "create_booking", { ...slot, title: "Demo" });
    expect((await here.call(sales.caller, "whoami", {})).pending_notifications).toEqual([]);
    const exec = await there.addAgent({ name: "exec", defaultClass: "exec_meeting", priority: 5 });
    expect((await there.call(exec.caller, "create_booking", { ...slot, title: "Board" })).verdict).toBe(
      "Preempt",
    );
    await heard();
    const next = await here.call(sales.caller, "whoami", {});
    expect(next.pending_notifications).toHaveLength(1);
    expect(next.pending_notifications[0]).toMatchObject({
      type: "booking.preempted",
      booking_id: booked.booking.booking_id,
    });
  });

  it("rules set on another instance apply to the next decision here", async () => {
    const a = await here.addAgent({ name: "a" });
    const first = await here.call(a.caller, "create_booking", { ...slot, title: "t" });
    expect(first.verdict).toBe("Accept");
    const remote = await there.addAgent({ name: "admin" });
    const set = await there.call(remote.caller, "set_availability_rules", {
      calendar_id: first.booking.calendar_id,
      timezone: "UTC",
      working_hours: { tue: { start: "09:00", end: "12:00" } },
    });
    expect(set.isError).toBeUndefined();
    await heard();
    const late = await here.call(a.caller, "create_booking", {
      ...slot,
      start: "2026-03-03T17:00:00Z",
      title: "t",
    });
    expect(late.verdict).not.toBe("Accept");
  });
});
