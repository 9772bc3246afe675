// The agent commands against a real served HTTP server (REST on 127.0.0.1 over a temp ledger): every
// command of AGENT_COMMANDS in human form and with --json (the REST body exactly), the exit status by
// verdict, times shown and read in the owner's zone or --tz, --quiet ids, 429/503 retries through a
// real proxy with one idempotency key, and the rule that the agent's key never appears anywhere.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AGENT_COMMANDS } from "../../src/cli/agent/agent-commands.js";
import { retryDelay } from "../../src/cli/agent/rest-client.js";
import { runCli } from "../../src/cli/run-cli.js";
import { ownerCancelBooking } from "../../src/service/owner-bookings.js";
import type { RunningServer } from "../../src/transports/http/server.js";
import { serveApp, serverAppOf } from "../helpers/served-world.js";
import { makeWorld, NINE_TO_FIVE, type World } from "../helpers/world.js";
import { Capture, RAW_KEY } from "./cli-harness.js";

// Mon 2026-03-02 12:00Z = 07:00 in New York (UTC-5 until 2026-03-08). The CEO works 09:00-17:00 there,
// so Tuesday 10:00 New York is 15:00Z, 16:00 in Berlin and Wednesday 00:00 in Tokyo.
const CEO = "ceo@example.com";
const TUE_10 = "2026-03-03T15:00:00Z";
const ROOT = join(import.meta.dirname, "../..");

let w: World;
let server: RunningServer;
let sales: Awaited<ReturnType<World["addAgent"]>>;
let calendarId: string;
let runs: { argv: readonly string[]; code: number; out: string; err: string }[];
const closers: (() => Promise<void>)[] = [];

beforeEach(async () => {
  w = await makeWorld("2026-03-02T12:00:00Z");
  ({ calendarId } = await w.addOwner(CEO, "America/New_York", {
    timezone: "America/New_York",
    working_hours: NINE_TO_FIVE,
  }));
  sales = await w.addAgent({ name: "sales", defaultClass: "external_customer_call" });
  server = await serveApp(await serverAppOf(w));
  runs = [];
});
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  for (const r of runs) {
    const printed = `${r.out}${r.err}`;
    expect(printed, `${r.argv.join(" ")} printed a raw key`).not.toMatch(RAW_KEY);
    expect(printed).not.toContain(sales.key);
  }
  await server?.close();
  await w?.close();
});

/** Runs one command line in-process, as the sales agent unless `env` says otherwise. */
async function oa(argv: readonly string[], env?: Record<string, string>) {
  const stdout = new Capture();
  const stderr = new Capture();
  const ctxEnv = env ?? { OPENAVAIL_API_KEY: sales.key, OPENAVAIL_SERVER: server.url };
  const code = await runCli(argv, { env: ctxEnv, stdout, stderr }, { now: () => w.clock.now });
  const run = { argv, code, out: stdout.text, err: stderr.text };
  runs.push(run);
  return run;
}
/** Runs `line` (split on spaces) and then `more` whole arguments, as the sales agent. */
const agent = (line: string, ...more: string[]) => oa([...line.split(" "), ...more]);

/** Runs with --json; the output must be the server's compact body on one line. */
async function agentJson(line: string, ...more: string[]) {
  const r = await oa(["--json", ...line.split(" "), ...more]);
  expect(r.code, r.err).toBe(0);
  const body = JSON.parse(r.out);
  expect(r.out).toBe(`${JSON.stringify(body)}\n`);
  return body;
}

