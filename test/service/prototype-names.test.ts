// Lookups keyed by input use own keys only (DESIGN.md section 6). An attack once booked with
// meeting_class "constructor": `name in policy.classes` found Object.prototype.constructor, the
// booking was stored, and the arbiter (policy.classes[name] -> a function, no rank) could never
// displace it. Every Object.prototype member name, in every field that names a class, a calendar type
// or a scope, is refused with a 400 naming the field; a policy that really defines a class called
// "constructor" gets a real class.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { type App, configFromEnv, createApp } from "../../src/compose.js";
import { createAgent, createApiKey, createCalendar, createOwner } from "../../src/service/admin.js";
import { addAgent, addCalendar, updateAgent } from "../../src/service/agents-admin.js";
import type { Caller } from "../../src/service/caller.js";
import { OpenavailError } from "../../src/service/errors.js";
import { policyFrom } from "../../src/service/policy.js";
import { executeTool } from "../../tools/execute-tool.js";
import { findTool } from "../../tools/index.js";
import { useTempDirs } from "../helpers/temp-dirs.js";
import { NINE_TO_FIVE } from "../helpers/world.js";
import { useWorld } from "./fixtures.js";

/** constructor, __proto__, toString, valueOf, hasOwnProperty, __defineGetter__, ... */
const PROTO_NAMES = Object.getOwnPropertyNames(Object.prototype);
const CEO = "ceo@example.com";
// Tue 2026-03-03 10:00-10:30 EST.
const SLOT = { start: "2026-03-03T15:00:00Z", end: "2026-03-03T15:30:00Z" };
const WINDOW = { start: "2026-03-03T14:00:00Z", end: "2026-03-03T22:00:00Z" };

const world = useWorld("2026-03-02T12:00:00Z", async (w) => {
  await w.addOwner(CEO, "America/New_York", { timezone: "America/New_York", working_hours: NINE_TO_FIVE });
});

/** The error `fn` throws, as the body a transport would send. */
async function refusal(fn: () => Promise<unknown>): Promise<Record<string, any>> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof OpenavailError) return err.toJSON();
    throw err;
  }
  throw new Error("expected a refusal");
}

function expectBadField(body: Record<string, any>, field: string, label: string): void {
  expect(body.error, `${label}: ${JSON.stringify(body)}`).toBe("bad_request");
  expect(
    body.details?.map((d: { field: string }) => d.field),
    `${label}: ${JSON.stringify(body)}`,
  ).toContain(field);
}

it("the list covers the names of the attack", () => {
  expect(PROTO_NAMES).toEqual(
    expect.arrayContaining(["constructor", "__proto__", "toString", "valueOf", "hasOwnProperty"]),
  );
  expect(PROTO_NAMES.length).toBeGreaterThanOrEqual(12);
});

describe("through executeTool", () => {
  const withClass: [string, (name: string) => Record<string, unknown>][] = [
    [
      "check_availability",
      (n) => ({ owner_email: CEO, duration_minutes: 30, window: WINDOW, meeting_class: n }),
    ],
    ["create_hold", (n) => ({ owner_email: CEO, ...SLOT, meeting_class: n })],
    ["create_booking", (n) => ({ owner_email: CEO, ...SLOT, title: "x", meeting_class: n })],
  ];
  const withType: [string, (name: string) => Record<string, unknown>][] = [
    [
      "check_availability",
      (n) => ({ owner_email: CEO, duration_minutes: 30, window: WINDOW, calendar_type: n }),
    ],
    ["create_hold", (n) => ({ owner_email: CEO, ...SLOT, calendar_type: n })],
    ["create_booking", (n) => ({ owner_email: CEO, ...SLOT, title: "x", calendar_type: n })],
  ];

  it.each(withClass)(
    "%s refuses every Object.prototype name as meeting_class, writing nothing",
    async (tool, args) => {
      const w = world();
      const { caller } = await w.addAgent({ name: "attacker" });
      for (const name of PROTO_NAMES) {
        const res = await w.call(caller, tool, args(name));
        expectBadField(res, "meeting_class", `${tool} meeting_class=${name}`);
      }
      expect(await w.app.ledger.db.selectFrom("bookings").select("id").execute()).toEqual([]);
      expect(await w.app.ledger.db.selectFrom("holds").select("id").execute()).toEqual([]);
    },
  );

  it.each(withType)("%s refuses every Object.prototype name as calendar_type", async (tool, args) => {
    const w = world();
    const { caller } = await w.addAgent({ name: "attacker" });
    for (const name of PROTO_NAMES) {
      const res = await w.call(caller, tool, args(name));
      expectBadField(res, "calendar_type", `${tool} calendar_type=${name}`);
    }
  });

  it("preempt refuses every Object.prototype name as meeting_class", async () => {
    const w = world();
    const { caller } = await w.addAgent({ name: "attacker" });
    const victim = await w.call(caller, "create_booking", { owner_email: CEO, ...SLOT, title: "v" });
    for (const name of PROTO_NAMES) {
      const res = await w.call(caller, "preempt", {
        booking_id: victim.booking.booking_id,
        title: "x",
        meeting_class: name,
      });
      expectBadField(res, "meeting_class", `preempt meeting_class=${name}`);
    }
  });

  it("an agent whose stored default_class is an Object.prototype name cannot book with it", async () => {
    const w = world();
    for (const name of PROTO_NAMES) {
      // Written straight to the ledger, as a row from before the admin check would be.
      const { caller } = await w.addAgent({ name: `legacy ${name}`, defaultClass: name });
      const res = await w.call(caller, "create_booking", { owner_email: CEO, ...SLOT, title: "x" });
      expectBadField(res, "meeting_class", `default_class=${name}`);
      expect(res.message).toContain("default_class");
    }
  });
});

