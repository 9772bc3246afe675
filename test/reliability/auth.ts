// Scenario: auth attacks. Missing, garbled, revoked, expired and disabled keys on every REST route and
// on /mcp; admin tokens on agent routes and agent keys on admin routes; an agent acting on an owner
// it may not (forbidden) and on another owner's or agent's holds, bookings, calendars, notifications
// and SSE session (not found, and byte for byte the answer a made-up id gets but for the id, so ids
// cannot be probed; never success); spoofed Origins on /mcp and /sse; Host headers this server does
// not answer to (403); failed authentications limited per client address (a second server with the
// limit on: 401 up to it, then 429 with Retry-After); malformed keys refused before any database
// lookup (a stub that fails when touched, and a closed ledger); and, for information only, response
// times of keys differing in their first and in their last character.
import type { Kysely } from "kysely";
import pino from "pino";
import { ERROR_STATUS } from "../../schemas/errors.js";
import { configFromEnv, createApp } from "../../src/compose.js";
import { revokeApiKey } from "../../src/ledger/agents.repository.js";
import { type IdPrefix, newId } from "../../src/ledger/ids.js";
import type { Database } from "../../src/ledger/tables.js";
import { createAgent, createApiKey } from "../../src/service/admin.js";
import { createAdminToken, setAgentStatus } from "../../src/service/agents-admin.js";
import { generateApiKey } from "../../src/service/api-keys.js";
import { authenticate } from "../../src/service/authenticate.js";
import { OpenavailError } from "../../src/service/errors.js";
import { pathParams } from "../../src/transports/rest/route-table.js";
import { TOOLS } from "../../tools/index.js";
import { ALL_SCOPES } from "../helpers/world.js";
import type { Outcome, Violation } from "./common.js";
import { type Driver, mcpHttpDriver, restDriver, restRequest, sendRaw, sendRest } from "./drivers.js";
import { buildFixture } from "./fixture.js";
import { ledgerHash } from "./hostile.js";
import { CallLog } from "./load.js";
import { type ScenarioResult, scenarioResult } from "./report.js";
import { startInProcess } from "./servers.js";

export interface AuthOptions {
  /** Requests per key variant in the (informative) timing comparison. */
  readonly timingSamples: number;
  readonly progress?: (line: string) => void;
}

const INITIALIZE = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "attacker", version: "1" } },
});

/** Authorization headers that must never authenticate, given one real key. */
function garbled(key: string): [string, string][] {
  const swap = (s: string, i: number) => s.slice(0, i) + (s[i] === "A" ? "B" : "A") + s.slice(i + 1);
  return [
    ["scheme only", "Bearer"],
    ["empty token", "Bearer "],
    ["basic auth", `Basic ${Buffer.from("agent:secret").toString("base64")}`],
    ["raw key without scheme", key],
    ["prefix only", "Bearer ak_"],
    ["truncated key", `Bearer ${key.slice(0, -1)}`],
    ["key plus a character", `Bearer ${key}x`],
    ["first body character changed", `Bearer ${swap(key, 3)}`],
    ["last character changed", `Bearer ${swap(key, key.length - 1)}`],
    ["upper-cased key", `Bearer ${key.toUpperCase()}`],
    ["two tokens", `Bearer ${key} ${key}`],
    ["SQL in token", "Bearer ak_' OR '1'='1' --"],
    ["10 KB token", `Bearer ak_${"A".repeat(10_000)}`],
    ["100 KB token (past Node's header limit: 431)", `Bearer ak_${"A".repeat(100_000)}`],
    ["admin-shaped garbage", `Bearer adm_${"x".repeat(43)}`],
    ["unicode", "Bearer ak_ÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿ"],
  ];
}

/** What a garbled header gets: 401, or 403 for an admin-shaped token on an agent route, or Node's 431. */
function statusFor(label: string): number[] {
  if (label.startsWith("100 KB")) return [431];
  if (label === "admin-shaped garbage") return [401, 403];
  return [401];
}

