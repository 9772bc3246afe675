// Hostile input that is not a tool's arguments but a whole request, sent raw (node:http): invalid
// UTF-8 bytes in bodies (REST, /mcp, /messages); empty, oversized and duplicate-id JSON-RPC batches
// (/mcp, /messages); chunked bodies past each transport's bound; and, on the admin surface,
// Object.prototype names as default_class, scopes and calendar_type, lone surrogates in names and
// instants outside 1970..9999 as `since`. Part of the hostile scenario (hostile.ts), whose ledger
// fingerprint and violation list it reports to.
//
// Expected (issue 14): invalid UTF-8 is a 400 bad_request saying UTF-8, wherever the bytes stand; a
// batch that is empty, has more than 20 messages or repeats a request id is an HTTP 400 JSON-RPC
// -32600 Invalid Request and runs none of its messages; other malformed batches are a 4xx; a chunked
// body past the bound (REST 1 MiB, /mcp and /messages 4 MiB) is a 413 the still-sending client reads;
// an admin input naming an Object.prototype member, holding a lone surrogate or an out-of-range
// instant is a 400 naming the field. None of them writes anything.
import { request as httpRequest } from "node:http";
import fc from "fast-check";
import { readsQuery } from "../../src/transports/rest/tool-routes.js";
import { TOOLS } from "../../tools/index.js";
import {
  INVALID_UTF8,
  type InvalidUtf8Body,
  invalidUtf8In,
  OBJECT_PROTOTYPE_NAMES,
  OUT_OF_RANGE_INSTANTS,
} from "../helpers/fuzz-arbitraries.js";
import type { Outcome } from "./common.js";
import { type RawOutcome, type RawRequest, restRequest, sendRaw } from "./drivers.js";

export interface HostileRequestsContext {
  /** The in-process server's base URL. */
  readonly url: string;
  /** The fuzzing agent's key (may do everything on every owner). */
  readonly key: string;
  readonly agentId: string;
  readonly adminToken: string;
  /** An owner the agent may book on (for admin calendar requests). */
  readonly ownerEmail: string;
  /** A valid input per tool, as the hostile scenario built them. */
  readonly bases: Readonly<Record<string, Record<string, unknown>>>;
  /** Generated cases per kind and transport (invalid UTF-8, oversized and duplicate-id batches). */
  readonly runs: number;
  /** Chunked uploads past the bound per transport (0: none). */
  readonly hugeBodies: number;
  readonly seed: number;
  /** The ledger's fingerprint: every table, api_keys without last_used_at. */
  fingerprint(): string;
  fail(invariant: string, detail: string): void;
  /** Counts one case of a category, for the report. */
  tried(category: string): void;
  healthz(when: string): Promise<void>;
}

const MCP_ACCEPT = "application/json, text/event-stream";
const MAX_BATCH = 20;
const MiB = 1024 * 1024;

function rpc(id: number | string | null, method: string, params?: unknown): Record<string, unknown> {
  return { jsonrpc: "2.0", id, method, ...(params === undefined ? {} : { params }) };
}

function hex(bytes: readonly number[]): string {
  return bytes.map((b) => b.toString(16).padStart(2, "0")).join(" ");
}

/** The invalid sequence a body carries, for messages (the first one not valid UTF-8 on its own). */
function sequenceIn(b: InvalidUtf8Body): string {
  const found = INVALID_UTF8.find((seq) => {
    for (let i = 0; i + seq.length <= b.bytes.length; i++)
      if (seq.every((x, j) => b.bytes[i + j] === x)) return true;
    return false;
  });
  return found ? hex(found) : "?";
}

function describe(out: RawOutcome): string {
  return `${out.kind} ${out.status} ${(out.text ?? out.reason ?? "").slice(0, 240)}`;
}

/** The JSON-RPC error code of a refused message or batch, if the body is one. */
function rpcErrorCode(out: RawOutcome): number | undefined {
  const j = out.json as { error?: { code?: unknown } } | undefined;
  return j && !Array.isArray(j) && typeof j.error?.code === "number" ? j.error.code : undefined;
}