describe("through the admin functions (the admin REST routes and the CLI call these)", () => {
  it("refuses every Object.prototype name as default_class on create and update", async () => {
    const w = world();
    const db = w.app.ledger.db;
    const policy = w.app.policy.policy;
    const base = { name: "bot", scopes: ["read_freebusy"], owners: ["*"] };
    const agent = await addAgent(db, policy, base, w.clock.now);
    for (const name of PROTO_NAMES) {
      const created = await refusal(() =>
        addAgent(db, policy, { ...base, default_class: name }, w.clock.now),
      );
      expectBadField(created, "default_class", `create default_class=${name}`);
      const updated = await refusal(() =>
        updateAgent(db, policy, agent.id, { default_class: name }, w.clock.now),
      );
      expectBadField(updated, "default_class", `update default_class=${name}`);
    }
  });

  it("refuses every Object.prototype name as a scope", async () => {
    const w = world();
    for (const name of PROTO_NAMES) {
      const body = await refusal(() =>
        addAgent(
          w.app.ledger.db,
          w.app.policy.policy,
          { name: "bot", scopes: [name], owners: ["*"] },
          w.clock.now,
        ),
      );
      expectBadField(body, "scopes.0", `scope=${name}`);
    }
  });

  it("refuses every Object.prototype name as a calendar type", async () => {
    const w = world();
    for (const name of PROTO_NAMES) {
      const body = await refusal(() =>
        addCalendar(w.app.ledger.db, { owner_email: CEO, calendar_type: name }, w.clock.now),
      );
      expectBadField(body, "calendar_type", `calendar_type=${name}`);
    }
  });
});

describe("the policy file", () => {
  const base = {
    default_class: "internal_sync",
    classes: { internal_sync: { rank: 40, preemptible: true } },
  };

  it("refuses every Object.prototype name as default_class unless it is one of its classes", () => {
    for (const name of PROTO_NAMES) {
      expect(() => policyFrom({ ...base, default_class: name }, "p.json"), name).toThrow(/default_class/);
    }
  });

  it("refuses a class named by an Object.prototype name that is not lower_snake_case, and __proto__", () => {
    for (const name of PROTO_NAMES.filter((n) => n !== "constructor")) {
      const raw = JSON.parse(
        `{"default_class":"internal_sync","classes":{"internal_sync":{"rank":40,"preemptible":true},${JSON.stringify(name)}:{"rank":1,"preemptible":true}}}`,
      );
      expect(() => policyFrom(raw, "p.json"), name).toThrow(`classes.${name}`);
    }
  });
});

describe("a policy that defines a class called constructor", () => {
  const tempDir = useTempDirs("openavail-proto-policy");

  async function appWith(policy: object): Promise<{ app: App; now: { ms: number } }> {
    const dir = tempDir();
    const policyPath = join(dir, "policy.json");
    writeFileSync(policyPath, JSON.stringify(policy));
    const now = { ms: Date.parse("2026-03-02T12:00:00Z") };
    const config = configFromEnv(
      {},
      { dbPath: join(dir, "o.db"), policyPath, now: () => now.ms, logLevel: "silent" },
    );
    return { app: await createApp(config, pino({ level: "silent" })), now };
  }

  async function agent(app: App, now: number, defaultClass: string, priority = 0): Promise<Caller> {
    const row = await createAgent(
      app.ledger.db,
      {
        name: defaultClass,
        defaultClass,
        priority,
        scopes: ["read_freebusy", "create_holds", "create_bookings", "preempt"],
        owners: ["*"],
      },
      now,
    );
    return app.authenticate((await createApiKey(app.ledger.db, row.id, now)).key);
  }

  async function call(app: App, caller: Caller, tool: string, args: object): Promise<Record<string, any>> {
    return JSON.parse((await executeTool(app.service, findTool(tool)!, caller, args)).json);
  }

  it("loads, books as that class, and ranks it like any other: a higher class displaces it", async () => {
    const { app, now } = await appWith({
      default_class: "constructor",
      classes: {
        constructor: { rank: 10, preemptible: true },
        exec_meeting: { rank: 90, preemptible: false },
      },
    });
    try {
      expect(app.policy.arbiter.classes.get("constructor")).toEqual({ rank: 10, preemptible: true });
      expect(app.policy.arbiter.classes.has("toString")).toBe(false);
      await createOwner(app.ledger.db, { email: CEO, timezone: "UTC" }, now.ms);
      await createCalendar(app.ledger.db, { ownerEmail: CEO, calendarType: "work" }, now.ms);
      const low = await agent(app, now.ms, "constructor");
      const high = await agent(app, now.ms, "exec_meeting");
      const booked = await call(app, low, "create_booking", { owner_email: CEO, ...SLOT, title: "Low" });
      expect(booked.verdict).toBe("Accept");
      expect(booked.booking.meeting_class).toBe("constructor");
      const taken = await call(app, high, "create_booking", { owner_email: CEO, ...SLOT, title: "High" });
      expect(taken.verdict).toBe("Preempt");
      expect(taken.displaced.map((d: { id: string }) => d.id)).toEqual([booked.booking.booking_id]);
      // The other Object.prototype names are still nobody's class.
      const phantom = await call(app, low, "create_booking", {
        owner_email: CEO,
        start: "2026-03-04T15:00:00Z",
        end: "2026-03-04T15:30:00Z",
        title: "x",
        meeting_class: "toString",
      }).catch((err: OpenavailError) => err.toJSON());
      expectBadField(phantom, "meeting_class", "toString");
    } finally {
      await app.close();
    }
  });
});
