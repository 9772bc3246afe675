// Property tests of every POST/PUT tool route through real HTTP: a valid body with one corruption
// (a wrong type, a missing field, a huge string, a bad date, an unknown or __proto__ key) is always a
// 4xx error object naming a field, never a 500, and the database is left exactly as it was.
import { createHash } from "node:crypto";
import fc from "fast-check";
import { sql } from "kysely";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorBody } from "../../schemas/errors.js";
import { AvailabilityRules } from "../../schemas/rules.js";
import { type App, configFromEnv, createApp } from "../../src/compose.js";
import { type RunningServer, startHttpServer } from "../../src/transports/http/server.js";
import { pathParams } from "../../src/transports/rest/route-table.js";
import { readsQuery } from "../../src/transports/rest/tool-routes.js";
import { TOOLS, type ToolDefinition } from "../../tools/index.js";
import {
  badInstant,
  hugeString,
  propsOf,
  setOwn,
  unknownKey,
  without,
  withPath,
  wrongTypeFor,
} from "../helpers/fuzz-arbitraries.js";
import { makeWorld, NINE_TO_FIVE, type World } from "../helpers/world.js";

const CEO = "ceo@example.com";
const WINDOW = { start: "2026-03-03T14:00:00Z", end: "2026-03-03T22:00:00Z" };
const RUNS = Number(process.env.FUZZ_RUNS ?? 60);

let w: World;
let app: App;
let server: RunningServer;
let key: string;
let bookingId: string;
let calendarId: string;

interface RouteCase {
  /** A valid body (never sent as is: every generated body carries one corruption). */
  readonly base: Record<string, unknown>;
  /** Fields whose removal makes the body invalid. */
  readonly required: readonly string[];
  /** Dotted paths where a malformed instant makes the body invalid. */
  readonly dates: readonly string[];
}

/** One row per POST/PUT tool; a test below fails when a new body tool has no row. */
function cases(): Record<string, RouteCase> {
  return {
    check_availability: {
      base: { owner_email: CEO, duration_minutes: 30, window: WINDOW },
      required: ["owner_email", "duration_minutes", "window"],
      dates: ["window.start", "window.end"],
    },
    create_hold: {
      base: { owner_email: CEO, start: "2026-03-03T15:00:00Z", duration_minutes: 30, window: WINDOW },
      required: ["owner_email", "start", "duration_minutes"],
      dates: ["start", "window.start", "window.end"],
    },
    create_booking: {
      base: { owner_email: CEO, start: "2026-03-03T15:00:00Z", end: "2026-03-03T15:30:00Z", title: "Demo" },
      required: ["owner_email", "start", "end", "title"],
      dates: ["start", "end"],
    },
    preempt: {
      base: { title: "Board prep", start: "2026-03-03T14:00:00Z", end: "2026-03-03T14:30:00Z" },
      // Without end the slot keeps the displaced booking's length (issue 15); without start, end is refused.
      required: ["title", "start"],
      dates: ["start", "end"],
    },
    cancel_booking: { base: { reason: "moved" }, required: [], dates: [] },
    reschedule_booking: {
      base: { start: "2026-03-03T16:00:00Z", duration_minutes: 30 },
      // Without duration_minutes the booking keeps its length (issue 15).
      required: ["start"],
      dates: ["start"],
    },
    find_common_slots: {
      base: { owner_emails: [CEO], duration_minutes: 30, window: WINDOW },
      required: ["owner_emails", "duration_minutes", "window"],
      dates: ["window.start", "window.end"],
    },
    set_availability_rules: {
      base: {
        timezone: "America/New_York",
        working_hours: NINE_TO_FIVE,
        hard_blocks: [{ start: "2026-03-04T14:00:00Z", end: "2026-03-04T15:00:00Z" }],
      },
      required: [],
      dates: ["hard_blocks.0.start", "hard_blocks.0.end"],
    },
    // POST /v1/webhooks is create (the route fixes action); the URL is public https, never contacted here.
    manage_webhooks: {
      base: { url: "https://hooks.example.com/openavail", event_types: ["booking.created", "hold.created"] },
      required: ["url"],
      dates: [],
    },
  };
}

const BODY_TOOLS: readonly ToolDefinition[] = TOOLS.filter((t) => !readsQuery(t.rest));