function namesField(out: Outcome, field: string): boolean {
  return (
    (out.error?.details ?? []).some((d) => d.field === field || d.field.startsWith(`${field}.`)) ||
    (out.error?.message.includes(field) ?? false)
  );
}

export async function hostileRequests(ctx: HostileRequestsContext): Promise<void> {
  const mcpHeaders = {
    "content-type": "application/json",
    accept: MCP_ACCEPT,
    authorization: `Bearer ${ctx.key}`,
  };
  /** Sends `r`; fails if there was no answer or a 5xx. */
  const send = async (label: string, url: string, r: RawRequest) => {
    const out = await sendRaw(url, r, 30_000);
    if (out.kind === "lost" || out.kind === "refused")
      ctx.fail("no-crash", `${label}: no answer (${out.reason})`);
    else if ((out.status ?? 0) >= 500) ctx.fail("no-internal-error", `${label}: ${describe(out)}`);
    return out;
  };
  // Nothing here may write: the ledger is compared after each group of requests (hashing it around
  // every one would cost more than the requests), and the server must still answer.
  let mark = ctx.fingerprint();
  const settle = async (group: string) => {
    const now = ctx.fingerprint();
    if (now !== mark) ctx.fail("rejection-writes-nothing", `${group} changed the database`);
    mark = now;
    await ctx.healthz(`after ${group}`);
  };

  // ---- an SSE session, for /messages ------------------------------------------------------------------
  const sse = await openSse(ctx.url, ctx.key);
  if (!sse.endpoint) ctx.fail("sse-session", `no endpoint event on /sse: ${sse.first.slice(0, 200)}`);
  const messagesUrl = sse.endpoint ? `${ctx.url}${sse.endpoint}` : undefined;
  try {
    // ---- invalid UTF-8 bytes in bodies ----------------------------------------------------------------
    const utf8Refused = (label: string, out: RawOutcome) => {
      ctx.tried("invalid UTF-8 body");
      if (
        out.kind !== "error" ||
        out.status !== 400 ||
        out.error?.error !== "bad_request" ||
        !/UTF-8/i.test(out.error.message)
      )
        ctx.fail("invalid-utf8-refused", `${label}: wanted 400 bad_request (UTF-8), got ${describe(out)}`);
    };
    const bodyTools = TOOLS.filter(
      (t) =>
        (t.rest.method === "POST" || t.rest.method === "PUT") && !readsQuery(t.rest) && ctx.bases[t.name],
    );
    const restCases = fc.sample(
      fc.constantFrom(...bodyTools).chain((t) => {
        const { url, init } = restRequest(ctx.url, ctx.key, t.name, ctx.bases[t.name]!);
        return invalidUtf8In(String(init.body)).map((b) => ({ tool: t, url, init, b }));
      }),
      { numRuns: ctx.runs, seed: ctx.seed + 11 },
    );
    for (const { tool, url, init, b } of restCases) {
      const label = `REST ${tool.name} with ${sequenceIn(b)} ${b.where}`;
      const out = await send(label, url, {
        method: tool.rest.method,
        headers: init.headers as Record<string, string>,
        body: b.bytes,
      });
      utf8Refused(label, out);
    }
    const messageBody = (t: (typeof TOOLS)[number], batch: boolean) => {
      const call = rpc(1, "tools/call", { name: t.name, arguments: ctx.bases[t.name] });
      return JSON.stringify(batch ? [rpc(0, "ping"), call] : call);
    };
    const mcpCases = fc.sample(
      fc
        .tuple(fc.constantFrom(...TOOLS.filter((t) => ctx.bases[t.name])), fc.boolean())
        .chain(([t, batch]) => invalidUtf8In(messageBody(t, batch)).map((b) => ({ tool: t, batch, b }))),
      { numRuns: ctx.runs, seed: ctx.seed + 12 },
    );
    for (const [i, { tool, batch, b }] of mcpCases.entries()) {
      const label = `${batch ? "a batch with " : ""}tools/call ${tool.name} with ${sequenceIn(b)} ${b.where}`;
      utf8Refused(
        `/mcp ${label}`,
        await send(`/mcp ${label}`, `${ctx.url}/mcp`, { method: "POST", headers: mcpHeaders, body: b.bytes }),
      );
      // /messages takes the same bodies; a few of them suffice.
      if (messagesUrl && i % 3 === 0) {
        utf8Refused(
          `/messages ${label}`,
          await send(`/messages ${label}`, messagesUrl, {
            method: "POST",
            headers: mcpHeaders,
            body: b.bytes,
          }),
        );
      }
    }
    await settle("invalid UTF-8 bodies");

    // ---- batches: empty, oversized, repeated ids ------------------------------------------------------
    const invalidRequest = (label: string, out: RawOutcome, says: RegExp) => {
      if (out.status !== 400 || rpcErrorCode(out) !== -32600 || !says.test(out.text ?? ""))
        ctx.fail(
          "batch-refused",
          `${label}: wanted 400 with JSON-RPC -32600 (${says}), got ${describe(out)}`,
        );
    };
    const booking = (id: number | string | null) =>
      rpc(id, "tools/call", { name: "create_booking", arguments: ctx.bases.create_booking });
    const batchTargets: [string, string][] = [["/mcp", `${ctx.url}/mcp`]];
    if (messagesUrl) batchTargets.push(["/messages", messagesUrl]);
    const post = (body: unknown) =>
      ({
        method: "POST",
        headers: mcpHeaders,
        body: typeof body === "string" ? body : JSON.stringify(body),
      }) as const;
    for (const [where, url] of batchTargets) {
      for (const body of ["[]", "[ ]", "[\n]"]) {
        ctx.tried("batch: empty");
        invalidRequest(
          `${where} ${JSON.stringify(body)}`,
          await send(`${where} empty batch`, url, post(body)),
          /empty/,
        );
      }
      const oversized = [
        MAX_BATCH + 1,
        ...fc.sample(fc.integer({ min: MAX_BATCH + 2, max: 300 }), {
          numRuns: where === "/mcp" ? Math.max(2, Math.round(ctx.runs / 2)) : 1,
          seed: ctx.seed + 13,
        }),
      ];
      for (const n of oversized) {
        ctx.tried("batch: oversized");
        // Every other message is a booking: had any of them run, the ledger would show it.
        const batch = Array.from({ length: n }, (_, i) => (i % 2 === 0 ? booking(i) : rpc(i, "ping")));
        invalidRequest(
          `${where} a batch of ${n}`,
          await send(`${where} batch of ${n}`, url, post(batch)),
          /at most 20/,
        );
      }
      const repeats = fc.sample(
        fc
          .record({
            n: fc.integer({ min: 2, max: MAX_BATCH }),
            first: fc.nat(),
            second: fc.nat(),
            strings: fc.boolean(),
          })
          .map(({ n, first, second, strings }) => {
            const i = first % (n - 1);
            const j = i + 1 + (second % (n - 1 - i));
            const ids: (number | string)[] = Array.from({ length: n }, (_, k) => (strings ? `r${k}` : k));
            ids[j] = ids[i]!;
            return { n, i, j, ids };
          }),
        { numRuns: where === "/mcp" ? Math.max(2, Math.round(ctx.runs / 2)) : 2, seed: ctx.seed + 14 },
      );
      for (const { n, i, j, ids } of repeats) {
        ctx.tried("batch: duplicate ids");
        const batch = ids.map((id, k) => (k === i || k === j || k % 3 === 0 ? booking(id) : rpc(id, "ping")));
        invalidRequest(
          `${where} a batch of ${n} with id ${JSON.stringify(ids[i])} at ${i} and ${j}`,
          await send(`${where} duplicate ids`, url, post(batch)),
          /appears twice/,
        );
      }
    }
    // Malformed batches have no rule of their own: a 4xx, nothing run.
    for (const body of [
      "[[]]",
      "[1, 2]",
      "[null]",
      "[{}]",
      '[{"jsonrpc":"2.0"}]',
      JSON.stringify([[rpc(1, "ping")]]),
      JSON.stringify([booking(null), booking(null)]),
      JSON.stringify([booking(1.5), rpc(1.5, "ping")]),
    ]) {
      ctx.tried("batch: malformed");
      const out = await send(`/mcp ${body.slice(0, 60)}`, `${ctx.url}/mcp`, post(body));
      if ((out.status ?? 0) < 400 || (out.status ?? 0) >= 500)
        ctx.fail("batch-refused", `/mcp ${body.slice(0, 80)}: wanted a 4xx, got ${describe(out)}`);
    }
    // Within the rules a batch is answered in full: 20 distinct ids, and 1 beside "1".
    for (const ids of [Array.from({ length: MAX_BATCH }, (_, k) => k), [1, "1"]] as (number | string)[][]) {
      ctx.tried("batch: control");
      const out = await send(
        `/mcp ${ids.length} pings`,
        `${ctx.url}/mcp`,
        post(ids.map((id) => rpc(id, "ping"))),
      );
      const answers = Array.isArray(out.json) ? (out.json as { id?: unknown; result?: unknown }[]) : [];
      const answered = new Set(
        answers.filter((a) => a.result !== undefined).map((a) => JSON.stringify(a.id)),
      );
      if (out.status !== 200 || ids.some((id) => !answered.has(JSON.stringify(id))))
        ctx.fail(
          "batch-within-rules-answered",
          `${ids.length} pings with ids ${JSON.stringify(ids)}: ${describe(out)}`,
        );
    }
    await settle("the batches");

    // ---- bodies past the bound, sent chunked (no Content-Length), and /mcp's bound itself -----------------
    if (ctx.hugeBodies > 0) {
      const toolCallPrefix =
        '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"create_booking","arguments":{"title":"';
      const uploads: [string, string, Record<string, string>, string, number][] = [
        [
          "REST /v1/bookings",
          `${ctx.url}/v1/bookings`,
          { "content-type": "application/json", authorization: `Bearer ${ctx.key}` },
          '{"owner_email":"a@b.co","title":"',
          3 * MiB,
        ],
        ["/mcp", `${ctx.url}/mcp`, mcpHeaders, toolCallPrefix, 6 * MiB],
      ];
      if (messagesUrl) uploads.push(["/messages", messagesUrl, mcpHeaders, toolCallPrefix, 6 * MiB]);
      for (let i = 0; i < ctx.hugeBodies; i++) {
        for (const [label, url, headers, prefix, total] of uploads) {
          ctx.tried("chunked past the bound");
          const size = total + i * MiB;
          const out = await send(`${label} chunked ${size} bytes`, url, {
            method: "POST",
            headers,
            chunked: { prefix, total: size },
          });
          if (out.kind !== "error" || out.status !== 413 || out.error?.error !== "payload_too_large")
            ctx.fail(
              "chunked-body-413",
              `${label}, ${(size / MiB).toFixed(0)} MiB chunked: wanted a 413 payload_too_large the client reads, got ${describe(out)}`,
            );
          await settle(`a chunked ${label} body`);
        }
      }
      // A message of exactly 4 MiB is read (its 4 MiB title is refused by name); one byte more is a 413.
      const whole = (title: string) =>
        JSON.stringify(
          rpc(1, "tools/call", { name: "create_booking", arguments: { ...ctx.bases.create_booking, title } }),
        );
      const pad = 4 * MiB - whole("").length;
      for (const [extra, want] of [
        [0, 200],
        [1, 413],
      ] as const) {
        ctx.tried("/mcp body bound");
        const body = whole("x".repeat(pad + extra));
        const out = await send(`/mcp ${body.length} bytes`, `${ctx.url}/mcp`, post(body));
        const result = (
          out.json as { result?: { isError?: boolean; content?: { text?: string }[] } } | undefined
        )?.result;
        const ok =
          want === 413
            ? out.status === 413 && out.error?.error === "payload_too_large"
            : out.status === 200 &&
              result?.isError === true &&
              /"field":"title"/.test(result.content?.[0]?.text ?? "");
        if (!ok)
          ctx.fail(
            "mcp-body-bound",
            `a /mcp body of ${body.length} bytes: wanted ${want === 413 ? "413" : "200 with a tool error naming title"}, got ${describe(out)}`,
          );
      }
      await settle("the /mcp body bound");
    }

    // ---- the admin surface: names looked up by key, lone surrogates, instants out of range ---------------
    const admin = { "content-type": "application/json", authorization: `Bearer ${ctx.adminToken}` };
    const adminCase = async (label: string, method: string, path: string, body: unknown, field: string) => {
      ctx.tried("admin input");
      const out = await send(`admin ${label}`, `${ctx.url}${path}`, {
        method,
        headers: admin,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      if (out.kind !== "error" || out.status !== 400 || !namesField(out, field))
        ctx.fail(
          label.includes("surrogate")
            ? "lone-surrogate-refused"
            : label.includes("since")
              ? "instant-range-refused"
              : "prototype-name-refused",
          `admin ${label}: wanted 400 naming ${field}, got ${describe(out)}`,
        );
    };
    const agentBody = { name: "proto agent", scopes: ["read_freebusy"], owners: ["*"] };
    for (const n of OBJECT_PROTOTYPE_NAMES) {
      await adminCase(
        `POST /v1/agents default_class ${n}`,
        "POST",
        "/v1/agents",
        { ...agentBody, default_class: n },
        "default_class",
      );
      await adminCase(
        `POST /v1/agents scopes [${n}]`,
        "POST",
        "/v1/agents",
        { ...agentBody, scopes: [n] },
        "scopes",
      );
      await adminCase(
        `PATCH /v1/agents default_class ${n}`,
        "PATCH",
        `/v1/agents/${ctx.agentId}`,
        { default_class: n },
        "default_class",
      );
      await adminCase(
        `POST /v1/calendars calendar_type ${n}`,
        "POST",
        "/v1/calendars",
        { owner_email: ctx.ownerEmail, calendar_type: n },
        "calendar_type",
      );
    }
    await adminCase(
      "POST /v1/agents name with a lone surrogate",
      "POST",
      "/v1/agents",
      { ...agentBody, name: "x\ud800" },
      "name",
    );
    await adminCase(
      "POST /v1/owners name with a lone surrogate",
      "POST",
      "/v1/owners",
      { email: "surrogate@reliability.test", name: "\udc00y" },
      "name",
    );
    await adminCase(
      "POST /v1/calendars name with a lone surrogate",
      "POST",
      "/v1/calendars",
      { owner_email: ctx.ownerEmail, calendar_type: "surrogate", name: "a\ude00\ud83d" },
      "name",
    );
    for (const since of OUT_OF_RANGE_INSTANTS)
      await adminCase(
        `GET /v1/decisions since ${since}`,
        "GET",
        `/v1/decisions?since=${encodeURIComponent(since)}`,
        undefined,
        "since",
      );
    await settle("the admin inputs");
  } finally {
    sse.close();
  }
}

/**
 * Opens GET /sse on a connection of its own (node:http) and reads up to its endpoint event (bounded:
 * 10 s); close() destroys the socket. (An aborted fetch leaves its socket to the server's close grace.)
 */
function openSse(base: string, key: string): Promise<{ endpoint?: string; first: string; close(): void }> {
  return new Promise((resolve) => {
    const u = new URL(`${base}/sse`);
    let first = "";
    const finish = () => {
      clearTimeout(timer);
      const endpoint = /data: (\S+)/.exec(first)?.[1];
      resolve({ ...(endpoint ? { endpoint } : {}), first, close: () => req.destroy() });
    };
    const req = httpRequest(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        headers: { authorization: `Bearer ${key}` },
        agent: false,
      },
      (res) => {
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          first += chunk;
          if (/data: \S+/.test(first)) finish();
        });
        res.on("end", finish);
      },
    );
    const timer = setTimeout(finish, 10_000);
    req.on("error", (err) => {
      first += ` (${err.message})`;
      finish();
    });
    req.end();
  });
}
