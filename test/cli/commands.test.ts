// The admin CLI (DESIGN.md section 8), run in-process against a temp database: every command's
// happy path with --json, the human forms scripts rely on (ids alone on stdout), and the rule that
// a raw key is printed by `key create` and nowhere else.
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeWorld } from "../helpers/world.js";
import { type Cli, makeCli, RAW_KEY } from "./cli-harness.js";

let cli: Cli;
beforeEach(() => {
  cli = makeCli();
});
afterEach(() => {
  // No command but `key create` (and `admin-token create`, whose token is not an ak_ key) may print a key.
  for (const r of cli.history) {
    if (r.argv.includes("key") && r.argv.includes("create")) continue;
    expect(`${r.out}${r.err}`, `${r.argv.join(" ")} printed a raw key`).not.toMatch(RAW_KEY);
  }
  cli.close();
});

async function ok(...argv: string[]) {
  const r = await cli.run(...argv);
  expect(r.err === "" || r.code === 0, `${argv.join(" ")}: ${r.err}`).toBe(true);
  expect(r.code, `${argv.join(" ")}: ${r.err}`).toBe(0);
  return r;
}

/** An owner with a work calendar and an agent; returns their ids. */
async function seed() {
  await ok("owner", "add", "--email", "CEO@Example.com", "--name", "Ada", "--timezone", "America/New_York");
  const calendarId = (await ok("calendar", "add", "--owner", "ceo@example.com", "--type", "work")).out.trim();
  const agentId = (
    await ok(
      "agent",
      "create",
      "--name",
      "sales bot",
      "--scopes",
      "read_freebusy,create_holds,create_bookings",
      "--owners",
      "ceo@example.com",
      "--default-class",
      "external_customer_call",
      "--priority",
      "3",
      "--description",
      "Books demos",
    )
  ).out.trim();
  return { calendarId, agentId };
}

describe("owner", () => {
  it("add --json prints the owner; list --json lists them, email lowercased", async () => {
    const added = (
      await ok("--json", "owner", "add", "--email", "CEO@Example.com", "--timezone", "Asia/Kolkata")
    ).json();
    expect(added).toMatchObject({
      email: "ceo@example.com",
      name: null,
      timezone: "Asia/Kolkata",
      created_at: "2026-03-02T12:00:00Z",
    });
    expect(added.id).toMatch(/^own_/);
    await ok("owner", "add", "--email", "b@example.com");
    const list = (await ok("owner", "list", "--json")).json();
    expect(list.map((o: { email: string }) => o.email)).toEqual(["b@example.com", "ceo@example.com"]);
    expect(list[0].timezone).toBe("UTC");
    const human = (await ok("owner", "list")).out;
    expect(human).toContain("ceo@example.com");
    expect(human).toContain("Asia/Kolkata");
  });

  it("add without --json prints the id alone", async () => {
    expect((await ok("owner", "add", "--email", "a@example.com")).out).toMatch(/^own_[0-9a-z]{20}\n$/);
  });
});

describe("calendar", () => {
  it("add prints the id; list shows provider and status, filtered by owner", async () => {
    const { calendarId } = await seed();
    expect(calendarId).toMatch(/^cal_[0-9a-z]{20}$/);
    await ok("owner", "add", "--email", "other@example.com");
    const personal = (
      await ok(
        "calendar",
        "add",
        "--owner",
        "other@example.com",
        "--type",
        "personal",
        "--name",
        "Home",
        "--json",
      )
    ).json();
    expect(personal).toMatchObject({
      owner_email: "other@example.com",
      calendar_type: "personal",
      provider: "local",
      name: "Home",
      status: "active",
      has_rules: false,
    });
    expect((await ok("calendar", "list", "--json")).json()).toHaveLength(2);
    const mine = (await ok("calendar", "list", "--owner", "ceo@example.com", "--json")).json();
    expect(mine).toEqual([expect.objectContaining({ id: calendarId, calendar_type: "work" })]);
  });

  it("list shows needs_reconnect", async () => {
    const { calendarId } = await seed();
    const w = await makeWorld("2026-03-02T12:00:00Z", cli.dbPath);
    try {
      await w.app.ledger.db
        .updateTable("calendars")
        .set({ status: "needs_reconnect" })
        .where("id", "=", calendarId)
        .execute();
    } finally {
      await w.app.close();
    }
    expect((await ok("calendar", "list", "--json")).json()[0].status).toBe("needs_reconnect");
    expect((await ok("calendar", "list")).out).toContain("needs_reconnect");
  });
});

