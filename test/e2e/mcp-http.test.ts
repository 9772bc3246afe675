// End to end over HTTP: Streamable HTTP at /mcp and legacy SSE at /sse + /messages, mounted on a Hono
// app served by @hono/node-server on a loopback port, driven by the SDK's client transports.
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setAgentStatus } from "../../src/service/agents-admin.js";
import { type McpHttpMount, mountMcpHttp } from "../../src/transports/mcp/http.js";
import { TOOLS } from "../../tools/index.js";
import { makeWorld, type World } from "../helpers/world.js";

// 2026-03-02 is a Monday; the owner has no rules, so every minute outside a booking is free.
let w: World;
let agent: { agentId: string; key: string };
let other: { agentId: string; key: string };
let mount: McpHttpMount;
let server: ReturnType<typeof serve>;
let base: string;

const INITIALIZE = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
};
const MCP_ACCEPT = "application/json, text/event-stream";

beforeAll(async () => {
  w = await makeWorld("2026-03-02T12:00:00Z");
  await w.addOwner("ceo@example.com", "UTC");
  agent = await w.addAgent({ name: "http agent" });
  other = await w.addAgent({ name: "other agent" });
  const hono = new Hono();
  mount = mountMcpHttp(hono, w.app, { allowedOrigins: ["https://console.example.com"] });
  server = serve({ fetch: hono.fetch, hostname: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => server.once("listening", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await mount?.close();
  await new Promise((resolve) => server?.close(resolve));
  await w?.close();
});

function streamable(key: string): Transport {
  return new StreamableHTTPClientTransport(new URL(`${base}/mcp`), {
    requestInit: { headers: { Authorization: `Bearer ${key}` } },
  });
}

function sse(key: string): Transport {
  return new SSEClientTransport(new URL(`${base}/sse`), {
    requestInit: { headers: { Authorization: `Bearer ${key}` } },
  });
}

async function connect(transport: Transport): Promise<Client> {
  const client = new Client({ name: "openavail-e2e", version: "1.0.0" });
  await client.connect(transport);
  return client;
}

function textOf(res: CallToolResult): string {
  const first = res.content[0];
  return first?.type === "text" ? first.text : "";
}

async function call(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

function post(path: string, headers: Record<string, string>, body: unknown = INITIALIZE): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: MCP_ACCEPT, ...headers },
    body: JSON.stringify(body),
  });
}

/** The events of a text/event-stream body, one `{event, data}` at a time. */
async function* sseEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<{ event: string; data: string }> {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let end = buffer.indexOf("\n\n");
    while (end >= 0) {
      const lines = buffer.slice(0, end).split("\n");
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf("\n\n");
      const field = (name: string) =>
        lines.find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2) ?? "";
      if (lines.every((l) => l.startsWith(":"))) continue; // a keep-alive comment
      yield { event: field("event") || "message", data: field("data") };
    }
  }
}