beforeAll(async () => {
  w = await makeWorld("2026-03-02T12:00:00Z");
  ({ calendarId } = await w.addOwner(CEO, "America/New_York", {
    timezone: "America/New_York",
    working_hours: NINE_TO_FIVE,
  }));
  const agent = await w.addAgent({ name: "fuzzer", defaultClass: "exec_meeting", priority: 9 });
  key = agent.key;
  const booked = await w.call(agent.caller, "create_booking", {
    owner_email: CEO,
    start: "2026-03-03T14:00:00Z",
    duration_minutes: 30,
    title: "Existing",
  });
  bookingId = booked.booking.booking_id;
  const config = configFromEnv(
    {},
    {
      dbPath: w.dbPath,
      databaseUrl: w.databaseUrl,
      now: () => w.clock.now,
      logLevel: "silent",
      rateLimitPerMinute: 0,
      port: 0,
    },
  );
  app = await createApp(config, pino({ level: "silent" }));
  server = await startHttpServer(app);
  await fetch(`${server.url}/v1/me`, { headers: { authorization: `Bearer ${key}` } }); // touches last_used_at once
});
afterAll(async () => {
  await server?.close();
  await w?.close();
});

/** Every table a request could write, apart from api_keys (last_used_at is touched by authentication). */
const TABLES = [
  "owners",
  "calendars",
  "agents",
  "holds",
  "bookings",
  "external_events",
  "decisions",
  "notifications",
  "idempotency",
  "outbox",
  "credentials",
  "admin_tokens",
  "webhook_subscriptions",
  "webhook_deliveries",
];

async function ledgerHash(): Promise<string> {
  const h = createHash("sha256");
  for (const table of TABLES) {
    h.update(table);
    // Every table's first column is its key: one order on either ledger.
    const rows = await sql`SELECT * FROM ${sql.table(table)} ORDER BY 1`.execute(app.ledger.db);
    h.update(JSON.stringify(rows.rows));
  }
  return h.digest("hex");
}

function urlOf(tool: ToolDefinition): string {
  const values: Record<string, string> = { booking_id: bookingId, calendar_id: calendarId };
  return (
    server.url +
    tool.rest.path.replace(/\{([a-z_]+)\}/g, (_m, name: string) => {
      const v = values[name];
      if (v === undefined) throw new Error(`no value for path parameter ${name}`);
      return v;
    })
  );
}

// ---- corruption generators (shared: test/helpers/fuzz-arbitraries.ts) ---------------------------

/** A body with exactly one kind of corruption, labelled for failure messages. */
function corruptBodies(tool: ToolDefinition, c: RouteCase): fc.Arbitrary<[string, Record<string, unknown>]> {
  const props = propsOf(tool);
  const known = [...props.map((p) => p.name), ...pathParams(tool.rest.path)];
  const strings = props.filter((p) => p.kind === "string");
  const nested = Object.entries(c.base).filter(
    ([, v]) => v !== null && typeof v === "object" && !Array.isArray(v),
  );
  const options: fc.Arbitrary<[string, Record<string, unknown>]>[] = [
    fc
      .constantFrom(...props)
      .chain((p) =>
        wrongTypeFor(p.kind).map((v): [string, Record<string, unknown>] => [
          `wrong type ${p.name}`,
          withPath(c.base, p.name, v),
        ]),
      ),
    fc
      .tuple(unknownKey(known), fc.jsonValue({ maxDepth: 2 }))
      .map(([k, v]): [string, Record<string, unknown>] => {
        const body = structuredClone(c.base);
        setOwn(body, k, v); // the key as is: dots in it are part of the name
        return [`unknown ${k}`, body];
      }),
  ];
  if (c.required.length > 0) {
    options.push(
      fc
        .constantFrom(...c.required)
        .map((f): [string, Record<string, unknown>] => [`missing ${f}`, without(c.base, f)]),
    );
  }
  if (strings.length > 0) {
    options.push(
      fc
        .tuple(fc.constantFrom(...strings), hugeString)
        .map(([p, s]): [string, Record<string, unknown>] => [
          `huge ${p.name} (${s.length})`,
          withPath(c.base, p.name, s),
        ]),
    );
  }
  if (c.dates.length > 0) {
    options.push(
      fc
        .tuple(fc.constantFrom(...c.dates), badInstant)
        .map(([d, s]): [string, Record<string, unknown>] => [
          `bad date ${d}=${JSON.stringify(s)}`,
          withPath(c.base, d, s),
        ]),
    );
  }
  if (nested.length > 0) {
    options.push(
      fc
        .tuple(
          fc.constantFrom(...nested.map(([k]) => k)),
          unknownKey(["start", "end", ...Object.keys(AvailabilityRules.shape)]),
          fc.jsonValue({ maxDepth: 1 }),
        )
        .map(([field, k, v]): [string, Record<string, unknown>] => {
          const body = structuredClone(c.base);
          setOwn(body[field] as Record<string, unknown>, k, v);
          return [`unknown ${field}.${k}`, body];
        }),
    );
  }
  return fc.oneof(...options);
}