describe("rules", () => {
  it("set (inline and from a file) merges, --replace resets, get and delete", async () => {
    const { calendarId } = await seed();
    const set = (
      await ok(
        "rules",
        "set",
        "--calendar",
        calendarId,
        "--rules",
        '{"timezone":"America/New_York","working_hours":{"mon":{"start":"09:00","end":"17:00"}},"buffer_after_minutes":10}',
        "--json",
      )
    ).json();
    expect(set).toMatchObject({
      calendar_id: calendarId,
      timezone: "America/New_York",
      effective_timezone: "America/New_York",
      buffer_after_minutes: 10,
      buffer_before_minutes: 0,
      max_horizon_days: 365,
      hard_blocks: [],
      created_at: "2026-03-02T12:00:00Z",
      updated_at: "2026-03-02T12:00:00Z",
    });
    expect(set.id).toMatch(/^avr_[0-9a-z]{20}$/);
    expect((await ok("rules", "get", "--calendar", calendarId, "--json")).json()).toEqual(set);

    const file = join(cli.dir, "rules.json");
    writeFileSync(file, JSON.stringify({ min_notice_minutes: 60, max_bookings_per_day: 4 }));
    cli.clock.now += 60_000;
    const merged = (await ok("rules", "set", "--calendar", calendarId, "--file", file, "--json")).json();
    expect(merged).toMatchObject({
      id: set.id,
      min_notice_minutes: 60,
      max_bookings_per_day: 4,
      working_hours: set.working_hours,
      buffer_after_minutes: 10,
      created_at: "2026-03-02T12:00:00Z",
      updated_at: "2026-03-02T12:01:00Z",
    });
    const replaced = (
      await ok("rules", "set", "--calendar", calendarId, "--file", file, "--replace", "--json")
    ).json();
    expect(replaced).toMatchObject({
      id: set.id,
      working_hours: null,
      buffer_after_minutes: 0,
      timezone: null,
    });
    expect((await ok("calendar", "list", "--json")).json()[0].has_rules).toBe(true);

    expect((await ok("rules", "delete", "--calendar", calendarId, "--json")).json()).toEqual({
      id: set.id,
      calendar_id: calendarId,
      deleted: true,
    });
    const none = await cli.run("rules", "get", "--calendar", calendarId);
    expect(none.code).toBe(1);
    expect(none.err).toContain(
      `No availability rules on calendar ${calendarId}; set some with \`openavail rules set\``,
    );
  });
});

describe("agent", () => {
  it("create prints the id; list and show (with keys, never hashes)", async () => {
    const { agentId } = await seed();
    expect(agentId).toMatch(/^agt_[0-9a-z]{20}$/);
    const list = (await ok("agent", "list", "--json")).json();
    expect(list).toEqual([
      {
        id: agentId,
        name: "sales bot",
        description: "Books demos",
        default_class: "external_customer_call",
        priority: 3,
        scopes: ["read_freebusy", "create_holds", "create_bookings"],
        owners: ["ceo@example.com"],
        status: "active",
        created_at: "2026-03-02T12:00:00Z",
        updated_at: "2026-03-02T12:00:00Z",
      },
    ]);
    const made = (await ok("key", "create", "--agent", agentId, "--json")).json();
    const shown = (await ok("agent", "show", agentId, "--json")).json();
    expect(shown).toMatchObject({ ...list[0], keys: [{ id: made.id, prefix: made.key.slice(0, 11) }] });
    const hash = createHash("sha256").update(made.key).digest("hex");
    const human = (await ok("agent", "show", agentId)).out;
    for (const text of [JSON.stringify(shown), human]) {
      expect(text).not.toContain(hash);
      expect(text).not.toContain(made.key);
      expect(text).not.toContain('"hash"');
    }
    expect(human).toContain("sales bot");
    expect(human).toContain(made.id);
  });

  it("update changes only what is given; '' clears description and default class", async () => {
    const { agentId } = await seed();
    cli.clock.now += 60_000;
    const updated = (
      await ok(
        "agent",
        "update",
        agentId,
        "--priority",
        "-2",
        "--scopes",
        "read_freebusy",
        "--owners",
        "*",
        "--description",
        "",
        "--json",
      )
    ).json();
    expect(updated).toMatchObject({
      name: "sales bot",
      priority: -2,
      scopes: ["read_freebusy"],
      owners: ["*"],
      description: null,
      default_class: "external_customer_call",
      updated_at: "2026-03-02T12:01:00Z",
    });
    const renamed = (
      await ok("agent", "update", agentId, "--name", "demo bot", "--default-class", "", "--json")
    ).json();
    expect(renamed).toMatchObject({ name: "demo bot", default_class: null, priority: -2 });
  });

  it("disable and enable, and a disabled agent's key stops working at once", async () => {
    const { agentId } = await seed();
    const { key } = (await ok("key", "create", "--agent", agentId, "--json")).json();
    const w = await makeWorld("2026-03-02T12:00:00Z", cli.dbPath);
    try {
      await w.app.authenticate(key);
      expect((await ok("agent", "disable", agentId, "--json")).json().status).toBe("disabled");
      await expect(w.app.authenticate(key)).rejects.toMatchObject({ type: "unauthorized" });
      expect((await ok("agent", "enable", agentId)).out).toBe(`${agentId} is active.\n`);
      expect((await w.app.authenticate(key)).agentId).toBe(agentId);
    } finally {
      await w.app.close();
    }
  });
});