describe.each([
  ["Streamable HTTP", streamable],
  ["legacy SSE", sse],
] as const)("MCP over %s", (_name, transportFor) => {
  it("lists every tool and answers calls with structuredContent or the error object", async () => {
    const client = await connect(transportFor(agent.key));
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(TOOLS.map((t) => t.name).sort());
      expect(tools.every((t) => t.outputSchema?.type === "object")).toBe(true);

      const me = await call(client, "whoami");
      expect(me.isError).toBeFalsy();
      expect(me.structuredContent).toMatchObject({ agent_id: agent.agentId, name: "http agent" });

      const check = await call(client, "check_availability", {
        owner_email: "ceo@example.com",
        duration_minutes: 30,
        hold: false,
        window: { start: "2026-03-03T14:00:00Z", end: "2026-03-03T16:00:00Z" },
      });
      const verdict = check.structuredContent as { verdict: string; slots: { start: string; end: string }[] };
      expect(verdict.verdict).toBe("Accept");
      expect(verdict.slots).toHaveLength(7); // 14:00 .. 15:30 on the 15-minute grid
      expect(verdict.slots[0]).toMatchObject({ start: "2026-03-03T14:00:00Z", end: "2026-03-03T14:30:00Z" });
      expect(textOf(check).split("\n")[0]).toBe("Accept; 7 free slots, first 2026-03-03T14:00:00Z.");

      // manage_webhooks: the whole create-list-delete round, its structuredContent checked by the SDK
      // client against the listed output schema; a loopback URL is a tool error naming url.
      const url = "https://hooks.example.com/openavail";
      const made = await call(client, "manage_webhooks", {
        action: "create",
        url,
        event_types: ["booking.created"],
      });
      expect(made.isError, textOf(made)).toBeFalsy();
      const created = made.structuredContent as { webhook: { webhook_id: string }; secret: string };
      expect(created.secret).toMatch(/^whsec_/);
      expect(created.webhook).toMatchObject({
        agent_id: agent.agentId,
        url,
        event_types: ["booking.created"],
      });
      const listed = await call(client, "manage_webhooks", { action: "list" });
      expect(listed.structuredContent).toMatchObject({ webhooks: [created.webhook] });
      expect(textOf(listed)).not.toContain(created.secret);
      const loopback = await call(client, "manage_webhooks", {
        action: "create",
        url: "https://127.0.0.1/hook",
      });
      expect(loopback.isError).toBe(true);
      expect(JSON.parse(textOf(loopback))).toMatchObject({
        error: "bad_request",
        details: [{ field: "url", message: expect.stringContaining("private") }],
      });
      const noId = await call(client, "manage_webhooks", { action: "delete" });
      expect(noId.isError).toBe(true);
      expect(JSON.parse(textOf(noId))).toMatchObject({ details: [{ field: "webhook_id" }] });
      const removed = await call(client, "manage_webhooks", {
        action: "delete",
        webhook_id: created.webhook.webhook_id,
      });
      expect(removed.structuredContent).toMatchObject({ deleted: true });
      expect((await call(client, "manage_webhooks", { action: "list" })).structuredContent).toMatchObject({
        webhooks: [],
      });

      const bad = await call(client, "check_availability", { owner_email: "ceo@example.com" });
      expect(bad.isError).toBe(true);
      expect(bad.structuredContent).toBeUndefined();
      expect(JSON.parse(textOf(bad))).toMatchObject({
        error: "bad_request",
        details: [
          { field: "duration_minutes", message: expect.any(String) },
          { field: "window", message: "required" },
        ],
      });
    } finally {
      await client.close();
    }
  });

  it("refuses the next call once the agent is disabled", async () => {
    const temp = await w.addAgent({ name: "short-lived" });
    const client = await connect(transportFor(temp.key));
    try {
      expect((await call(client, "whoami")).isError).toBeFalsy();
      await setAgentStatus(w.app.ledger.db, temp.agentId, "disabled", w.clock.now);
      // Every request carries the key, so the next one is refused at the door with a 401.
      await expect(call(client, "whoami")).rejects.toThrow(/unauthorized|401/);
    } finally {
      await client.close();
    }
  });
});