/** Runs a property; a failure reports the corruption's label and the assertion, not a 1 MB body. */
async function check<T>(property: fc.IAsyncProperty<T>, numRuns: number): Promise<void> {
  await fc.assert(property, {
    numRuns,
    asyncReporter: async (details) => {
      if (!details.failed) return;
      const example = details.counterexample as unknown[] | null;
      const head = example?.[0];
      const label = Array.isArray(head) ? String(head[0]) : JSON.stringify(example).slice(0, 200);
      const why =
        details.errorInstance instanceof Error
          ? details.errorInstance.message
          : String(details.errorInstance);
      throw new Error(`counterexample ${label} (seed ${details.seed}): ${why.slice(0, 600)}`);
    },
  });
}

async function post(tool: ToolDefinition, body: string, contentType = "application/json") {
  const res = await fetch(urlOf(tool), {
    method: tool.rest.method,
    headers: { authorization: `Bearer ${key}`, "content-type": contentType },
    body,
  });
  const text = await res.text();
  return { status: res.status, text };
}

function expectRefusal(label: string, reply: { status: number; text: string }, mustNameField: boolean): void {
  expect(reply.status, `${label}: ${reply.text.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
  expect(reply.status, `${label}: ${reply.text.slice(0, 300)}`).toBeLessThan(500);
  const body = JSON.parse(reply.text);
  expect(ErrorBody.strict().safeParse(body).success, label).toBe(true);
  if (mustNameField) {
    const fields = (body.details ?? []).map((d: { field: string }) => d.field);
    expect(
      fields.some((f: string) => f !== ""),
      `${label}: no field named in ${reply.text.slice(0, 300)}`,
    ).toBe(true);
  }
}

describe("fuzzed bodies on every POST/PUT tool route", () => {
  it("has a case for every body tool", () => {
    expect(Object.keys(cases()).sort()).toEqual(BODY_TOOLS.map((t) => t.name).sort());
  });

  for (const tool of BODY_TOOLS) {
    it(`${tool.rest.method} ${tool.rest.path} (${tool.name}) refuses every corrupted body and writes nothing`, async () => {
      const c = cases()[tool.name]!;
      const parsed = tool.input.safeParse({
        ...c.base,
        ...tool.rest.fixed,
        booking_id: bookingId,
        calendar_id: calendarId,
      });
      // The base, with the fields the route sets, is valid apart from path parameters the tool does not take.
      expect(parsed.success || parsed.error.issues.every((i) => i.code === "unrecognized_keys")).toBe(true);
      const before = await ledgerHash();
      const protoKeys = Object.getOwnPropertyNames(Object.prototype).length;
      await check(
        fc.asyncProperty(corruptBodies(tool, c), async ([label, body]) => {
          const reply = await post(tool, JSON.stringify(body));
          expectRefusal(label, reply, true);
          expect(await ledgerHash(), `${label} changed the database`).toBe(before);
          expect(Object.getOwnPropertyNames(Object.prototype).length).toBe(protoKeys);
          expect(({} as Record<string, unknown>)["isAdmin"]).toBeUndefined();
        }),
        RUNS,
      );
    });
  }

  it("refuses non-object JSON, malformed JSON and non-JSON media types on every body route", async () => {
    const before = await ledgerHash();
    const notObject = fc
      .jsonValue({ maxDepth: 2 })
      .filter((v) => v === null || typeof v !== "object" || Array.isArray(v))
      .map((v) => JSON.stringify(v));
    const malformed = fc.string({ minLength: 1, maxLength: 60 }).filter((s) => {
      try {
        JSON.parse(s);
        return false;
      } catch {
        return true;
      }
    });
    await check(
      fc.asyncProperty(fc.constantFrom(...BODY_TOOLS), fc.oneof(notObject, malformed), async (tool, text) => {
        expectRefusal(`${tool.name} ${text}`, await post(tool, text), false);
      }),
      RUNS * 2,
    );
    await check(
      fc.asyncProperty(
        fc.constantFrom(...BODY_TOOLS),
        fc.constantFrom(
          "text/plain",
          "application/xml",
          "multipart/form-data; boundary=x",
          "application/jsonp",
        ),
        async (tool, type) => {
          const reply = await post(tool, JSON.stringify(cases()[tool.name]!.base), type);
          expect(reply.status).toBe(415);
        },
      ),
      20,
    );
    expect(await ledgerHash()).toBe(before);
  });

  it("writes nothing for a __proto__ body that would otherwise be valid", async () => {
    const before = await ledgerHash();
    const tool = TOOLS.find((t) => t.name === "create_booking")!;
    const base = JSON.stringify(cases()["create_booking"]!.base);
    const text = `{"__proto__":{"isAdmin":true,"title":"injected"},${base.slice(1)}`;
    const reply = await post(tool, text);
    expectRefusal("__proto__", reply, true);
    expect(JSON.parse(reply.text).details[0].field).toBe("__proto__");
    expect(({} as Record<string, unknown>)["isAdmin"]).toBeUndefined();
    expect(await ledgerHash()).toBe(before);
  });
});