describe("key", () => {
  it("create prints { id, key } once; list shows prefixes; revoke takes effect at once", async () => {
    const { agentId } = await seed();
    const human = await ok("key", "create", "--agent", agentId, "--expires-in-days", "30");
    const made = JSON.parse(human.out);
    expect(made).toMatchObject({
      id: expect.stringMatching(/^key_/),
      key: expect.stringMatching(RAW_KEY),
      agent_id: agentId,
      expires_at: "2026-04-01T12:00:00Z",
    });
    expect(human.err).toContain("Store this key now");
    const jsonMade = (await ok("key", "create", "--agent", agentId, "--json")).json();
    expect(jsonMade.expires_at).toBeNull();

    const list = (await ok("key", "list", "--agent", agentId, "--json")).json();
    expect(list).toEqual([
      expect.objectContaining({ id: made.id, prefix: made.key.slice(0, 11), status: "active" }),
      expect.objectContaining({ id: jsonMade.id, status: "active", expires_at: null }),
    ]);
    for (const k of list) expect(Object.keys(k)).not.toContain("hash");

    const revoked = (await ok("key", "revoke", "--agent", agentId, "--key", made.id, "--json")).json();
    expect(revoked).toMatchObject({ id: made.id, status: "revoked", revoked_at: "2026-03-02T12:00:00Z" });
    const w = await makeWorld("2026-03-02T12:00:00Z", cli.dbPath);
    try {
      await expect(w.app.authenticate(made.key)).rejects.toMatchObject({ type: "unauthorized" });
      expect((await w.app.authenticate(jsonMade.key)).agentId).toBe(agentId);
    } finally {
      await w.app.close();
    }
    expect((await ok("key", "list", "--agent", agentId)).out).toContain("revoked");
  });

  it("list marks an expired key", async () => {
    const { agentId } = await seed();
    await ok("key", "create", "--agent", agentId, "--expires-in-days", "1");
    cli.clock.now += 86_400_000;
    expect((await ok("key", "list", "--agent", agentId, "--json")).json()[0].status).toBe("expired");
  });
});

describe("policy show", () => {
  it("prints the policy in force with its hash", async () => {
    const policy = (await ok("policy", "show", "--json")).json();
    expect(policy.hash).toMatch(/^[0-9a-f]{16}$/);
    expect(policy.default_class).toBe("internal_sync");
    expect(policy.classes.exec_meeting).toMatchObject({ rank: 90, preemptible: false });
    const human = (await ok("policy", "show")).out;
    expect(human).toContain("exec_meeting");
    expect(human).toContain(policy.hash);
  });

  it("reads --policy when given", async () => {
    const file = join(cli.dir, "policy.json");
    writeFileSync(
      file,
      JSON.stringify({ default_class: "a", classes: { a: { rank: 1, preemptible: true } } }),
    );
    expect((await ok("--policy", file, "policy", "show", "--json")).json().classes).toEqual({
      a: { rank: 1, preemptible: true },
    });
  });
});

