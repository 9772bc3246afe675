// Authorization matrix (DESIGN.md sections 2 and 7): every tool in the registry x every subset of
// the six scopes x owner allowed / not allowed. A call is allowed exactly when the caller holds every
// scope the tool declares and, for tools that act on an owner, may act on that owner; otherwise it
// is `forbidden` (403) — whatever other scopes it holds. One exception: an id of someone else's object
// on an owner the caller may not act on (a preemption target, a calendar) is `not_found`, exactly as
// a made-up id, so ids cannot be probed (test/service/id-probing.test.ts).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAgent } from "../../src/service/admin.js";
import { callerOf } from "../../src/service/authenticate.js";
import { type Caller, SCOPES, type Scope } from "../../src/service/caller.js";
import { TOOLS } from "../../tools/index.js";
import { makeWorld, type World } from "../helpers/world.js";

const OWNER = "ceo@example.com";
const HOUR = 3_600_000;
/** Each matrix agent gets its own 4-hour block for its fixtures, from Tuesday 2026-03-10 00:00Z. */
const BLOCK_BASE = Date.parse("2026-03-10T00:00:00Z");
const iso = (ms: number) => new Date(ms).toISOString();

/** Every subset of the scopes, as bitmasks 0..63. */
const SUBSETS: Scope[][] = Array.from({ length: 2 ** SCOPES.length }, (_, mask) =>
  SCOPES.filter((_, i) => mask & (1 << i)),
);

interface Cell {
  readonly caller: Caller;
  readonly scopes: readonly Scope[];
  readonly ownerAllowed: boolean;
  readonly holdId: string;
  readonly rescheduleId: string;
  readonly cancelId: string;
  readonly block: number;
  /** A calendar of OWNER's of this cell's own: set creates its rules, get reads them, delete removes them. */
  readonly calendarId: string;
}

/** Arguments for one call of `tool` by `cell`; `needsOwner` says whether the call acts on OWNER. */
interface Case {
  readonly label: string;
  readonly tool: string;
  readonly needsOwner: boolean;
  /** The call names another agent's object by id: on a foreign owner it is not found, not forbidden. */
  readonly byForeignId?: true;
  readonly args: (cell: Cell) => Record<string, unknown>;
}

let w: World;
let victimId: string;
const cells: Cell[] = [];

