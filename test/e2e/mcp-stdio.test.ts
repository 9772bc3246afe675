// End to end over stdio: real `openavail mcp` child processes, driven by the SDK's Client, sharing one
// SQLite file with the test (WAL), which reads the ledger directly to check what the processes did.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toInstant } from "../../schemas/time.js";
import { setAgentStatus } from "../../src/service/agents-admin.js";
import { REPLAYED_META_KEY } from "../../src/transports/mcp/create-mcp-server.js";
import { listedSchema } from "../../src/transports/mcp/tool-list.js";
import { findTool, TOOLS } from "../../tools/index.js";
import { findOverlaps } from "../helpers/invariants.js";
import { childEnv, openStdioSession, type Session, textOf } from "../helpers/mcp-stdio-session.js";
import { makeWorld, type World } from "../helpers/world.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
// Stand-in for src/cli/main.ts, so these tests do not depend on every other command being in place.
const ENTRY = fileURLToPath(new URL("./mcp-cli-entry.ts", import.meta.url));
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** 14:00 UTC a week from today: the child processes run on the real clock, so slots must be ahead of it. */
const T0 = Math.floor(Date.now() / DAY) * DAY + 7 * DAY + 14 * HOUR;
const at = (ms: number) => toInstant(ms);

async function openSession(w: World, key: string): Promise<Session> {
  return openStdioSession(
    ["--import", "tsx", ENTRY, "mcp"],
    { OPENAVAIL_API_KEY: key, OPENAVAIL_DB: w.dbPath },
    REPO,
  );
}

/** The body of a successful call, after checking it against the registry's output schema. */
function bodyOf(name: string, res: CallToolResult): Record<string, any> {
  expect(res.isError, textOf(res)).toBeFalsy();
  const parsed = findTool(name)!.output.safeParse(res.structuredContent);
  expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
  const text = textOf(res);
  expect(JSON.parse(text.slice(text.indexOf("\n") + 1))).toEqual(res.structuredContent);
  return res.structuredContent as Record<string, any>;
}

function errorOf(res: CallToolResult): Record<string, any> {
  expect(res.isError).toBe(true);
  expect(res.structuredContent).toBeUndefined();
  return JSON.parse(textOf(res));
}

