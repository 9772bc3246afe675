// A CalDAV calendar end to end, as an operator runs it: a real Radicale server, `openavail connect
// caldav` as a process with the app password piped on stdin, `openavail serve` as a process, an agent
// booking over REST, then the owner adding their own event in their calendar app: the next verdict
// (REST and MCP) respects it, the agent's booking becomes needs_reschedule, and its event leaves the
// owner's calendar.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/run-cli.js";
import { type Radicale, startRadicale, vevent } from "../helpers/radicale.js";
import { listeningUrl } from "../helpers/serve-process.js";
import { capture } from "./google-world.js";

const ROOT = join(import.meta.dirname, "../..");
const MAIN = join(ROOT, "src/cli/main.ts");
const OWNER = "ana@example.com";
const ENV = {
  ...process.env,
  OPENAVAIL_LOG_LEVEL: "silent",
  OPENAVAIL_PORT: "",
  OPENAVAIL_SECRET_KEY: "22".repeat(32),
};

let radicale: Radicale;
let dir: string;
let db: string;
let calendarUrl: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  radicale = await startRadicale({ username: OWNER, password: "app pass with spaces " });
  calendarUrl = await radicale.makeCalendar("work", { displayName: "Work" });
  dir = mkdtempSync(join(tmpdir(), "openavail-caldav-e2e-"));
  db = join(dir, "openavail.db");
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  await radicale?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `openavail ...` (src/cli/main.ts) as a process, writing `stdin` to it. */
function openavail(
  args: string[],
  stdin = "",
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], { cwd: ROOT, env: ENV });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

/** An admin command in-process, on the same database. */
async function admin(args: string[]): Promise<string> {
  const out = capture();
  const err = capture();
  const code = await runCli([...args, "--db", db, "--json"], { env: ENV, stdout: out, stderr: err });
  if (code !== 0) throw new Error(`openavail ${args.join(" ")}: ${err.text()}`);
  return out.text();
}

