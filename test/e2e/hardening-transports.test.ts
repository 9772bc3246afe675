// Issue 14, the transport classes an outside attack found, each through a real server on a loopback
// port (REST, /mcp, /sse + /messages) and the stdio server on real streams: bounded batches and bodies,
// every request counted, SSE sessions capped, Host checked, one UTF-8 rule, failed sign-ins limited
// per address, and a 413 a still-sending client can read.
import { request } from "node:http";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App, AppConfig } from "../../src/compose.js";
import type { RunningServer } from "../../src/transports/http/server.js";
import { MAX_BATCH } from "../../src/transports/mcp/batch-rules.js";
import { serveStdio } from "../../src/transports/mcp/stdio.js";
import { TOOLS } from "../../tools/index.js";
import { serveApp, serverAppOf } from "../helpers/served-world.js";
import { countRows, makeWorld, type World } from "../helpers/world.js";

const CEO = "ceo@example.com";
const MCP_ACCEPT = "application/json, text/event-stream";

let w: World;
let app: App;
let server: RunningServer;
let port: number;

function serverApp(overrides: Partial<AppConfig> = {}): Promise<App> {
  return serverAppOf(w, { rateLimitPerMinute: 1_000, allowedHosts: ["openavail.example.com"], ...overrides });
}

beforeAll(async () => {
  w = await makeWorld("2026-03-02T12:00:00Z");
  await w.addOwner(CEO, "UTC");
  app = await serverApp();
  server = await serveApp(app);
  port = server.port;
});
afterAll(async () => {
  await server?.close();
  await w?.close();
});

function rpc(id: number | string, method: string, params?: unknown) {
  return { jsonrpc: "2.0", id, method, ...(params === undefined ? {} : { params }) };
}