describe("MCP over HTTP: the door", () => {
  it("answers 401 with the error object when the key is missing or invalid, on every endpoint", async () => {
    for (const [method, path] of [
      ["POST", "/mcp"],
      ["GET", "/mcp"],
      ["DELETE", "/mcp"],
      ["GET", "/sse"],
      ["POST", "/messages?sessionId=x"],
    ] as const) {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { "content-type": "application/json", accept: MCP_ACCEPT },
        ...(method === "POST" ? { body: JSON.stringify(INITIALIZE) } : {}),
      });
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe('Bearer realm="openavail"');
      expect(await res.json()).toMatchObject({
        error: "unauthorized",
        message: expect.stringContaining("Bearer"),
      });
    }
    const wrong = await post("/mcp", { authorization: "Bearer ak_not_a_key" });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: "unauthorized" });
    const basic = await post("/mcp", { authorization: `Basic ${agent.key}` });
    expect(basic.status).toBe(401);
    await expect(connect(streamable("ak_not_a_key"))).rejects.toThrow();
    await expect(connect(sse("ak_not_a_key"))).rejects.toThrow(/401/);
  });

  it("answers 403 to a browser Origin that is neither loopback nor allowed", async () => {
    const auth = { authorization: `Bearer ${agent.key}` };
    for (const origin of ["https://evil.example", "http://localhost.evil.example", "null"]) {
      for (const path of ["/mcp", "/messages?sessionId=x"]) {
        const res = await post(path, { ...auth, origin });
        expect(res.status, `${origin} ${path}`).toBe(403);
        expect(await res.json()).toMatchObject({
          error: "forbidden",
          message: expect.stringContaining(origin),
        });
      }
      const stream = await fetch(`${base}/sse`, { headers: { ...auth, origin } });
      expect(stream.status).toBe(403);
    }
    for (const origin of [
      "http://localhost:6274",
      "http://127.0.0.1:7420",
      "http://127.0.0.2",
      "http://[::1]:3000",
      "https://console.example.com",
    ]) {
      const res = await post("/mcp", { ...auth, origin });
      expect(res.status, origin).toBe(200);
      const body = (await res.json()) as { result: { serverInfo: { name: string } } };
      expect(body.result.serverInfo.name).toBe("openavail");
    }
  });

  it("is stateless on /mcp: GET and DELETE answer 405", async () => {
    const auth = { authorization: `Bearer ${agent.key}` };
    const get = await fetch(`${base}/mcp`, { headers: { ...auth, accept: "text/event-stream" } });
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
    expect((await fetch(`${base}/mcp`, { method: "DELETE", headers: auth })).status).toBe(405);
  });

  it("checks the key on every SSE message and keeps sessions to their agent", async () => {
    const auth = { authorization: `Bearer ${agent.key}` };
    const abort = new AbortController();
    const stream = await fetch(`${base}/sse`, { headers: auth, signal: abort.signal });
    expect(stream.status).toBe(200);
    expect(stream.headers.get("content-type")).toBe("text/event-stream");
    const events = sseEvents(stream.body!);
    const endpoint = await events.next();
    expect(endpoint.value).toMatchObject({
      event: "endpoint",
      data: expect.stringMatching(/^\/messages\?sessionId=/),
    });
    const path = endpoint.value!.data;
    expect(mount.openSseSessions()).toBe(1);

    const ping = { jsonrpc: "2.0", id: 7, method: "ping" };
    expect((await post(path, {}, ping)).status).toBe(401);
    const foreign = await post(path, { authorization: `Bearer ${other.key}` }, ping);
    expect(foreign.status).toBe(404);
    expect(await foreign.json()).toMatchObject({ error: "not_found" });
    expect((await post(path, auth, { hello: "world" })).status).toBe(400);
    const textBody = await fetch(`${base}${path}`, { method: "POST", headers: auth, body: "ping" });
    expect(textBody.status).toBe(415);
    expect((await post(path, auth, ping)).status).toBe(202);
    // The answer comes on the stream, not in the POST's response.
    const answer = await events.next();
    expect(answer.value?.event).toBe("message");
    expect(JSON.parse(answer.value!.data)).toEqual({ jsonrpc: "2.0", id: 7, result: {} });

    abort.abort();
    await expect.poll(() => mount.openSseSessions()).toBe(0);
    expect((await post(path, auth, ping)).status).toBe(404);
  });

  it("counts every request against the rate limit: initialize, tools/list and notifications too (issue 14)", async () => {
    const limit = w.app.config.rateLimitPerMinute;
    const busy = await w.addAgent({ name: "busy" });
    for (let i = 0; i < 3; i++) {
      const client = await connect(streamable(busy.key));
      await client.listTools();
      await client.close();
    }
    const client = await connect(streamable(busy.key));
    try {
      let answered = 0;
      let refused: unknown;
      while (refused === undefined && answered <= limit) {
        try {
          await call(client, "whoami");
          answered++;
        } catch (err) {
          refused = err;
        }
      }
      // addAgent authenticated once; each connection sent initialize, notifications/initialized and a
      // GET for a server stream (405), three of them listed the tools: 1 + 4 * 3 + 3 = 16 requests.
      expect(answered).toBe(limit - 16);
      expect(String(refused)).toContain('"error":"rate_limited"');
    } finally {
      await client.close();
    }
  });
});