async function rest(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${sales.key}`,
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : undefined };
}

async function holdAt(start: string): Promise<string> {
  const held = await w.call(sales.caller, "create_hold", { owner_email: CEO, start, duration_minutes: 30 });
  expect(held.verdict).toBe("Accept");
  return held.hold.hold_id;
}

async function bookAt(start: string, title = "Demo"): Promise<string> {
  const made = await w.call(sales.caller, "create_booking", {
    owner_email: CEO,
    start,
    duration_minutes: 30,
    title,
  });
  expect(made.verdict).toBe("Accept");
  return made.booking.booking_id;
}

const TUESDAY = { start: "2026-03-03T05:00:00.000Z", end: "2026-03-04T05:00:00.000Z" };

/** One scenario per command: its human form, then --json, checked against the REST route. */
const SCENARIOS: Record<string, () => Promise<void>> = {
  async whoami() {
    expect((await agent("whoami")).out).toContain(`${CEO} (America/New_York)`);
    expect(await agentJson("whoami")).toEqual((await rest("GET", "/v1/me")).json);
  },
  async slots() {
    const human = await agent(`slots --owner ${CEO} --on tuesday --duration 30m`);
    expect(human.out).toContain("Free slots (America/New_York):\n  Tue 2026-03-03 09:00-09:30");
    const body = await agentJson(`slots --owner ${CEO} --on wednesday --duration 1h`);
    expect(body).toMatchObject({ verdict: "Accept", hold: { status: "active" } });
    expect(body.slots[0]).toMatchObject({ start: "2026-03-04T14:00:00Z", end: "2026-03-04T15:00:00Z" });
  },
  async hold() {
    const human = await agent(`hold --owner ${CEO} --on tuesday --at 10:00 --duration 30m`);
    expect(human.out).toMatch(
      /^Accept\n {2}hold hld_\w+ active: Tue 2026-03-03 10:00-10:30 \(America\/New_York\)/,
    );
    const body = await agentJson(`hold --owner ${CEO} --duration 30 --start`, "2026-03-03 11:00");
    expect(body).toMatchObject({ verdict: "Accept", hold: { start: "2026-03-03T16:00:00Z" } });
    const listed = (await rest("GET", "/v1/holds")).json.holds.map((h: any) => h.hold_id);
    expect(listed).toContain(body.hold.hold_id);
  },
  async release() {
    const id = await holdAt(TUE_10);
    expect((await agent("release", id)).out).toContain(`hold ${id} released: Tue 2026-03-03 10:00-10:30`);
    expect(await agentJson("release", id)).toMatchObject({ hold: { hold_id: id, status: "released" } });
  },
  async holds() {
    const id = await holdAt(TUE_10);
    expect((await agent("holds")).out).toMatch(new RegExp(`Tue 2026-03-03 10:00-10:30 +active .*${id}`));
    expect(await agentJson("holds")).toEqual((await rest("GET", "/v1/holds")).json);
  },
  async book() {
    const human = await agent(`book --owner ${CEO} --on tuesday --at 10:00 --duration 30m --title Intro`);
    expect(human.out).toMatch(
      /^Accept\n {2}booking bkg_\w+ confirmed: "Intro"\n {4}Tue 2026-03-03 10:00-10:30/,
    );
    const key = "test-book-json";
    const input = {
      owner_email: CEO,
      start: "2026-03-03T16:00:00.000Z",
      duration_minutes: 30,
      title: "Demo",
    };
    const r = await agent(
      `--json book --owner ${CEO} --start 2026-03-03T16:00:00Z --duration 30 --title Demo`,
      "--idempotency-key",
      key,
    );
    expect(JSON.parse(r.out)).toMatchObject({
      verdict: "Accept",
      booking: { start: "2026-03-03T16:00:00Z" },
    });
    // The same request straight to REST with the same key replays the stored body: the CLI printed it exactly.
    const direct = await rest("POST", "/v1/bookings", input, { "idempotency-key": key });
    expect(direct.headers.get("idempotent-replayed")).toBe("true");
    expect(r.out).toBe(`${direct.text}\n`);
  },
  async preempt() {
    const first = await bookAt(TUE_10);
    const human = await agent(`preempt ${first} --title Board --class exec_meeting`);
    expect(human.code).toBe(0);
    expect(human.out).toMatch(/^Preempt\n/);
    expect(human.out).toContain(`Displaced booking ${first} of ${sales.agentId} (external_customer_call)`);
    const second = await bookAt("2026-03-04T15:00:00Z");
    const body = await agentJson(`preempt ${second} --title Board --class exec_meeting`);
    expect(body).toMatchObject({ verdict: "Preempt", displaced: [{ id: second }] });
  },
  async cancel() {
    const id = await bookAt(TUE_10);
    expect((await agent("cancel", id, "--reason", "moved")).out).toContain(`booking ${id} cancelled: "Demo"`);
    expect(await agentJson("cancel", id)).toMatchObject({ booking: { booking_id: id, status: "cancelled" } });
  },
  async reschedule() {
    const id = await bookAt(TUE_10);
    const human = await agent(`reschedule ${id} --on wednesday --at 14:00`);
    expect(human.out).toMatch(/^Accept\n.*\n {4}Wed 2026-03-04 14:00-14:30 \(America\/New_York\)/);
    const body = await agentJson(`reschedule ${id} --start`, "2026-03-04 15:00");
    expect(body).toMatchObject({ verdict: "Accept", booking: { start: "2026-03-04T20:00:00Z" } });
  },
  async bookings() {
    const id = await bookAt(TUE_10);
    expect((await agent(`bookings --on tuesday --owner ${CEO}`)).out).toMatch(
      new RegExp(`^WHEN \\(America/New_York\\).*\\nTue 2026-03-03 10:00-10:30 +confirmed +Demo .*${id}\\n$`),
    );
    expect(await agentJson("bookings")).toEqual((await rest("GET", "/v1/bookings")).json);
  },
  async booking() {
    const id = await bookAt(TUE_10);
    expect((await agent("booking", id)).out).toContain("Tue 2026-03-03 10:00-10:30 (America/New_York)");
    expect(await agentJson("booking", id)).toEqual((await rest("GET", `/v1/bookings/${id}`)).json);
  },
  async "free-busy"() {
    await bookAt(TUE_10);
    const human = await agent(`free-busy --owner ${CEO} --on tuesday`);
    expect(human.out).toBe(`${CEO} is busy (America/New_York):\n  Tue 2026-03-03 10:00-10:30\n`);
    const query = new URLSearchParams(TUESDAY);
    const direct = await rest("GET", `/v1/owners/${encodeURIComponent(CEO)}/freebusy?${query}`);
    expect(await agentJson(`free-busy --owner ${CEO} --on tuesday`)).toEqual(direct.json);
  },
  async common() {
    const line = `common --owners ${CEO} --on tuesday --duration 1h`;
    const human = await agent(line);
    expect(human.out.split("\n")[0]).toBe("Tue 2026-03-03 09:00-10:00");
    const input = { owner_emails: [CEO], duration_minutes: 60, window: TUESDAY };
    const direct = await rest("POST", "/v1/availability/common", input);
    expect(await agentJson(line)).toEqual(direct.json);
  },
  async "get-rules"() {
    expect((await agent("get-rules", calendarId)).out).toContain(`calendar_id: ${calendarId}\n`);
    const direct = await rest("GET", `/v1/calendars/${calendarId}/availability-rules`);
    expect(await agentJson("get-rules", calendarId)).toEqual(direct.json);
  },
  async "set-rules"() {
    expect((await agent("set-rules", calendarId, "--buffer-before-minutes", "10")).out).toContain(
      "buffer_before_minutes: 10\n",
    );
    const body = await agentJson("set-rules", calendarId, "--buffer-after-minutes", "5");
    // Only the given field changes (PATCH): the buffer before and the working hours stay.
    expect(body).toMatchObject({
      buffer_before_minutes: 10,
      buffer_after_minutes: 5,
      working_hours: NINE_TO_FIVE,
    });
  },
  async "delete-rules"() {
    const human = await agent("delete-rules", calendarId);
    expect([human.code, human.out]).toEqual([0, "Done.\n"]);
    expect((await agent("get-rules", calendarId)).code).toBe(1);
    await w.call(sales.caller, "set_availability_rules", {
      calendar_id: calendarId,
      buffer_after_minutes: 5,
    });
    const json = await agent(`--json delete-rules ${calendarId}`);
    // A 204 has no body, so --json prints nothing at all.
    expect([json.code, json.out, json.err]).toEqual([0, "", ""]);
  },
  async notifications() {
    const [a, b] = [await bookAt(TUE_10), await bookAt("2026-03-04T15:00:00Z")];
    await ownerCancelBooking(w.app.service, a, "on leave");
    await ownerCancelBooking(w.app.service, b, "sick");
    const body = await agentJson("notifications", "--limit", "1");
    expect(body.notifications).toMatchObject([
      { type: "booking.cancelled", booking_id: a, reason: "on leave" },
    ]);
    const human = await agent("notifications");
    expect(human.out).toMatch(
      new RegExp(`^Mon 2026-03-02 07:00 {2}booking.cancelled: The owner cancelled your booking ${b}`),
    );
  },
  async webhooks() {
    const made = await agent("webhooks --action create --url https://hooks.example.com/openavail");
    expect(made.code).toBe(0);
    expect(made.out).toMatch(/^webhook whk_\w+ active: https:\/\/hooks\.example\.com\/openavail\n/);
    expect(made.out).toMatch(/secret \(shown once, store it now\): whsec_/);
    const listed = await agentJson("webhooks --action list");
    expect(listed).toEqual((await rest("GET", "/v1/webhooks")).json);
    expect(listed.webhooks[0]).toMatchObject({
      url: "https://hooks.example.com/openavail",
      status: "active",
    });
    expect((await agent("webhooks --action list")).out).toMatch(/^WEBHOOK +STATUS +URL +EVENTS\n/);
    const refused = await agent("webhooks --action create --url http://127.0.0.1/hooks");
    expect(refused.code).toBe(1);
    expect(refused.err).toContain("--url");
  },
};

describe("every agent command against the server", () => {
  it("has a scenario for each command of AGENT_COMMANDS", () => {
    expect(Object.keys(SCENARIOS).sort()).toEqual(AGENT_COMMANDS.map((c) => c.name).sort());
  });
  it.each(AGENT_COMMANDS.map((c) => c.name))("%s: human and --json", async (name) => {
    await SCENARIOS[name]!();
    for (const r of runs.filter((run) => run.code === 0)) expect(r.err, r.argv.join(" ")).toBe("");
  });
});

describe("exit status", () => {
  const book = (at: string) => agent(`book --owner ${CEO} --on tuesday --at ${at} --duration 30m --title T`);

  it("is 0 for Accept, 3 for CounterPropose (the slot is booked) and 4 for Reject (outside hours)", async () => {
    expect((await book("10:00")).code).toBe(0);
    const taken = await book("10:00");
    expect(taken.code).toBe(3);
    expect(taken.out).toMatch(/^CounterPropose CONFLICT\nAlternatives \(America\/New_York\):\n/);
    const early = await book("06:00");
    expect(early.code).toBe(4);
    expect(early.out).toMatch(/^Reject WORKING_HOURS\n/);
    // --json prints the body and keeps the status.
    const json = await agent(`--json book --owner ${CEO} --start ${TUE_10} --duration 30 --title T`);
    expect([json.code, JSON.parse(json.out).verdict]).toEqual([3, "CounterPropose"]);
  });

  it.each([
    [`slots --owner ${CEO} --on tuesday --duration abc`, /--duration "abc" is not a length/],
    [`slots --owner ${CEO} --frobnicate`, /unknown option '--frobnicate'/],
    [`slots --owner ${CEO} --between 09:00-12:00 --duration 30m`, /--between needs --on/],
    ["bookings --tz Mars/Olympus", /--tz "Mars\/Olympus" is not an IANA time zone/],
    ["whoami --retries many", /--retries must be a whole number/],
  ])("is 2 for a usage error: %s", async (line, message) => {
    const r = await agent(line);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.out).toBe("");
  });

  it("is 1 for a refused request (404), naming the argument", async () => {
    const r = await agent("booking", "bkg_0000000000000000000a");
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      "error: No booking bkg_0000000000000000000a that you can see.\n  <booking_id>: no such booking\n",
    );
    const json = await agent("--json booking bkg_0000000000000000000a");
    expect([json.code, JSON.parse(json.out).error]).toEqual([1, "not_found"]);
  });

  it("is 1 when nothing listens at --server, saying so", async () => {
    const probe = createServer();
    await new Promise<void>((done) => probe.listen(0, "127.0.0.1", done));
    const { port } = probe.address() as AddressInfo;
    await new Promise((done) => probe.close(done));
    const r = await agent("whoami", "--server", `http://127.0.0.1:${port}`);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`cannot reach http://127.0.0.1:${port}: nothing is listening there`);
  });
});