function postMcp(
  key: string,
  body: string | object,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${server.url}/mcp`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: MCP_ACCEPT,
      authorization: `Bearer ${key}`,
      ...headers,
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** A raw HTTP/1.1 request with a chunked body of `total` bytes, sent as fast as the socket takes it. */
function chunkedUpload(
  path: string,
  headers: Record<string, string>,
  total: number,
): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path, method: "POST", headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        body += c;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", (err) => resolve({ error: err.message }));
    });
    req.on("error", (err) => resolve({ error: (err as NodeJS.ErrnoException).code ?? err.message }));
    const chunk = Buffer.alloc(64 * 1024, "x");
    let sent = 0;
    const pump = () => {
      while (sent < total) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      req.end();
    };
    pump();
  });
}

describe("JSON-RPC batches on /mcp (issue 14: 3, 5e, 5f)", () => {
  it("refuses an empty batch, an oversized one and repeated ids with Invalid Request, running nothing", async () => {
    const { key } = await w.addAgent({ name: "batcher" });
    const cases: [string, unknown[], string][] = [
      ["empty", [], "empty batch"],
      [
        "oversized",
        Array.from({ length: MAX_BATCH + 1 }, (_, i) => rpc(i, "tools/list")),
        `at most ${MAX_BATCH}`,
      ],
      [
        "repeated id",
        [rpc(1, "tools/list"), rpc(2, "ping"), rpc(1, "tools/call", { name: "whoami" })],
        "id 1",
      ],
    ];
    for (const [what, batch, says] of cases) {
      const res = await postMcp(key, batch);
      expect(res.status, what).toBe(400);
      const body = (await res.json()) as { error: { code: number; message: string } };
      expect(body.error.code, what).toBe(-32600);
      expect(body.error.message, what).toContain(says);
    }
    // Ids of different types do not collide, and a batch within the bound is answered in full.
    const ok = (await (await postMcp(key, [rpc(1, "ping"), rpc("1", "ping")])).json()) as { id: unknown }[];
    expect(ok.map((r) => r.id).sort()).toEqual([1, "1"]);
  });

  it("counts each message of a batch against the rate limit", async () => {
    const limited = await serverApp({ rateLimitPerMinute: 30 });
    const s = await serveApp(limited);
    try {
      const { key } = await w.addAgent({ name: "counted batches" });
      const batch = Array.from({ length: MAX_BATCH }, (_, i) => rpc(i, "tools/list"));
      const post = (body: unknown) =>
        fetch(`${s.url}/mcp`, {
          method: "POST",
          headers: { "content-type": "application/json", accept: MCP_ACCEPT, authorization: `Bearer ${key}` },
          body: JSON.stringify(body),
        });
      expect((await post(batch)).status).toBe(200);
      // 20 of 30 spent (addAgent counted on another app): a second batch of 20 does not fit, one more ping does.
      const refused = await post(batch);
      expect(refused.status).toBe(429);
      expect(await refused.json()).toMatchObject({
        error: "rate_limited",
        message: expect.stringContaining("20 requests"),
      });
      expect((await post(rpc(1, "ping"))).status).toBe(200);
    } finally {
      await s.close();
    }
  });
});

describe("tools/list (issues 14 and 15)", () => {
  it("answers a lone tools/list with the same bytes on the direct path and through the SDK", async () => {
    const { key } = await w.addAgent({ name: "lister" });
    const direct = await (await postMcp(key, rpc(5, "tools/list"))).text();
    const viaSdk = await (await postMcp(key, rpc(5, "tools/list", { _meta: {} }))).text();
    expect(direct).toBe(viaSdk);
    expect(JSON.parse(direct).result.tools).toHaveLength(TOOLS.length);
    // An agent sees only the tools its scopes allow, on both paths.
    const reader = await w.addAgent({ name: "reader", scopes: ["read_freebusy"] });
    const names = (text: string) => (JSON.parse(text).result.tools as { name: string }[]).map((t) => t.name);
    const readerDirect = await (await postMcp(reader.key, rpc(6, "tools/list"))).text();
    const readerSdk = await (await postMcp(reader.key, rpc(6, "tools/list", { _meta: {} }))).text();
    expect(readerDirect).toBe(readerSdk);
    expect(names(readerDirect).sort()).toEqual(
      ["check_availability", "find_common_slots", "get_free_busy", "get_notifications", "whoami"].sort(),
    );
  });
});

describe("bodies are bounded before they are read whole (issue 14: 4, 5k)", () => {
  it("answers 401 to an anonymous oversized POST /mcp without reading it", async () => {
    const out = await chunkedUpload(
      "/mcp",
      { "content-type": "application/json", accept: MCP_ACCEPT, "transfer-encoding": "chunked" },
      8 * 1024 * 1024,
    );
    expect(out).toMatchObject({ status: 401 });
  });

  it.each([
    ["/mcp", MCP_ACCEPT],
    ["/v1/bookings", "application/json"],
  ])("cuts a 20 MiB chunked upload to %s off with a 413 the client reads", async (path, accept) => {
    const { key } = await w.addAgent({ name: `uploader ${path}` });
    const headers = {
      "content-type": "application/json",
      accept,
      authorization: `Bearer ${key}`,
      "transfer-encoding": "chunked",
    };
    for (let i = 0; i < 3; i++) {
      const out = await chunkedUpload(path, headers, 20 * 1024 * 1024);
      expect(out).toMatchObject({ status: 413 });
      if ("body" in out) expect(JSON.parse(out.body)).toMatchObject({ error: "payload_too_large" });
    }
    // The server is still answering.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it("cuts a chunked POST /messages off with a 413 too", async () => {
    const { key } = await w.addAgent({ name: "sse uploader" });
    const abort = new AbortController();
    const stream = await fetch(`${server.url}/sse`, {
      headers: { authorization: `Bearer ${key}` },
      signal: abort.signal,
    });
    const reader = stream.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    const endpoint = /data: (\S+)/.exec(first)![1]!;
    try {
      const out = await chunkedUpload(
        endpoint,
        {
          "content-type": "application/json",
          authorization: `Bearer ${key}`,
          "transfer-encoding": "chunked",
        },
        10 * 1024 * 1024,
      );
      expect(out).toMatchObject({ status: 413 });
    } finally {
      abort.abort();
    }
  });
});

describe("one UTF-8 rule on every transport (issue 14: 5b)", () => {
  const booking = (title: string) =>
    `{"owner_email":"${CEO}","start":"2026-03-04T10:00:00Z","duration_minutes":30,"title":"${title}"}`;
  const withBadByte = (json: string) => {
    const bytes = Buffer.from(json.replace("BAD", "\u0000"));
    bytes[bytes.indexOf(0)] = 0xff;
    return bytes;
  };

  it("refuses invalid UTF-8 over REST and /mcp alike, booking nothing", async () => {
    const { key } = await w.addAgent({ name: "bytes" });
    const rest = await fetch(`${server.url}/v1/bookings`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: withBadByte(booking("BAD")),
    });
    expect(rest.status).toBe(400);
    expect(await rest.json()).toMatchObject({
      error: "bad_request",
      message: expect.stringContaining("UTF-8"),
    });
    const call = JSON.stringify(
      rpc(1, "tools/call", { name: "create_booking", arguments: JSON.parse(booking("BAD")) }),
    );
    const mcp = await fetch(`${server.url}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: MCP_ACCEPT, authorization: `Bearer ${key}` },
      body: withBadByte(call),
    });
    expect(mcp.status).toBe(400);
    expect(await mcp.json()).toMatchObject({
      error: "bad_request",
      message: expect.stringContaining("UTF-8"),
    });
    expect(await countRows(app.ledger.db, "bookings", "title LIKE 'BAD%' OR title LIKE '\uFFFD%'")).toBe(0);
  });

  it("refuses a query string whose percent-escapes are not UTF-8, instead of reading U+FFFD", async () => {
    const { key } = await w.addAgent({ name: "escapes" });
    const res = await fetch(`${server.url}/v1/owners/${CEO}/freebusy?start=2026-03-03T00:00:00Z%FF&end=x`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: "bad_request",
      message: expect.stringContaining("UTF-8"),
    });
    const ok = await fetch(
      `${server.url}/v1/owners/${CEO}/freebusy?start=2026-03-03T00:00:00%2B00:00&end=2026-03-04T00:00:00Z`,
      {
        headers: { authorization: `Bearer ${key}` },
      },
    );
    expect(ok.status).toBe(200);
  });

  it("answers invalid UTF-8 on stdio with a parse error and goes on serving", async () => {
    const { key } = await w.addAgent({ name: "stdio bytes" });
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const lines: Record<string, unknown>[] = [];
    let buffered = "";
    stdout.on("data", (c: Buffer) => {
      buffered += c.toString("utf8");
      for (let nl = buffered.indexOf("\n"); nl >= 0; nl = buffered.indexOf("\n")) {
        lines.push(JSON.parse(buffered.slice(0, nl)));
        buffered = buffered.slice(nl + 1);
      }
    });
    const session = serveStdio(w.app, key, { stdin, stdout });
    const call = JSON.stringify(
      rpc(1, "tools/call", { name: "create_booking", arguments: JSON.parse(booking("BAD")) }),
    );
    stdin.write(Buffer.concat([withBadByte(call), Buffer.from("\n")]));
    stdin.write(`${JSON.stringify(rpc(2, "ping"))}\n`);
    stdin.write(`${JSON.stringify([rpc(3, "ping")])}\n`);
    await expect.poll(() => lines.length).toBe(3);
    stdin.end();
    await session;
    const errorOf = (code: number) =>
      lines.find((l) => (l.error as { code?: number } | undefined)?.code === code);
    expect(errorOf(-32700)).toMatchObject({ id: null, error: { message: expect.stringContaining("UTF-8") } });
    expect(errorOf(-32600)).toMatchObject({
      id: null,
      error: { message: expect.stringContaining("batches") },
    });
    expect(lines).toContainEqual({ jsonrpc: "2.0", id: 2, result: {} });
  });
});