/** Checks `probe` every 100 ms until it returns a value, for state another process changes on its own clock. */
async function eventually<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("a CalDAV calendar, from connect to a needs_reschedule", () => {
  it("connects with the app password from stdin, then serves verdicts that respect the owner's own events", async () => {
    // The owner's existing appointment, already in the calendar before Openavail is connected.
    const day = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
    const at = (hhmm: string) => `${day}T${hhmm}:00Z`;
    const ics = (hhmm: string) => `${day.replace(/-/g, "")}T${hhmm.replace(":", "")}00Z`;
    await radicale.putEvent(
      calendarUrl,
      "dentist.ics",
      vevent([
        "UID:dentist",
        "DTSTAMP:20260101T000000Z",
        `DTSTART:${ics("09:00")}`,
        `DTEND:${ics("10:00")}`,
        "SUMMARY:Dentist",
      ]),
    );

    // The password never appears on the command line: it is piped in.
    const connected = await openavail(
      [
        "connect",
        "caldav",
        "--owner",
        OWNER,
        "--url",
        calendarUrl,
        "--username",
        OWNER,
        "--timezone",
        "Europe/Lisbon",
        "--db",
        db,
        "--json",
      ],
      "app pass with spaces \n",
    );
    expect(connected.code, connected.stderr).toBe(0);
    const result = JSON.parse(connected.stdout);
    expect(result).toMatchObject({
      owner: { email: OWNER, timezone: "Europe/Lisbon", created: true },
      credential: { account: `${OWNER} on ${new URL(calendarUrl).host}`, reused: false },
      calendars: [
        { calendar_type: "work", external_id: calendarUrl, action: "created", sync: { ok: true, events: 1 } },
      ],
    });
    expect(connected.stdout + connected.stderr).not.toContain("app pass with spaces");

    const agent = JSON.parse(
      await admin([
        "agent",
        "create",
        "--name",
        "assistant",
        "--scopes",
        "read_freebusy,create_holds,create_bookings,read_events",
        "--owners",
        OWNER,
      ]),
    );
    const key = JSON.parse(await admin(["key", "create", "--agent", agent.id])).key as string;

    const serve = spawn(process.execPath, ["--import", "tsx", MAIN, "serve", "--db", db, "--port", "0"], {
      cwd: ROOT,
      env: ENV,
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(serve);
    let out = "";
    serve.stdout!.on("data", (b: Buffer) => (out += b.toString()));
    const url = await listeningUrl(serve, () => out, 30_000);
    const rest = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body ? { "content-type": "application/json" } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return (await res.json()) as Record<string, any>;
    };

    // The mirrored appointment is busy time.
    const overDentist = await rest("POST", "/v1/bookings", {
      owner_email: OWNER,
      start: at("09:30"),
      end: at("10:00"),
      title: "Clash",
    });
    expect(overDentist.verdict).toBe("CounterPropose");
    expect(overDentist.reason_code).toBe("CONFLICT");

    const booked = await rest("POST", "/v1/bookings", {
      owner_email: OWNER,
      start: at("14:00"),
      end: at("14:30"),
      title: "Intro call",
    });
    expect(booked.verdict).toBe("Accept");
    const bookingId = booked.booking.booking_id as string;
    const objectName = `openavail-${bookingId}.ics`;
    // serve's outbox writes the booking into the owner's calendar, once.
    await eventually(
      async () => ((await radicale.listObjects(calendarUrl)).includes(objectName) ? true : undefined),
      "the booking's event",
    );
    expect((await radicale.listObjects(calendarUrl)).sort()).toEqual(["dentist.ics", objectName]);

    // The owner adds their own meeting over the booked time, in their calendar app.
    await radicale.putEvent(
      calendarUrl,
      "board.ics",
      vevent([
        "UID:board-meeting",
        "DTSTAMP:20260101T000000Z",
        `DTSTART:${ics("13:45")}`,
        `DTEND:${ics("15:00")}`,
        "SUMMARY:Board",
      ]),
    );

    // The very next verdict sees it (over MCP) ...
    let told: unknown;
    const mcp = new Client({ name: "caldav-e2e", version: "1.0.0" });
    await mcp.connect(
      new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
        requestInit: { headers: { Authorization: `Bearer ${key}` } },
      }),
    );
    try {
      const check = (await mcp.callTool({
        name: "check_availability",
        arguments: {
          owner_email: OWNER,
          duration_minutes: 30,
          window: { start: at("13:30"), end: at("15:30") },
          hold: false,
        },
      })) as CallToolResult;
      told = (check.structuredContent as { pending_notifications: unknown }).pending_notifications;
      const slots = (check.structuredContent as { slots: { start: string }[] }).slots.map((s) => s.start);
      expect(slots).not.toContain(at("14:00").replace(":00Z", ":00Z"));
      expect(
        slots.every(
          (s) =>
            Date.parse(s) < Date.parse(at("13:45")) - 29 * 60_000 || Date.parse(s) >= Date.parse(at("15:00")),
        ),
      ).toBe(true);
    } finally {
      await mcp.close();
    }
    // ... and over REST: the slot is taken, and the booking there needs rescheduling.
    const again = await rest("POST", "/v1/bookings", {
      owner_email: OWNER,
      start: at("14:00"),
      end: at("14:30"),
      title: "Second try",
    });
    expect(again.verdict).toBe("CounterPropose");
    const booking = await rest("GET", `/v1/bookings/${bookingId}`);
    expect(booking.status ?? booking.booking?.status).toBe("needs_reschedule");
    // The agent was told, in the envelope of its next response (the MCP check above).
    expect(JSON.stringify(told)).toContain("booking.needs_reschedule");
    // Its event stops claiming the time in the owner's calendar.
    await eventually(
      async () => (!(await radicale.listObjects(calendarUrl)).includes(objectName) ? true : undefined),
      "the booking's event to go",
    );
    expect((await radicale.listObjects(calendarUrl)).sort()).toEqual(["board.ics", "dentist.ics"]);

    serve.kill("SIGTERM");
  }, 90_000);
});