describe("times", () => {
  it("are shown in the owner's zone by default and in --tz when given", async () => {
    const id = await bookAt(TUE_10);
    expect((await agent("booking", id)).out).toContain("Tue 2026-03-03 10:00-10:30 (America/New_York)");
    expect((await agent("booking", id, "--tz", "Europe/Berlin")).out).toContain(
      "Tue 2026-03-03 16:00-16:30 (Europe/Berlin)",
    );
    expect((await agent("bookings", "--tz", "Asia/Tokyo")).out).toContain("Wed 2026-03-04 00:00-00:30");
  });

  it("are read in the owner's zone, or in --tz, for --on/--at and wall-clock --start", async () => {
    const berlin = await agentJson(
      `book --owner ${CEO} --on 2026-03-03 --at 16:00 --duration 30m --title A --tz Europe/Berlin`,
    );
    expect(berlin.booking.start).toBe(TUE_10);
    const ny = await agentJson(`book --owner ${CEO} --duration 1h --title B --start`, "2026-03-03 11:00");
    expect(ny.booking).toMatchObject({ start: "2026-03-03T16:00:00Z", end: "2026-03-03T17:00:00Z" });
  });

  it("--on DATE --between 09:00-12:00 --duration 30m offers only slots in those hours of the owner's day", async () => {
    const line = `slots --owner ${CEO} --on 2026-03-04 --between 09:00-12:00 --duration 30m`;
    const body = await agentJson(line);
    expect(body.slots.length).toBeGreaterThan(0);
    for (const s of body.slots) {
      expect(s.local_start).toMatch(/^2026-03-04T(09|10|11):\d\d:00-05:00$/);
      expect(Date.parse(s.start)).toBeGreaterThanOrEqual(Date.parse("2026-03-04T14:00:00Z"));
      expect(Date.parse(s.end)).toBeLessThanOrEqual(Date.parse("2026-03-04T17:00:00Z"));
      expect(Date.parse(s.end) - Date.parse(s.start)).toBe(30 * 60_000);
    }
    const human = await agent(line);
    const lines = human.out.split("\n").filter((l) => l.startsWith("  Wed 2026-03-04 "));
    expect(lines[0]).toBe("  Wed 2026-03-04 09:00-09:30");
    expect(lines.every((l) => l <= "  Wed 2026-03-04 11:30-12:00")).toBe(true);
  });
});