const CASES: Case[] = [
  {
    label: "check_availability",
    tool: "check_availability",
    needsOwner: true,
    args: () => ({
      owner_email: OWNER,
      duration_minutes: 30,
      window: { start: "2026-04-01T00:00:00Z", end: "2026-04-02T00:00:00Z" },
    }),
  },
  {
    label: "create_hold",
    tool: "create_hold",
    needsOwner: true,
    args: (c) => ({ owner_email: OWNER, start: iso(c.block + 3 * HOUR), duration_minutes: 30 }),
  },
  { label: "release_hold", tool: "release_hold", needsOwner: true, args: (c) => ({ hold_id: c.holdId }) },
  {
    label: "list_holds (one owner)",
    tool: "list_holds",
    needsOwner: true,
    args: () => ({ owner_email: OWNER }),
  },
  { label: "list_holds (every owner)", tool: "list_holds", needsOwner: false, args: () => ({}) },
  {
    label: "create_booking",
    tool: "create_booking",
    needsOwner: true,
    args: (c) => ({
      owner_email: OWNER,
      start: iso(c.block + 3.5 * HOUR),
      duration_minutes: 30,
      title: "Matrix",
    }),
  },
  {
    label: "preempt",
    tool: "preempt",
    needsOwner: true,
    byForeignId: true,
    args: () => ({ booking_id: victimId, title: "Take over" }),
  },
  {
    label: "cancel_booking",
    tool: "cancel_booking",
    needsOwner: true,
    args: (c) => ({ booking_id: c.cancelId }),
  },
  {
    label: "reschedule_booking",
    tool: "reschedule_booking",
    needsOwner: true,
    args: (c) => ({ booking_id: c.rescheduleId, start: iso(c.block + 0.5 * HOUR), duration_minutes: 30 }),
  },
  {
    label: "list_bookings (one owner)",
    tool: "list_bookings",
    needsOwner: true,
    args: () => ({ owner_email: OWNER }),
  },
  { label: "list_bookings (every owner)", tool: "list_bookings", needsOwner: false, args: () => ({}) },
  {
    label: "get_booking",
    tool: "get_booking",
    needsOwner: true,
    byForeignId: true,
    args: () => ({ booking_id: victimId }),
  },
  {
    label: "get_free_busy",
    tool: "get_free_busy",
    needsOwner: true,
    args: () => ({
      owner_email: OWNER,
      window: { start: "2026-03-10T00:00:00Z", end: "2026-03-11T00:00:00Z" },
    }),
  },
  {
    label: "find_common_slots",
    tool: "find_common_slots",
    needsOwner: true,
    args: () => ({
      owner_emails: [OWNER],
      duration_minutes: 30,
      window: { start: "2026-04-01T00:00:00Z", end: "2026-04-02T00:00:00Z" },
    }),
  },
  {
    label: "set_availability_rules",
    tool: "set_availability_rules",
    needsOwner: true,
    byForeignId: true,
    args: (cell) => ({ calendar_id: cell.calendarId, buffer_after_minutes: 5 }),
  },
  {
    label: "get_availability_rules",
    tool: "get_availability_rules",
    needsOwner: true,
    byForeignId: true,
    args: (cell) => ({ calendar_id: cell.calendarId }),
  },
  {
    label: "delete_availability_rules",
    tool: "delete_availability_rules",
    needsOwner: true,
    byForeignId: true,
    args: (cell) => ({ calendar_id: cell.calendarId }),
  },
  { label: "get_notifications", tool: "get_notifications", needsOwner: false, args: () => ({}) },
  { label: "whoami", tool: "whoami", needsOwner: false, args: () => ({}) },
  { label: "manage_webhooks", tool: "manage_webhooks", needsOwner: false, args: () => ({ action: "list" }) },
];

beforeAll(async () => {
  w = await makeWorld("2026-03-02T12:00:00Z", ":memory:");
  await w.addOwner(OWNER, "UTC");
  await w.addOwner("other@example.com", "UTC");
  const db = w.app.ledger.db;

  // An exec_meeting (not preemptible) booking nobody can displace: preempt answers Reject, not an error.
  const incumbent = await w.addAgent({ name: "incumbent", defaultClass: "exec_meeting" });
  const victim = await w.call(incumbent.caller, "create_booking", {
    owner_email: OWNER,
    start: "2026-03-09T15:00:00Z",
    duration_minutes: 30,
    title: "Board",
  });
  victimId = victim.booking.booking_id;

  let i = 0;
  for (const ownerAllowed of [true, false]) {
    for (const scopes of SUBSETS) {
      const row = await createAgent(
        db,
        {
          name: `m${i}`,
          scopes,
          owners: ownerAllowed ? [OWNER] : ["other@example.com"],
        },
        w.clock.now,
      );
      const caller = callerOf(row, null);
      // Fixtures are made by the same agent id with every power, so a denial below can only come
      // from the scopes and owners under test, never from "not your hold".
      const setup: Caller = { ...caller, scopes: new Set(SCOPES), owners: "*" };
      const block = BLOCK_BASE + i * 4 * HOUR;
      const book = async (offsetH: number) =>
        (
          await w.call(setup, "create_booking", {
            owner_email: OWNER,
            start: iso(block + offsetH * HOUR),
            duration_minutes: 30,
            title: "fixture",
          })
        ).booking.booking_id as string;
      const hold = await w.call(setup, "create_hold", {
        owner_email: OWNER,
        start: iso(block),
        duration_minutes: 30,
        ttl_seconds: 3600,
      });
      cells.push({
        caller,
        scopes,
        ownerAllowed,
        holdId: hold.hold.hold_id,
        rescheduleId: await book(1),
        cancelId: await book(2),
        block,
        calendarId: (await w.addOwner(OWNER, "UTC", null, `cell${i}`)).calendarId,
      });
      i++;
    }
  }
}, 120_000);