describe("Host and Origin (issue 14: 5a)", () => {
  it.each(["/healthz", "/v1/me", "/mcp"])("refuses a Host that is not this server's on %s", async (path) => {
    const { key } = await w.addAgent({ name: `host ${path}` });
    const send = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request(
          { host: "127.0.0.1", port, path, method: "GET", headers: { host, authorization: `Bearer ${key}` } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on("error", reject);
        req.end();
      });
    expect(await send("evil.example")).toBe(403);
    expect(await send("evil.example:80")).toBe(403);
    expect(await send("127.0.0.1.evil.example")).toBe(403);
    expect(await send(`127.0.0.1:${port}`)).not.toBe(403);
    expect(await send(`localhost:${port}`)).not.toBe(403);
    expect(await send("openavail.example.com")).not.toBe(403);
  });
});

describe("SSE sessions and protocol chatter are counted (issue 14: 3)", () => {
  it("caps the SSE sessions one agent may hold open", async () => {
    const { key } = await w.addAgent({ name: "hoarder" });
    const aborts: AbortController[] = [];
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 11; i++) {
        const abort = new AbortController();
        aborts.push(abort);
        const res = await fetch(`${server.url}/sse`, {
          headers: { authorization: `Bearer ${key}` },
          signal: abort.signal,
        });
        statuses.push(res.status);
        if (res.status !== 200) expect(await res.json()).toMatchObject({ error: "rate_limited" });
      }
      expect(statuses.slice(0, 10).every((s) => s === 200)).toBe(true);
      expect(statuses[10]).toBe(429);
    } finally {
      for (const a of aborts) a.abort();
    }
  });
});

describe("failed authentication is limited per client address (issue 14: 5h)", () => {
  it("refuses an address past 30 failures a minute with 429, even with a good key, until they age", async () => {
    const s = await serveApp(await serverApp());
    try {
      const { key } = await w.addAgent({ name: "victim" });
      const bad = `ak_${"A".repeat(40)}`;
      const statuses: number[] = [];
      for (let i = 0; i < 31; i++) {
        const res = await fetch(`${s.url}/v1/me`, { headers: { authorization: `Bearer ${bad}` } });
        statuses.push(res.status);
        await res.body?.cancel();
      }
      expect(statuses.slice(0, 30).every((x) => x === 401)).toBe(true);
      expect(statuses[30]).toBe(429);
      const good = await fetch(`${s.url}/mcp`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: MCP_ACCEPT, authorization: `Bearer ${key}` },
        body: JSON.stringify(rpc(1, "ping")),
      });
      expect(good.status).toBe(429);
      expect(Number(good.headers.get("retry-after"))).toBeGreaterThan(0);
      w.clock.now += 61_000;
      expect((await fetch(`${s.url}/v1/me`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(
        200,
      );
    } finally {
      w.clock.now -= 61_000;
      await s.close();
    }
  });
});