describe("--quiet", () => {
  it("prints only the id made; book --hold ID confirms the hold", async () => {
    const held = await agent(`hold --owner ${CEO} --on tuesday --at 10:00 --duration 30m --quiet`);
    expect(held.out).toMatch(/^hld_[0-9a-z]{20}\n$/);
    const booked = await agent(`book --hold ${held.out.trim()} --title Intro --quiet`);
    expect([booked.code, booked.err]).toEqual([0, ""]);
    expect(booked.out).toMatch(/^bkg_[0-9a-z]{20}\n$/);
    const got = (await rest("GET", `/v1/bookings/${booked.out.trim()}`)).json.booking;
    expect(got).toMatchObject({ status: "confirmed", start: TUE_10, title: "Intro" });
    const holds = (await rest("GET", "/v1/holds")).json.holds;
    expect(holds.find((h: any) => h.hold_id === held.out.trim())?.status).not.toBe("active");
  });
});

interface Attempt {
  readonly idempotencyKey: string | undefined;
  readonly forwarded: boolean;
  readonly replayed: string | null;
}

/**
 * A real HTTP proxy in front of the server. The first POST /v1/bookings gets 429 without reaching
 * the server; the second reaches it but its answer is lost (the client gets 503); later ones pass.
 */
async function flakyProxy(upstream: string) {
  const attempts: Attempt[] = [];
  const proxy = createServer(async (req, res) => {
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const booking = req.method === "POST" && req.url === "/v1/bookings";
      const idempotencyKey = req.headers["idempotency-key"] as string | undefined;
      const busy = (status: number) =>
        res
          .writeHead(status, { "content-type": "application/json", "retry-after": "0" })
          .end('{"error":"busy"}');
      if (booking && attempts.length === 0) {
        attempts.push({ idempotencyKey, forwarded: false, replayed: null });
        return busy(429);
      }
      const headers: Record<string, string> = {};
      for (const name of ["authorization", "accept", "content-type", "idempotency-key"]) {
        const value = req.headers[name];
        if (typeof value === "string") headers[name] = value;
      }
      const body = Buffer.concat(chunks);
      const up = await fetch(`${upstream}${req.url}`, {
        method: req.method!,
        headers,
        ...(body.length > 0 ? { body } : {}),
      });
      const text = await up.text();
      const replayed = up.headers.get("idempotent-replayed");
      if (booking) attempts.push({ idempotencyKey, forwarded: true, replayed });
      if (booking && attempts.length === 2) return busy(503);
      res.writeHead(up.status, {
        "content-type": "application/json",
        ...(replayed ? { "idempotent-replayed": replayed } : {}),
      });
      res.end(text);
    } catch (err) {
      res.writeHead(502).end(String(err));
    }
  });
  await new Promise<void>((done) => proxy.listen(0, "127.0.0.1", done));
  closers.push(async () => {
    proxy.closeAllConnections();
    await new Promise((done) => proxy.close(done));
  });
  return { url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, attempts };
}