describe("decisions", () => {
  it("lists the audit log as JSON and JSONL, filtered by owner, agent, verdict and since", async () => {
    const { agentId } = await seed();
    await ok("owner", "add", "--email", "other@example.com");
    await ok("calendar", "add", "--owner", "other@example.com", "--type", "work");
    await ok("agent", "update", agentId, "--owners", "*");
    const { key } = (await ok("key", "create", "--agent", agentId, "--json")).json();
    const w = await makeWorld("2026-03-02T12:00:00Z", cli.dbPath);
    try {
      const caller = await w.app.authenticate(key);
      const book = (owner: string, start: string) =>
        w.call(caller, "create_booking", { owner_email: owner, start, duration_minutes: 30, title: "Demo" });
      expect((await book("ceo@example.com", "2026-03-03T15:00:00Z")).verdict).toBe("Accept");
      w.clock.now += 3_600_000;
      expect((await book("ceo@example.com", "2026-03-03T15:00:00Z")).verdict).toBe("CounterPropose");
      expect((await book("other@example.com", "2026-03-03T15:00:00Z")).verdict).toBe("Accept");
    } finally {
      await w.app.close();
    }

    // Newest first by default; --oldest-first in the order they were made.
    const newest = (await ok("decisions", "--json")).json();
    const all = (await ok("decisions", "--json", "--oldest-first")).json();
    expect(newest).toEqual([...all].reverse());
    expect(all.map((d: { verdict: string }) => d.verdict)).toEqual(["Accept", "CounterPropose", "Accept"]);
    expect(all[0]).toMatchObject({
      agent_id: agentId,
      tool: "create_booking",
      owner_email: "ceo@example.com",
      key_prefix: key.slice(0, 11),
      at: "2026-03-02T12:00:00Z",
      request: expect.objectContaining({ title: "Demo" }),
    });
    expect(all[0].decision_id).toMatch(/^dec_/);
    expect(all[0].booking_id).toMatch(/^bkg_/);

    const jsonl = (await ok("decisions", "--jsonl", "--oldest-first")).out.trim().split("\n");
    expect(jsonl.map((l) => JSON.parse(l))).toEqual(all);
    const latest = (await ok("decisions", "--json", "--limit", "1")).json();
    expect(latest).toEqual([newest[0]]);

    const count = async (...filter: string[]) => (await ok("decisions", "--json", ...filter)).json().length;
    expect(await count("--owner", "ceo@example.com")).toBe(2);
    expect(await count("--owner", "OTHER@example.com")).toBe(1);
    expect(await count("--agent", agentId)).toBe(3);
    expect(await count("--verdict", "CounterPropose")).toBe(1);
    expect(await count("--since", "2026-03-02T12:30:00Z")).toBe(2);
    expect(await count("--since", "2026-03-02")).toBe(3);
    cli.clock.now += 2 * 3_600_000;
    // Now 14:00Z; the decisions were made at 12:00Z, 13:00Z and 13:00Z.
    expect(await count("--since", "30m")).toBe(0);
    expect(await count("--since", "90m")).toBe(2);
    expect(await count("--since", "3h")).toBe(3);
    expect(await count("--limit", "2")).toBe(2);

    const human = (await ok("decisions", "--verdict", "CounterPropose")).out;
    expect(human).toContain("CounterPropose");
    expect(human).toContain("CONFLICT");
  });

  it("says so when nothing matches", async () => {
    await seed();
    expect((await ok("decisions")).out).toBe("No decisions match.\n");
    expect((await ok("decisions", "--json")).json()).toEqual([]);
    expect((await ok("decisions", "--jsonl")).out).toBe("");
  });
});

describe("admin-token create", () => {
  it("prints an adm_ token once and stores only its hash", async () => {
    const made = (await ok("admin-token", "create", "--json")).json();
    expect(made.id).toMatch(/^adm_[0-9a-z]{20}$/);
    expect(made.token).toMatch(/^adm_[A-Za-z0-9_-]{43}$/);
    const w = await makeWorld("2026-03-02T12:00:00Z", cli.dbPath);
    try {
      const rows = await w.app.ledger.db.selectFrom("admin_tokens").selectAll().execute();
      expect(rows).toEqual([
        {
          id: made.id,
          prefix: made.token.slice(0, 12),
          hash: createHash("sha256").update(made.token).digest("hex"),
          created_at: Date.parse("2026-03-02T12:00:00Z"),
          revoked_at: null,
        },
      ]);
    } finally {
      await w.app.close();
    }
  });
});

describe("--db and OPENAVAIL_DB", () => {
  it("OPENAVAIL_DB names the database when --db is absent", async () => {
    await ok("owner", "add", "--email", "a@example.com");
    const r = await cli.raw(["owner", "list", "--json"], { OPENAVAIL_DB: cli.dbPath });
    expect(r.code).toBe(0);
    expect(r.json()).toHaveLength(1);
  });

  it("--db may come after the subcommand", async () => {
    await ok("owner", "add", "--email", "a@example.com");
    const r = await cli.raw(["owner", "list", "--db", cli.dbPath, "--json"]);
    expect(r.json()[0].email).toBe("a@example.com");
  });
});