/** Runs the command to completion with `input` on stdin. */
function runCommand(
  env: Record<string, string>,
  input = "",
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", ENTRY, "mcp"], {
      cwd: REPO,
      env: childEnv(env),
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

let w: World;
let ops: { calendarId: string };
let sales: { agentId: string; key: string };
let exec: { agentId: string; key: string };
let salesSession: Session;
let execSession: Session;

beforeAll(async () => {
  w = await makeWorld(new Date().toISOString());
  await w.addOwner("ceo@example.com", "UTC");
  ops = await w.addOwner("ops@example.com", "UTC");
  sales = await w.addAgent({
    name: "sales bot",
    scopes: ["read_freebusy", "read_events", "create_holds", "create_bookings"],
    defaultClass: "external_customer_call",
  });
  exec = await w.addAgent({ name: "exec assistant", defaultClass: "exec_meeting", priority: 5 });
  [salesSession, execSession] = await Promise.all([openSession(w, sales.key), openSession(w, exec.key)]);
}, 60_000);

afterAll(async () => {
  await Promise.all([salesSession?.close(), execSession?.close()]);
  await w?.close();
});

describe("openavail mcp over stdio", () => {
  it("lists every registry tool with its schemas, annotations and descriptions", () => {
    const listed = new Map(execSession.tools.map((t) => [t.name, t]));
    expect([...listed.keys()].sort()).toEqual(TOOLS.map((t) => t.name).sort());
    for (const tool of TOOLS) {
      const l = listed.get(tool.name)!;
      expect(l.title).toBe(tool.title);
      expect(l.description).toBe(tool.description);
      expect(l.annotations).toEqual({ title: tool.title, ...tool.annotations });
      expect(l.inputSchema).toEqual(listedSchema(tool.input, "input"));
      expect(l.outputSchema).toEqual(listedSchema(tool.output, "output"));
      expect(l.outputSchema?.type).toBe("object");
    }
  });

  it("calls every tool with valid arguments and returns structuredContent", async () => {
    const called = new Set<string>();
    const call = async (s: Session, name: string, args: Record<string, unknown> = {}) => {
      called.add(name);
      return bodyOf(name, await s.call(name, args));
    };
    const day = T0 + 1 * DAY;
    const window = { start: at(day), end: at(day + 4 * HOUR) };

    expect((await call(execSession, "whoami")).agent_id).toBe(exec.agentId);
    const set = await call(execSession, "set_availability_rules", {
      calendar_id: ops.calendarId,
      timezone: "UTC",
      buffer_after_minutes: 0,
    });
    expect(set.timezone).toBe("UTC");
    expect((await call(execSession, "get_availability_rules", { calendar_id: ops.calendarId })).id).toBe(
      set.id,
    );
    const checked = await call(execSession, "check_availability", {
      owner_email: "ops@example.com",
      duration_minutes: 30,
      window,
    });
    expect(checked.verdict).toBe("Accept");
    expect(checked.slots[0].start).toBe(at(day));
    expect((await call(execSession, "release_hold", { hold_id: checked.hold.hold_id })).hold.status).toBe(
      "released",
    );
    const held = await call(execSession, "create_hold", {
      owner_email: "ops@example.com",
      start: at(day + HOUR),
      duration_minutes: 30,
    });
    expect(held.verdict).toBe("Accept");
    const holds = await call(execSession, "list_holds", { owner_email: "ops@example.com" });
    expect(holds.holds.map((h: any) => h.hold_id)).toEqual([held.hold.hold_id]);
    const booked = await call(execSession, "create_booking", {
      hold_id: held.hold.hold_id,
      title: "Ops review",
    });
    expect(booked.verdict).toBe("Accept");
    const moved = await call(execSession, "reschedule_booking", {
      booking_id: booked.booking.booking_id,
      start: at(day + 2 * HOUR),
      end: at(day + 2 * HOUR + 30 * MINUTE),
    });
    expect(moved.verdict).toBe("Accept");
    expect(moved.booking.start).toBe(at(day + 2 * HOUR));
    const listed = await call(execSession, "list_bookings", { owner_email: "ops@example.com" });
    expect(listed.bookings.map((b: any) => b.booking_id)).toContain(booked.booking.booking_id);
    const one = await call(execSession, "get_booking", { booking_id: booked.booking.booking_id });
    expect(one.booking).toEqual(moved.booking);
    const busy = await call(execSession, "get_free_busy", {
      owner_email: "ops@example.com",
      window: { start: window.start, end: window.end },
    });
    expect(busy.busy).toContainEqual({ start: at(day + 2 * HOUR), end: at(day + 2 * HOUR + 30 * MINUTE) });
    const common = await call(execSession, "find_common_slots", {
      owner_emails: ["ops@example.com", "ceo@example.com"],
      duration_minutes: 30,
      window,
    });
    expect(common.slots.length).toBeGreaterThan(0);

    // The explicit preempt: exec displaces a booking the sales bot just made.
    const victim = await call(salesSession, "create_booking", {
      owner_email: "ops@example.com",
      start: at(day + 3 * HOUR),
      duration_minutes: 30,
      title: "Customer call",
    });
    expect(victim.verdict).toBe("Accept");
    const taken = await call(execSession, "preempt", {
      booking_id: victim.booking.booking_id,
      title: "Board prep",
    });
    expect(taken.verdict).toBe("Preempt");
    expect(taken.displaced.map((d: any) => d.id)).toEqual([victim.booking.booking_id]);

    expect(
      (
        await call(execSession, "cancel_booking", {
          booking_id: taken.booking.booking_id,
          reason: "Board prep moved online",
        })
      ).booking.status,
    ).toBe("cancelled");
    expect(
      (await call(execSession, "delete_availability_rules", { calendar_id: ops.calendarId })).deleted,
    ).toBe(true);
    // Webhooks over stdio too: made with the secret shown once, listed, deleted.
    const hook = await call(execSession, "manage_webhooks", {
      action: "create",
      url: "https://hooks.example.com/openavail",
      event_types: ["booking.preempted"],
    });
    expect(hook.secret).toMatch(/^whsec_/);
    const hooks = await call(execSession, "manage_webhooks", { action: "list" });
    expect(hooks.webhooks.map((h: any) => h.webhook_id)).toEqual([hook.webhook.webhook_id]);
    expect(
      (await call(execSession, "manage_webhooks", { action: "delete", webhook_id: hook.webhook.webhook_id }))
        .deleted,
    ).toBe(true);
    const notes = await call(salesSession, "get_notifications");
    expect(notes.notifications.map((n: any) => n.type)).toContain("booking.preempted");
    // Cancelling the booking that displaced the sales bot's tells it the time may be free again, and why.
    expect(notes.notifications).toContainEqual(
      expect.objectContaining({
        type: "booking.slot_freed",
        booking_id: victim.booking.booking_id,
        reason: "Board prep moved online",
      }),
    );
    expect([...called].sort()).toEqual(TOOLS.map((t) => t.name).sort());
  });

  it("answers a bad request with the error object, naming the field", async () => {
    const bad = errorOf(
      await salesSession.call("create_booking", {
        owner_email: "not-an-email",
        start: at(T0),
        duration_minutes: 3,
        title: "x",
      }),
    );
    expect(bad.error).toBe("bad_request");
    expect(bad.message).toContain("owner_email");
    expect(bad.details.map((d: any) => d.field)).toEqual(["owner_email", "duration_minutes"]);

    const unknown = errorOf(await salesSession.call("whoami", { verbose: true }));
    expect(unknown).toMatchObject({ error: "bad_request", details: [{ field: "verbose" }] });

    const forbidden = errorOf(
      await salesSession.call("preempt", { booking_id: "bkg_0123456789", title: "x" }),
    );
    expect(forbidden.error).toBe("forbidden");
    expect(forbidden.message).toContain("preempt");
  });

  it("replays a write with the same idempotency_key byte for byte", async () => {
    const args = {
      owner_email: "ops@example.com",
      start: at(T0 + 2 * DAY),
      duration_minutes: 30,
      title: "Once",
      idempotency_key: "e2e-once",
    };
    const first = await salesSession.call("create_booking", args);
    const second = await salesSession.call("create_booking", args);
    expect(bodyOf("create_booking", first).verdict).toBe("Accept");
    expect(textOf(second)).toBe(textOf(first));
    expect(second._meta?.[REPLAYED_META_KEY]).toBe(true);
    expect(first._meta?.[REPLAYED_META_KEY]).toBeUndefined();
  });

  it("runs the seed scenario: preempted by the exec assistant, the sales bot learns of it with a landing hold", async () => {
    const slot = { start: at(T0), end: at(T0 + 30 * MINUTE) };
    const check = bodyOf(
      "check_availability",
      await salesSession.call("check_availability", {
        owner_email: "ceo@example.com",
        duration_minutes: 30,
        window: { start: at(T0), end: at(T0 + 4 * HOUR) },
      }),
    );
    expect(check.hold).toMatchObject(slot);
    const demo = bodyOf(
      "create_booking",
      await salesSession.call("create_booking", { hold_id: check.hold.hold_id, title: "Demo" }),
    );
    expect(demo.verdict).toBe("Accept");
    expect(demo.booking).toMatchObject({ ...slot, meeting_class: "external_customer_call" });

    const board = bodyOf(
      "create_booking",
      await execSession.call("create_booking", {
        owner_email: "ceo@example.com",
        ...slot,
        meeting_class: "exec_meeting",
        title: "Board prep",
      }),
    );
    expect(board.verdict).toBe("Preempt");
    expect(board.displaced).toMatchObject([{ kind: "booking", id: demo.booking.booking_id }]);

    const next = await salesSession.call("whoami");
    expect(textOf(next)).toContain("pending notification (booking.preempted)");
    const [note, ...rest] = bodyOf("whoami", next).pending_notifications;
    expect(rest).toEqual([]);
    expect(note).toMatchObject({
      type: "booking.preempted",
      booking_id: demo.booking.booking_id,
      winner_class: "exec_meeting",
      landing_hold: { agent_id: sales.agentId, status: "active", owner_email: "ceo@example.com" },
    });
    const landing = note.landing_hold;
    expect(Date.parse(landing.end) <= T0 || Date.parse(landing.start) >= T0 + 30 * MINUTE).toBe(true);
    const confirmed = bodyOf(
      "create_booking",
      await salesSession.call("create_booking", { hold_id: landing.hold_id, title: "Demo (moved)" }),
    );
    expect(confirmed.verdict).toBe("Accept");
    expect(bodyOf("get_notifications", await salesSession.call("get_notifications")).notifications).toEqual(
      [],
    );
  });

  it("writes only protocol to stdout and its logs to stderr", async () => {
    const lines = [
      {
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: {
          protocolVersion: "2025-06-18",
          capabilities: {},
          clientInfo: { name: "raw", version: "1" },
        },
      },
      { jsonrpc: "2.0", method: "notifications/initialized" },
      { jsonrpc: "2.0", id: 2, method: "tools/list" },
      {
        jsonrpc: "2.0",
        id: 3,
        method: "tools/call",
        params: {
          name: "check_availability",
          arguments: {
            owner_email: "ops@example.com",
            duration_minutes: 30,
            hold: false,
            window: { start: at(T0 + 3 * DAY), end: at(T0 + 3 * DAY + HOUR) },
          },
        },
      },
      { jsonrpc: "2.0", id: 4, method: "tools/call", params: { name: "whoami", arguments: { x: 1 } } },
    ];
    // stdin ends right after the last request: the answers must still come.
    const run = await runCommand(
      { OPENAVAIL_API_KEY: exec.key, OPENAVAIL_DB: w.dbPath },
      lines.map((l) => JSON.stringify(l)).join("\n") + "\n",
    );
    expect(run.code).toBe(0);
    const out = run.stdout.split("\n").filter((l) => l !== "");
    // Calls run concurrently, so answers may come in any order.
    const messages = out.map((l) => JSON.parse(l)).sort((x, y) => x.id - y.id);
    expect(messages.every((m) => m.jsonrpc === "2.0")).toBe(true);
    expect(messages.map((m) => m.id)).toEqual([1, 2, 3, 4]);
    expect(messages[2].result.structuredContent.verdict).toBe("Accept");
    expect(messages[3].result.isError).toBe(true);

    const logs = run.stderr
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l));
    expect(logs.map((l) => l.msg)).toEqual(
      expect.arrayContaining(["mcp stdio session started", "decision", "mcp stdio session ended"]),
    );
    expect(run.stderr).not.toContain(exec.key);
    // The SDK-driven sessions saw nothing on stdout that was not a JSON-RPC message.
    expect([...salesSession.errors, ...execSession.errors]).toEqual([]);
  }, 60_000);

  it("exits 2 with a clear message when the key is missing, malformed, unknown or its agent disabled", async () => {
    const other = await makeWorld(new Date().toISOString());
    const stranger = await other.addAgent({ name: "elsewhere" });
    await other.close();
    const gone = await w.addAgent({ name: "retired" });
    await setAgentStatus(w.app.ledger.db, gone.agentId, "disabled", Date.now());
    const db = w.dbPath;
    const [missing, malformed, unknown, disabled, noDb] = await Promise.all([
      runCommand({ OPENAVAIL_DB: db }),
      runCommand({ OPENAVAIL_API_KEY: "ak_nope", OPENAVAIL_DB: db }),
      runCommand({ OPENAVAIL_API_KEY: stranger.key, OPENAVAIL_DB: db }),
      runCommand({ OPENAVAIL_API_KEY: gone.key, OPENAVAIL_DB: db }),
      runCommand({ OPENAVAIL_API_KEY: exec.key, OPENAVAIL_DB: `${w.dir}/missing.db` }),
    ]);
    const expected = [
      [missing, "OPENAVAIL_API_KEY is not set"],
      [malformed, "not a valid Openavail API key"],
      [unknown, "Unknown API key"],
      [disabled, "is disabled"],
      [noDb, "no database at"],
    ] as const;
    for (const [run, message] of expected) {
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr.startsWith("openavail mcp: ")).toBe(true);
      expect(run.stderr).toContain(message);
      expect(run.stdout).toBe("");
    }
  }, 60_000);

  it("refuses the next call at once when the agent is disabled mid-session", async () => {
    const temp = await w.addAgent({ name: "temp" });
    const session = await openSession(w, temp.key);
    try {
      expect(bodyOf("whoami", await session.call("whoami")).agent_id).toBe(temp.agentId);
      await setAgentStatus(w.app.ledger.db, temp.agentId, "disabled", Date.now());
      expect(errorOf(await session.call("whoami"))).toMatchObject({ error: "unauthorized" });
    } finally {
      await session.close();
      // It ended the session because stdin ended, not because the client's SIGTERM (after 2 s) aborted it.
      expect(session.stderr()).toContain('"reason":"stdin ended"');
    }
  }, 60_000);

  it("never double-books when two agents race from two processes on one database", async () => {
    await w.addOwner("race@example.com", "UTC");
    const racer = { scopes: ["read_freebusy", "create_holds", "create_bookings"] as const };
    const a = await w.addAgent({ name: "racer a", scopes: [...racer.scopes] });
    const b = await w.addAgent({ name: "racer b", scopes: [...racer.scopes] });
    const [sa, sb] = await Promise.all([openSession(w, a.key), openSession(w, b.key)]);
    try {
      const base = T0 + 4 * DAY;
      // 10 starts 15 minutes apart, 30-minute meetings: every slot overlaps its neighbours.
      const fire = (s: Session, i: number) =>
        s.call("create_booking", {
          owner_email: "race@example.com",
          start: at(base + (i % 10) * 15 * MINUTE),
          duration_minutes: 30,
          title: `race ${i}`,
        });
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => [fire(sa, i), fire(sb, 19 - i)]).flat(),
      );
      const bodies = results.map((r) => bodyOf("create_booking", r));
      const accepted = bodies.filter((r) => r.verdict === "Accept");
      expect(accepted.length).toBeGreaterThan(0);
      expect(bodies.every((r) => r.verdict === "Accept" || r.verdict === "CounterPropose")).toBe(true);
      expect(await findOverlaps(w.app.ledger.db, Date.now())).toEqual([]);
      const rows = await w.app.ledger.db
        .selectFrom("bookings")
        .innerJoin("owners", "owners.id", "bookings.owner_id")
        .select("bookings.id")
        .where("owners.email", "=", "race@example.com")
        .where("bookings.status", "=", "confirmed")
        .execute();
      expect(rows.map((r) => r.id).sort()).toEqual(accepted.map((r) => r.booking.booking_id).sort());
    } finally {
      await Promise.all([sa.close(), sb.close()]);
    }
  }, 60_000);
});