describe("retries", () => {
  it("retries 429 and a lost 503 answer with one idempotency key: one booking, the last answer replayed", async () => {
    const proxy = await flakyProxy(server.url);
    const line = `book --owner ${CEO} --start ${TUE_10} --duration 30m --title Retried --server ${proxy.url}`;
    const r = await oa(line.split(" "), { OPENAVAIL_API_KEY: sales.key });
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^Accept\n {2}booking bkg_\w+ confirmed: "Retried"/);
    expect(r.err.split("\n").filter((l) => l !== "")).toEqual([
      "openavail: rate limited (429); retrying in 0.0 s (retry 1 of 4)",
      "openavail: server busy (503); retrying in 0.0 s (retry 2 of 4)",
    ]);
    expect(proxy.attempts.map((a) => [a.forwarded, a.replayed])).toEqual([
      [false, null],
      [true, null],
      [true, "true"],
    ]);
    const keys = new Set(proxy.attempts.map((a) => a.idempotencyKey));
    expect(keys.size).toBe(1);
    expect([...keys][0]).toMatch(/^cli-[0-9a-f-]{36}$/);
    const { bookings } = (await rest("GET", "/v1/bookings")).json;
    expect(bookings.map((b: any) => b.title)).toEqual(["Retried"]);
  });

  it("reads Retry-After as seconds or an HTTP date, else backs off exponentially", () => {
    const now = Date.parse("2026-03-02T12:00:00Z");
    expect(retryDelay("3", 0, now)).toBe(3000);
    expect(retryDelay("Mon, 02 Mar 2026 12:00:05 GMT", 0, now)).toBe(5000);
    expect(retryDelay("Mon, 02 Mar 2026 11:00:00 GMT", 0, now)).toBe(0);
    for (const attempt of [0, 1, 2]) {
      const ms = retryDelay(null, attempt, now);
      expect(ms).toBeGreaterThanOrEqual(250 * 2 ** attempt);
      expect(ms).toBeLessThanOrEqual(500 * 2 ** attempt);
    }
  });
});