afterAll(async () => w.close());

describe("the matrix covers the registry", () => {
  it("has a case for every tool in TOOLS", () => {
    expect(new Set(CASES.map((c) => c.tool))).toEqual(new Set(TOOLS.map((t) => t.name)));
  });
});

describe.each(CASES)("$label", (kase) => {
  const tool = TOOLS.find((t) => t.name === kase.tool)!;

  for (const ownerAllowed of [true, false]) {
    it(`${ownerAllowed ? "owner allowed" : "owner not allowed"}: allowed iff scopes ⊇ [${tool.scopes.join(", ")}]${
      kase.needsOwner && !ownerAllowed ? " — never" : ""
    }`, async () => {
      const mismatches: string[] = [];
      for (const cell of cells.filter((c) => c.ownerAllowed === ownerAllowed)) {
        const hasScopes = tool.scopes.every((s) => cell.scopes.includes(s));
        const ownerOk = !kase.needsOwner || cell.ownerAllowed;
        const expectAllowed = hasScopes && ownerOk;
        const res = await w.call(cell.caller, kase.tool, kase.args(cell));
        const got = res.isError ? `${res.error}` : "allowed";
        const hidden = hasScopes && !ownerOk && kase.byForeignId;
        const want = expectAllowed ? "allowed" : hidden ? "not_found" : "forbidden";
        if (got !== want)
          mismatches.push(`[${cell.scopes.join(",")}]: expected ${want}, got ${got} (${res.message ?? ""})`);
        if (res.isError && res.error === "forbidden") expect(res.message).toMatch(/\S/);
      }
      expect(mismatches).toEqual([]);
    });
  }
});

describe("forbidden errors", () => {
  it("name the missing scope and map to HTTP 403", async () => {
    const cell = cells.find((c) => c.ownerAllowed && c.scopes.length === 0)!;
    const res = await w.call(cell.caller, "create_booking", {
      owner_email: OWNER,
      start: "2026-03-20T10:00:00Z",
      duration_minutes: 30,
      title: "x",
    });
    expect(res).toMatchObject({ isError: true, error: "forbidden" });
    expect(res.message).toContain("create_bookings");
  });

  it("refuse an owner outside the allowed list even with every scope, naming the owner", async () => {
    const cell = cells.find((c) => !c.ownerAllowed && c.scopes.length === SCOPES.length)!;
    const res = await w.call(cell.caller, "get_free_busy", {
      owner_email: OWNER,
      window: { start: "2026-03-10T00:00:00Z", end: "2026-03-11T00:00:00Z" },
    });
    expect(res).toMatchObject({ isError: true, error: "forbidden" });
    expect(res.message).toContain(OWNER);
  });

  it("reveal nothing about unknown owners to an agent not allowed on them", async () => {
    const cell = cells.find((c) => !c.ownerAllowed && c.scopes.length === SCOPES.length)!;
    const res = await w.call(cell.caller, "get_free_busy", {
      owner_email: "nobody@example.com",
      window: { start: "2026-03-10T00:00:00Z", end: "2026-03-11T00:00:00Z" },
    });
    expect(res.error).toBe("forbidden");
  });
});

describe("DESIGN.md section 2: forbidden whatever its scopes", () => {
  // Regression (issue 4 scope matrix): release_hold once acted on the hold's owner without the owner check.
  it("release_hold refuses an agent whose allowed owners no longer include the hold's owner", async () => {
    const cell = cells.find((c) => !c.ownerAllowed && c.scopes.length === SCOPES.length)!;
    const setup: Caller = { ...cell.caller, scopes: new Set(SCOPES), owners: "*" };
    const hold = await w.call(setup, "create_hold", {
      owner_email: OWNER,
      start: iso(cell.block + 3 * HOUR + 30 * 60_000),
      duration_minutes: 15,
    });
    const res = await w.call(cell.caller, "release_hold", { hold_id: hold.hold.hold_id });
    expect(res.error).toBe("forbidden");
  });
});