describe("MCP over HTTP: tools/call answered without building an SDK server", () => {
  const FREE_BUSY = {
    name: "get_free_busy",
    arguments: {
      owner_email: "ceo@example.com",
      window: { start: "2026-03-03T00:00:00Z", end: "2026-03-04T00:00:00Z" },
    },
  };
  const toolCall = (id: number | string, params: unknown) => ({
    jsonrpc: "2.0",
    id,
    method: "tools/call",
    params,
  });
  const auth = () => ({ authorization: `Bearer ${agent.key}` });

  it("answers exactly as the SDK does for the same call (a _meta sends it through the SDK)", async () => {
    const direct = await post("/mcp", auth(), toolCall(7, FREE_BUSY));
    const viaSdk = await post("/mcp", auth(), toolCall(7, { ...FREE_BUSY, _meta: { progressToken: 1 } }));
    expect(direct.status).toBe(200);
    expect(viaSdk.status).toBe(200);
    expect(direct.headers.get("content-type")).toBe(viaSdk.headers.get("content-type"));
    const text = await direct.text();
    expect(text).toBe(await viaSdk.text());
    expect(JSON.parse(text)).toMatchObject({
      jsonrpc: "2.0",
      id: 7,
      result: { structuredContent: { busy: [] } },
    });
  });

  it("gives the same error object for bad arguments, including an own __proto__ key", async () => {
    const bad = {
      name: "create_booking",
      arguments: JSON.parse('{"owner_email":"ceo@example.com","__proto__":{}}'),
    };
    const directText = await (await post("/mcp", auth(), toolCall("a", bad))).text();
    expect(directText).toBe(await (await post("/mcp", auth(), toolCall("a", { ...bad, _meta: {} }))).text());
    const direct = JSON.parse(directText);
    expect(direct.result.isError).toBe(true);
    expect(JSON.parse(direct.result.content[0].text)).toMatchObject({ error: "bad_request" });
    expect(direct.result.content[0].text).toContain("__proto__");
  });

  it("leaves every request the SDK would refuse or treat specially to the SDK", async () => {
    // Not acceptable, unsupported protocol version, unknown tool, malformed params, a batch.
    const noSse = await fetch(`${base}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", ...auth() },
      body: JSON.stringify(toolCall(1, FREE_BUSY)),
    });
    expect(noSse.status).toBe(406);
    const oldVersion = await post(
      "/mcp",
      { ...auth(), "mcp-protocol-version": "1999-01-01" },
      toolCall(1, FREE_BUSY),
    );
    expect(oldVersion.status).toBe(400);
    const unknown = (await (await post("/mcp", auth(), toolCall(2, { name: "no_such_tool" }))).json()) as any;
    expect(unknown).toMatchObject({ id: 2, error: { code: -32602 } });
    expect(unknown.error.message).toContain("no_such_tool");
    const noName = (await (await post("/mcp", auth(), toolCall(3, { arguments: {} }))).json()) as any;
    expect(noName).toMatchObject({ id: 3, error: { code: expect.any(Number) } });
    const batch = (await (
      await post("/mcp", auth(), [toolCall(4, FREE_BUSY), toolCall(5, FREE_BUSY)])
    ).json()) as any;
    expect(batch.map((r: { id: number }) => r.id).sort()).toEqual([4, 5]);
  });

  it("still needs the key and counts the call", async () => {
    const anonymous = await post("/mcp", {}, toolCall(1, FREE_BUSY));
    expect(anonymous.status).toBe(401);
    const counter = await w.addAgent({ name: "counted" });
    const before = w.app.config.rateLimitPerMinute;
    const statuses: number[] = [];
    for (let i = 0; i < before; i++) {
      const res = await post(
        "/mcp",
        { authorization: `Bearer ${counter.key}` },
        toolCall(i, { name: "whoami" }),
      );
      statuses.push(res.status);
      if (res.status === 429) {
        expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
        expect(await res.json()).toMatchObject({ error: "rate_limited" });
      } else await res.body?.cancel();
    }
    // addAgent authenticated once, so the last of `limit` calls is the one over it.
    expect(statuses.filter((s) => s === 429)).toHaveLength(1);
    expect(statuses.at(-1)).toBe(429);
  });
});