describe("the agent's key", () => {
  it("is never printed, refused as --key (usage, not echoed), and read from --key-file", async () => {
    const wrong = `ak_${"x".repeat(49)}`;
    const bad = await oa(["whoami"], { OPENAVAIL_API_KEY: wrong, OPENAVAIL_SERVER: server.url });
    expect(bad.code).toBe(1);
    expect(`${bad.out}${bad.err}`).not.toContain(wrong);
    const asArg = await agent("whoami", "--key", sales.key);
    expect(asArg.code).toBe(2);
    expect(asArg.err).toMatch(/never an argument.*OPENAVAIL_API_KEY.*--key-file/);
    const file = join(w.dir, "agent.key");
    writeFileSync(file, `${sales.key}\n`);
    const fromFile = await oa(["whoami", "--key-file", file], { OPENAVAIL_SERVER: server.url });
    expect([fromFile.code, fromFile.err]).toEqual([0, ""]);
    expect(fromFile.out).toContain(`agent ${sales.agentId} "sales", key ${sales.key.slice(0, 11)}...`);
    await agent("--json whoami");
    await agent(`slots --owner ${CEO} --on tuesday --duration 30m`);
    await agent("booking bkg_0000000000000000000a");
    // afterEach checks every output of this test for the key.
    expect(runs.length).toBe(6);
  });

  it("given to --key-file by mistake, is not echoed", async () => {
    const r = await agent("whoami --key-file", sales.key);
    runs.pop(); // checked here, not by afterEach, so that only this assertion fails
    expect(r.code).toBe(2);
    expect(r.err).not.toContain(sales.key);
  });

  it("missing: exit 2 naming OPENAVAIL_API_KEY and --key-file", async () => {
    const r = await oa(["whoami"], { OPENAVAIL_SERVER: server.url });
    expect(r.code).toBe(2);
    expect(r.err).toContain("OPENAVAIL_API_KEY");
    expect(r.err).toContain("--key-file");
  });

  it("stays in the environment of a real child process: not in its argv, stdout or stderr", async () => {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env))
      if (v !== undefined && !k.startsWith("OPENAVAIL_")) env[k] = v;
    const args = ["--import", "tsx", "src/cli/main.ts", "whoami", "--server", server.url];
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...env, OPENAVAIL_API_KEY: sales.key },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (b: Buffer) => {
      out += b.toString();
    });
    child.stderr.on("data", (b: Buffer) => {
      err += b.toString();
    });
    const code = await new Promise<number | null>((done) => child.on("close", done));
    expect(code, err).toBe(0);
    expect(out).toContain(`agent ${sales.agentId} "sales"`);
    expect(child.spawnargs.join(" ")).not.toContain(sales.key);
    for (const text of [out, err]) {
      expect(text).not.toMatch(RAW_KEY);
      expect(text).not.toContain(sales.key);
    }
  });
});