/** A Kysely stand-in that records, and fails, any use: a rejection that never touches it made no lookup. */
function tripwire(): { db: Kysely<Database>; touched: () => boolean } {
  let touched = false;
  const handler: ProxyHandler<object> = {
    get() {
      touched = true;
      throw new Error("the database was consulted");
    },
  };
  return { db: new Proxy({}, handler) as Kysely<Database>, touched: () => touched };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

function welch(a: number[], b: number[]): number {
  const mean = (x: number[]) => x.reduce((s, v) => s + v, 0) / x.length;
  const variance = (x: number[], m: number) => x.reduce((s, v) => s + (v - m) ** 2, 0) / (x.length - 1);
  const ma = mean(a);
  const mb = mean(b);
  return (ma - mb) / Math.sqrt(variance(a, ma) / a.length + variance(b, mb) / b.length);
}

export async function authScenario(o: AuthOptions): Promise<ScenarioResult> {
  const name = "auth";
  const started = Date.now();
  const say = o.progress ?? (() => {});
  const fixture = await buildFixture({ transports: [], seed: 7 });
  const server = await startInProcess(fixture.dbPath, { backgroundJobs: false });
  const { db, sqlite } = server.app.ledger;
  const log = new CallLog(name);
  const violations: Violation[] = [];
  let attacks = 0;
  const fail = (invariant: string, detail: string) => violations.push({ scenario: name, invariant, detail });
  const expectStatus = (label: string, out: Outcome, allowed: readonly number[]) => {
    attacks++;
    if (out.kind !== "error" || !allowed.includes(out.status ?? 0)) {
      fail(
        "auth-refused",
        `${label}: expected ${allowed.join("/")}, got ${out.kind} ${out.status} ${JSON.stringify(out.error ?? out.body ?? out.reason).slice(0, 200)}`,
      );
    }
  };
  const extra: Record<string, unknown> = {};
  const drivers: Driver[] = [];
  try {
    const now = Date.now();
    const [alpha, bravo] = [fixture.owners[0]!, fixture.owners[1]!];
    const mk = async (agentName: string, owners: string[], defaultClass: string, priority: number) => {
      const row = await createAgent(
        db,
        { name: agentName, defaultClass, priority, scopes: [...ALL_SCOPES], owners },
        now,
      );
      const k = await createApiKey(db, row.id, now);
      return { id: row.id, key: k.key, keyId: k.id };
    };
    const a = await mk("agent A (alpha only)", [alpha.email], "internal_sync", 1);
    const b = await mk("agent B", ["*"], "internal_sync", 1);
    const c = await mk("agent C (exec)", ["*"], "exec_meeting", 9);
    const revoked = await mk("revoked", ["*"], "internal_sync", 0);
    await revokeApiKey(db, revoked.id, revoked.keyId, now);
    const expiredAgent = await createAgent(
      db,
      { name: "expired", scopes: [...ALL_SCOPES], owners: ["*"] },
      now,
    );
    const expired = await createApiKey(db, expiredAgent.id, now - 10_000, now - 1_000);
    const disabled = await mk("disabled", ["*"], "internal_sync", 0);
    await setAgentStatus(db, disabled.id, "disabled", now);
    const admin = await createAdminToken(db, now);
    // A well-formed key with a valid checksum that this server never issued (another server's key).
    const unknown = generateApiKey().raw;
    const url = () => server.url;

    // B's holds, bookings and a pending notification, which A will go after.
    const restB = restDriver(url, b.key);
    const day = alpha.days[0]!;
    const at = (h: number) => new Date(day.start + (h - 8) * 3_600_000).toISOString();
    const ok = async (out: Promise<Outcome>, what: string) => {
      const r = await out;
      if (r.kind !== "ok") throw new Error(`auth set-up ${what}: ${JSON.stringify(r).slice(0, 300)}`);
      return r.body!;
    };
    const holdB = (
      await ok(
        restB.call("create_hold", {
          owner_email: alpha.email,
          start: at(9),
          duration_minutes: 30,
          ttl_seconds: 3600,
        }),
        "hold",
      )
    ).hold.hold_id;
    const bookingB = (
      await ok(
        restB.call("create_booking", {
          owner_email: alpha.email,
          start: at(10),
          duration_minutes: 30,
          title: "B's",
        }),
        "booking",
      )
    ).booking.booking_id;
    const bravoBooking = (
      await ok(
        restB.call("create_booking", {
          owner_email: bravo.email,
          start: new Date(bravo.days[0]!.start + 3 * 3_600_000).toISOString(),
          duration_minutes: 30,
          title: "B on bravo",
        }),
        "bravo booking",
      )
    ).booking.booking_id;
    const prey = (
      await ok(
        restB.call("create_booking", {
          owner_email: alpha.email,
          start: at(11),
          duration_minutes: 30,
          title: "B's prey",
        }),
        "prey",
      )
    ).booking.booking_id;
    const taken = await ok(
      restDriver(url, c.key).call("preempt", { booking_id: prey, title: "Board" }),
      "preempt",
    );
    if (taken.verdict !== "Preempt") throw new Error(`auth set-up: C's preempt answered ${taken.verdict}`);

    // ---- missing and garbled keys on every REST route, and on /mcp ----------------------------------
    const ids: Record<string, string> = {
      hold_id: holdB,
      booking_id: bookingB,
      calendar_id: alpha.calendars.work!,
      owner_email: alpha.email,
    };
    const argsFor = (tool: string): Record<string, unknown> => {
      const def = TOOLS.find((t) => t.name === tool)!;
      return Object.fromEntries(pathParams(def.rest.path).map((n) => [n, ids[n]]));
    };
    const before = ledgerHash(sqlite);
    for (const tool of TOOLS) {
      const { url: u, init } = restRequest(server.url, undefined, tool.name, argsFor(tool.name));
      const out = await sendRest(u, init);
      expectStatus(`REST ${tool.name} without a key`, out, [401]);
      for (const [label, header] of garbled(b.key)) {
        const { url: u2, init: i2 } = restRequest(server.url, undefined, tool.name, argsFor(tool.name));
        const res = await sendRest(u2, {
          ...i2,
          headers: { ...(i2.headers as Record<string, string>), authorization: header },
        });
        expectStatus(`REST ${tool.name} with ${label}`, res, statusFor(label));
      }
      for (const [label, key] of [
        ["revoked key", revoked.key],
        ["expired key", expired.key],
        ["disabled agent's key", disabled.key],
        ["key another server issued", unknown],
      ]) {
        const { url: u3, init: i3 } = restRequest(server.url, key, tool.name, argsFor(tool.name));
        expectStatus(`REST ${tool.name} with a ${label}`, await sendRest(u3, i3), [401]);
      }
      const { url: u4, init: i4 } = restRequest(server.url, admin.token, tool.name, argsFor(tool.name));
      expectStatus(`REST ${tool.name} with an admin token`, await sendRest(u4, i4), [403]);
    }
    const mcpPost = (headers: Record<string, string>) =>
      sendRest(`${server.url}/mcp`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          ...headers,
        },
        body: INITIALIZE,
      });
    expectStatus("/mcp without a key", await mcpPost({}), [401]);
    for (const [label, header] of garbled(b.key)) {
      if (label === "basic auth" || label === "raw key without scheme") continue; // /mcp reads Bearer tokens only
      expectStatus(`/mcp with ${label}`, await mcpPost({ authorization: header }), statusFor(label));
    }
    for (const [label, key] of [
      ["revoked key", revoked.key],
      ["expired key", expired.key],
      ["disabled agent's key", disabled.key],
    ] as const) {
      expectStatus(`/mcp with a ${label}`, await mcpPost({ authorization: `Bearer ${key}` }), [401]);
      const sdk = mcpHttpDriver(url, key);
      expectStatus(`MCP client with a ${label}`, await sdk.call("whoami", {}), [401]);
      await sdk.close();
    }
    for (const path of ["/v1/agents", "/v1/owners", "/v1/decisions"]) {
      expectStatus(
        `admin ${path} with an agent key`,
        await sendRest(`${server.url}${path}`, { headers: { authorization: `Bearer ${b.key}` } }),
        [403],
      );
      expectStatus(`admin ${path} without a token`, await sendRest(`${server.url}${path}`, {}), [401]);
      expectStatus(
        `admin ${path} with a garbled token`,
        await sendRest(`${server.url}${path}`, {
          headers: { authorization: `Bearer adm_${"y".repeat(43)}` },
        }),
        [401],
      );
    }
    if (ledgerHash(sqlite) !== before)
      fail("auth-writes-nothing", "refused credentials changed the database");
    say(`auth: ${attacks} key attacks`);

    // ---- A acts on an owner it may not, and on B's things ---------------------------------------------
    const restA = restDriver(url, a.key);
    const mcpA = mcpHttpDriver(url, a.key);
    drivers.push(mcpA);
    const bravoDay = bravo.days[0]!;
    const bravoWindow = {
      start: new Date(bravoDay.start).toISOString(),
      end: new Date(bravoDay.end).toISOString(),
    };
    const bravoStart = new Date(bravoDay.start + 2 * 3_600_000).toISOString();
    // An owner named by email A may not act on: forbidden (the email is the caller's own input).
    const crossOwner: [string, Record<string, unknown>][] = [
      ["check_availability", { owner_email: bravo.email, duration_minutes: 30, window: bravoWindow }],
      ["create_hold", { owner_email: bravo.email, start: bravoStart, duration_minutes: 30 }],
      ["create_booking", { owner_email: bravo.email, start: bravoStart, duration_minutes: 30, title: "x" }],
      ["get_free_busy", { owner_email: bravo.email, window: bravoWindow }],
      ["list_bookings", { owner_email: bravo.email }],
      ["list_bookings", { owner_email: bravo.email, window: bravoWindow }],
      ["list_holds", { owner_email: bravo.email }],
      // A dry run writes nothing, but asking for one still needs the owner.
      [
        "create_booking",
        { owner_email: bravo.email, start: bravoStart, duration_minutes: 30, title: "x", dry_run: true },
      ],
      [
        "find_common_slots",
        { owner_emails: [alpha.email, bravo.email], duration_minutes: 30, window: bravoWindow },
      ],
    ];
    // A real id A may not see (another owner's calendar or booking, another agent's hold or booking):
    // not found, exactly as a made-up id of the same kind, so that ids cannot be probed (issue 14).
    const unseenIds: [string, Record<string, unknown>, string][] = [
      ["get_availability_rules", { calendar_id: bravo.calendars.work }, "calendar_id"],
      ["set_availability_rules", { calendar_id: bravo.calendars.work, timezone: "UTC" }, "calendar_id"],
      ["delete_availability_rules", { calendar_id: bravo.calendars.work }, "calendar_id"],
      [
        "preempt",
        { booking_id: bravoBooking, title: "mine now", meeting_class: "exec_meeting" },
        "booking_id",
      ],
      // A dry run explains the slot it asks about: it must not tell of a booking A may not see.
      [
        "preempt",
        { booking_id: bravoBooking, title: "just looking", meeting_class: "exec_meeting", dry_run: true },
        "booking_id",
      ],
      ["release_hold", { hold_id: holdB }, "hold_id"],
      ["create_booking", { hold_id: holdB, title: "stolen hold" }, "hold_id"],
      // Repeating the hold's own fields (which agree with it) does not make it A's.
      [
        "create_booking",
        {
          hold_id: holdB,
          title: "stolen hold",
          owner_email: alpha.email,
          start: at(9),
          duration_minutes: 30,
        },
        "hold_id",
      ],
      ["create_booking", { hold_id: holdB, title: "just looking", dry_run: true }, "hold_id"],
      ["get_booking", { booking_id: bravoBooking }, "booking_id"],
      ["cancel_booking", { booking_id: bookingB }, "booking_id"],
      ["reschedule_booking", { booking_id: bookingB, start: at(14), duration_minutes: 30 }, "booking_id"],
      ["reschedule_booking", { booking_id: bookingB, start: at(14) }, "booking_id"],
      ["reschedule_booking", { booking_id: bookingB, start: at(14), dry_run: true }, "booking_id"],
    ];
    /** An answer's bytes with `id` written as <id>: what must not differ between a real and a made-up id. */
    const shape = (out: Outcome, id: string) =>
      `${out.kind} ${out.status} ${(out.text ?? JSON.stringify(out.error ?? out.body ?? out.reason)).replaceAll(id, "<id>")}`;
    const beforeA = ledgerHash(sqlite);
    for (const driver of [restA, mcpA]) {
      for (const [tool, args] of crossOwner)
        expectStatus(`${driver.transport} A ${tool} on bravo`, await log.call(a.id, driver, tool, args), [
          ERROR_STATUS.forbidden,
        ]);
      for (const [tool, args, field] of unseenIds) {
        const real = String(args[field]);
        const fake = newId(real.slice(0, 3) as IdPrefix);
        const label = `${driver.transport} A ${tool} with ${field} ${real} (not A's)`;
        const seen = await log.call(a.id, driver, tool, args);
        const made = await log.call(a.id, driver, tool, { ...args, [field]: fake });
        expectStatus(label, seen, [ERROR_STATUS.not_found]);
        expectStatus(`${driver.transport} A ${tool} with a made-up ${field}`, made, [ERROR_STATUS.not_found]);
        attacks++;
        if (shape(seen, real) !== shape(made, fake))
          fail(
            "unseen-id-answers-as-made-up",
            `${label}: ${shape(seen, real).slice(0, 240)} <> a made-up id: ${shape(made, fake).slice(0, 240)}`,
          );
      }
      const listed = await log.call(a.id, driver, "list_bookings", {});
      attacks++;
      if (listed.kind !== "ok" || listed.body!.bookings.some((x: any) => x.owner_email !== alpha.email)) {
        fail(
          "owner-scoped-listing",
          `${driver.transport} A's list_bookings: ${JSON.stringify(listed.body?.bookings?.map((x: any) => x.owner_email) ?? listed).slice(0, 200)}`,
        );
      }
      const notes = await log.call(a.id, driver, "get_notifications", {});
      attacks++;
      if (notes.kind !== "ok" || notes.body!.notifications.length > 0) {
        fail(
          "own-notifications-only",
          `${driver.transport} A's get_notifications returned ${JSON.stringify(notes.body ?? notes).slice(0, 200)}`,
        );
      }
      // The incumbent wins a tie: A (same class and priority as B) cannot take B's booking.
      const tie = await log.call(a.id, driver, "preempt", { booking_id: bookingB, title: "tie" });
      attacks++;
      if (tie.kind !== "ok" || tie.body!.verdict !== "Reject")
        fail(
          "tie-to-incumbent",
          `${driver.transport} A's preempt of B's booking: ${JSON.stringify(tie.body?.verdict ?? tie)}`,
        );
    }
    if (ledgerHash(sqlite) !== beforeA) {
      // The two tie Rejects append decision rows and nothing else.
      const rows = sqlite.prepare("SELECT tool, verdict FROM decisions WHERE agent_id = ?").all(a.id) as {
        tool: string;
        verdict: string;
      }[];
      if (rows.some((r) => r.tool !== "preempt" || r.verdict !== "Reject"))
        fail("auth-writes-nothing", `A's refused calls wrote ${JSON.stringify(rows)}`);
      const state = sqlite
        .prepare(
          "SELECT (SELECT status FROM holds WHERE id = ?) AS h, (SELECT status FROM bookings WHERE id = ?) AS b",
        )
        .get(holdB, bookingB) as { h: string; b: string };
      if (state.h !== "active" || state.b !== "confirmed")
        fail("auth-writes-nothing", `B's hold/booking now ${JSON.stringify(state)}`);
    }
    const pendingB = sqlite
      .prepare("SELECT count(*) AS n FROM notifications WHERE agent_id = ? AND delivered_at IS NULL")
      .get(b.id) as { n: number };
    if (pendingB.n !== 1)
      fail("own-notifications-only", `B should still have its 1 undelivered notification, has ${pendingB.n}`);
    const mine = await restB.call("get_notifications", {});
    if (mine.kind !== "ok" || mine.body!.notifications[0]?.booking_id !== prey)
      fail(
        "own-notifications-only",
        `B did not get its own notification: ${JSON.stringify(mine).slice(0, 200)}`,
      );
    // Idempotency keys are scoped per agent: A reusing B's key never gets B's stored response.
    const sharedKey = "shared-idempotency-key-1";
    const bWrite = { owner_email: alpha.email, start: at(15), duration_minutes: 30, title: "B keyed" };
    const bKeyed = await log.call(b.id, restB, "create_booking", bWrite, { idempotencyKey: sharedKey });
    for (const driver of [restA, mcpA]) {
      const again = await log.call(a.id, driver, "create_booking", bWrite, { idempotencyKey: sharedKey });
      attacks++;
      // (A's second try, over MCP, may replay A's own first answer: the key is A's too now.)
      if (again.body?.decision_id && again.body.decision_id === bKeyed.body?.decision_id) {
        fail(
          "idempotency-per-agent",
          `${driver.transport}: A got B's stored response for B's idempotency key`,
        );
      }
    }
    say(`auth: cross-owner and cross-agent attacks done (${attacks})`);

    // ---- Origin spoofing on /mcp and /sse -------------------------------------------------------------
    for (const origin of [
      "https://evil.example",
      "null",
      "http://127.0.0.1.evil.example",
      "http://localhost.evil.example",
      "file://",
      "http://[::2]",
      "chrome-extension://abc",
    ]) {
      expectStatus(
        `/mcp with Origin ${origin}`,
        await mcpPost({ authorization: `Bearer ${b.key}`, origin }),
        [403],
      );
      const sse = await sendRest(
        `${server.url}/sse`,
        { headers: { authorization: `Bearer ${b.key}`, origin } },
        5_000,
      );
      expectStatus(`/sse with Origin ${origin}`, sse, [403]);
    }
    for (const origin of ["http://localhost:5173", "http://127.0.0.1:9999", "http://[::1]:3000"]) {
      const out = await mcpPost({ authorization: `Bearer ${b.key}`, origin });
      attacks++;
      if (out.kind !== "ok")
        fail("loopback-origin-allowed", `/mcp with Origin ${origin}: ${out.kind} ${out.status}`);
    }

    // ---- Host headers this server does not answer to (DNS rebinding) -----------------------------------
    const bound = new URL(server.url).host;
    const hostRequests = (host: string): [string, Parameters<typeof sendRaw>[1]][] => [
      ["/v1/me", { method: "GET", headers: { authorization: `Bearer ${b.key}`, host } }],
      [
        "/mcp",
        {
          method: "POST",
          headers: {
            authorization: `Bearer ${b.key}`,
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
            host,
          },
          body: INITIALIZE,
        },
      ],
    ];
    for (const host of [
      "evil.example",
      "evil.example:80",
      `evil.example:${new URL(server.url).port}`,
      "127.0.0.1.evil.example",
      "localhost.evil.example",
    ]) {
      for (const [path, r] of hostRequests(host)) {
        const out = await sendRaw(`${server.url}${path}`, r, 5_000);
        expectStatus(`${path} with Host ${host}`, out, [403]);
        if (out.kind === "error" && out.error?.error !== "forbidden")
          fail(
            "foreign-host-refused",
            `${path} with Host ${host}: ${JSON.stringify(out.error).slice(0, 200)}`,
          );
      }
    }
    for (const [path, r] of [...hostRequests(bound), ...hostRequests("localhost")]) {
      const out = await sendRaw(`${server.url}${path}`, r, 5_000);
      attacks++;
      if (out.kind !== "ok")
        fail(
          "loopback-host-allowed",
          `${path} with Host ${r.headers?.host}: ${out.kind} ${out.status} ${(out.text ?? out.reason ?? "").slice(0, 200)}`,
        );
    }

    // ---- failed authentications are limited per client address -----------------------------------------
    // A second server on the same ledger with the limit on (the main one has it off: the attacks above
    // send hundreds of bad keys from loopback on purpose). Bad keys over REST and /mcp alike count.
    const limited = await startInProcess(fixture.dbPath, {
      backgroundJobs: false,
      authFailuresPerMinute: 30,
    });
    try {
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      let refusal = "";
      for (let i = 0; i < 31; i++) {
        const bad = i % 3 === 0 ? generateApiKey().raw : i % 3 === 1 ? `ak_${"A".repeat(40)}` : `${b.key}x`;
        const res = await fetch(
          `${limited.url}${i % 2 === 0 ? "/v1/me" : "/mcp"}`,
          i % 2 === 0
            ? { headers: { authorization: `Bearer ${bad}` } }
            : {
                method: "POST",
                headers: {
                  authorization: `Bearer ${bad}`,
                  "content-type": "application/json",
                  accept: "application/json, text/event-stream",
                },
                body: INITIALIZE,
              },
        );
        statuses.push(res.status);
        const text = await res.text();
        if (i === 30) {
          retryAfter = res.headers.get("retry-after");
          refusal = text;
        }
      }
      attacks += 31;
      if (
        statuses.slice(0, 30).some((x) => x !== 401) ||
        statuses[30] !== 429 ||
        !(Number(retryAfter) > 0) ||
        !refusal.includes("rate_limited")
      ) {
        fail(
          "auth-failures-limited",
          `31 bad keys from one address (limit 30/min): ${statuses.join(",")}; the last Retry-After ${retryAfter}, ${refusal.slice(0, 200)}`,
        );
      }
      // The address is refused, not the key: a good key from it waits too.
      const good = await fetch(`${limited.url}/v1/me`, { headers: { authorization: `Bearer ${b.key}` } });
      await good.body?.cancel();
      attacks++;
      if (good.status !== 429)
        fail("auth-failures-limited", `a good key from the refused address got ${good.status}, not 429`);
    } finally {
      await limited.close();
    }

    // ---- another agent's SSE session ----------------------------------------------------------------
    const abort = new AbortController();
    const stream = await fetch(`${server.url}/sse`, {
      headers: { authorization: `Bearer ${b.key}` },
      signal: abort.signal,
    });
    const reader = stream.body!.getReader();
    let first = "";
    while (!first.includes("sessionId=")) {
      const { value, done } = await reader.read();
      if (done) break;
      first += new TextDecoder().decode(value);
    }
    const sessionId = /sessionId=([\w-]+)/.exec(first)?.[1];
    if (!sessionId) fail("sse-session", `no endpoint event on /sse: ${first.slice(0, 200)}`);
    else {
      const hijack = await sendRest(`${server.url}/messages?sessionId=${sessionId}`, {
        method: "POST",
        headers: { authorization: `Bearer ${a.key}`, "content-type": "application/json" },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 9,
          method: "tools/call",
          params: { name: "get_notifications", arguments: {} },
        }),
      });
      expectStatus("A posting to B's SSE session", hijack, [404]);
    }
    abort.abort();
    await reader.cancel().catch(() => undefined);

    // ---- malformed keys are refused before any lookup ----------------------------------------------------
    for (const [label, header] of garbled(b.key)) {
      const token = /^Bearer (\S+)$/.exec(header)?.[1];
      if (!token || token === b.key) continue;
      const wire = tripwire();
      attacks++;
      try {
        await authenticate(wire.db, token, Date.now());
        fail("malformed-key-no-lookup", `${label}: authenticated against a tripwire database`);
      } catch (err) {
        if (!(err instanceof OpenavailError) || err.type !== "unauthorized")
          fail("malformed-key-no-lookup", `${label}: ${String(err)}`);
        if (wire.touched())
          fail("malformed-key-no-lookup", `${label}: the database was consulted for a malformed key`);
      }
    }
    const control = tripwire();
    await authenticate(control.db, unknown, Date.now()).catch(() => undefined);
    if (!control.touched())
      fail(
        "malformed-key-no-lookup",
        "the tripwire did not see a well-formed key's lookup: the check proves nothing",
      );
    // The same through a whole app whose ledger is closed: malformed keys still get a clean 401.
    const closed = await startInProcess(fixture.dbPath, { backgroundJobs: false });
    await closed.app.ledger.close();
    for (const [label, header] of garbled(b.key).filter(([l]) => !l.startsWith("100 KB"))) {
      const out = await sendRest(`${closed.url}/v1/me`, { headers: { authorization: header } });
      expectStatus(`closed ledger, ${label}`, out, statusFor(label));
    }
    const lookup = await sendRest(`${closed.url}/v1/me`, { headers: { authorization: `Bearer ${unknown}` } });
    extra.closedLedgerWellFormedKey = `${lookup.status} (a well-formed key needs the ledger)`;
    await closed.close().catch(() => undefined);
    const app = await createApp(
      configFromEnv({}, { dbPath: fixture.dbPath, logLevel: "silent" }),
      pino({ level: "silent" }),
    );
    await app.close();
    for (const token of ["ak_short", `${b.key.slice(0, -1)}!`, `ak_${"A".repeat(49)}`]) {
      attacks++;
      const err = await app.authenticate(token).catch((e: unknown) => e);
      if (!(err instanceof OpenavailError) || err.type !== "unauthorized")
        fail("malformed-key-no-lookup", `closed app, ${token.slice(0, 12)}…: ${String(err)}`);
    }

    // ---- timing, for information: keys differing in the first vs the last character ----------------------
    const fetchMs = async (key: string) => {
      const t = performance.now();
      await fetch(`${server.url}/v1/me`, { headers: { authorization: `Bearer ${key}` } }).then((r) =>
        r.arrayBuffer(),
      );
      return performance.now() - t;
    };
    const variants = {
      firstChar: `${b.key.slice(0, 3)}${b.key[3] === "A" ? "B" : "A"}${b.key.slice(4)}`,
      lastChar: `${b.key.slice(0, -1)}${b.key.endsWith("A") ? "B" : "A"}`,
      unknownWellFormed: unknown,
    };
    const samples: Record<string, number[]> = { firstChar: [], lastChar: [], unknownWellFormed: [] };
    for (let i = 0; i < o.timingSamples; i++) {
      for (const [k, key] of Object.entries(variants)) samples[k]!.push(await fetchMs(key));
    }
    attacks += 3 * o.timingSamples;
    extra.timing = {
      medianMs: Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, +median(v).toFixed(3)])),
      welchT_firstVsLast: +welch(samples.firstChar!, samples.lastChar!).toFixed(2),
      note: "informative only: |t| > 3 would hint at a timing difference",
    };
  } finally {
    await Promise.all(drivers.map((d) => d.close().catch(() => undefined)));
    await server.close();
    fixture.remove();
  }
  return scenarioResult(name, started, log.records, {
    requests: attacks,
    authAttacks: attacks,
    checks: attacks,
    violations: [...log.violations, ...violations],
    extra,
  });
}
