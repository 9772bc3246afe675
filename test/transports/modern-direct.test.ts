// The 2026-07-28 direct path answers only what the SDK would serve unchanged, and answers it with the
// SDK's very bytes: a success, a tool error and an idempotent replay are compared with the SDK's own
// answer to the same request, and everything else is left to the SDK.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callTool, SERVER_INFO } from "../../src/transports/mcp/create-mcp-server.js";
import { directModernCall, modernCallResponse } from "../../src/transports/mcp/modern-direct.js";
import { createModernMcp, type ModernMcp } from "../../src/transports/mcp/modern-http.js";
import { findTool } from "../../tools/index.js";
import { MODERN_META } from "../helpers/mcp-envelope.js";
import { makeWorld, type World } from "../helpers/world.js";

let w: World;
let modern: ModernMcp;
let agent: Awaited<ReturnType<World["addAgent"]>>;

beforeAll(async () => {
  w = await makeWorld("2026-12-07T08:00:00Z");
  await w.addOwner("a@example.com", "UTC");
  agent = await w.addAgent({ name: "direct" });
  modern = createModernMcp(w.app);
});
afterAll(async () => {
  await modern.close();
  await w.close();
});

function request(
  name: string,
  args: unknown,
  extra: Record<string, string> = {},
  meta: object = MODERN_META,
) {
  const body = {
    jsonrpc: "2.0",
    id: "r1",
    method: "tools/call",
    params: { name, arguments: args, _meta: meta },
  };
  const headers = new Headers({
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    "mcp-protocol-version": "2026-07-28",
    "mcp-method": "tools/call",
    "mcp-name": name,
    ...extra,
  });
  return { body, headers };
}

async function viaSdk(name: string, args: unknown): Promise<string> {
  const { body, headers } = request(name, args);
  const req = new Request("http://127.0.0.1/mcp", { method: "POST", headers, body: JSON.stringify(body) });
  return (await modern.handle(req, body, agent.caller, agent.key)).text();
}

async function viaDirect(name: string, args: unknown): Promise<string> {
  const { body, headers } = request(name, args);
  const call = directModernCall(headers, body);
  expect(call).not.toBeNull();
  const result = await callTool(w.app, findTool(name)!, async () => agent.caller, call!.args);
  return modernCallResponse(call!.id, result as Record<string, unknown>, SERVER_INFO);
}

describe("the 2026-07-28 direct tools/call", () => {
  it("answers a success, a tool error and a replay with the SDK's bytes", async () => {
    expect(await viaDirect("whoami", {})).toBe(await viaSdk("whoami", {}));
    const bad = { owner_email: "not an email", start: "soon" };
    expect(await viaDirect("create_hold", bad)).toBe(await viaSdk("create_hold", bad));
    const hold = {
      owner_email: "a@example.com",
      start: "2026-12-08T10:00:00Z",
      duration_minutes: 30,
      idempotency_key: "direct-replay",
    };
    const first = JSON.parse(await viaSdk("create_hold", hold));
    expect(first.result.structuredContent.verdict).toBe("Accept");
    const replayedDirect = await viaDirect("create_hold", hold);
    expect(JSON.parse(replayedDirect).result._meta["openavail/idempotent_replayed"]).toBe(true);
    expect(replayedDirect).toBe(await viaSdk("create_hold", hold));
  });

  it("leaves to the SDK what it must judge: headers that disagree, unknown versions, extra _meta, unknown tools", () => {
    const ok = request("whoami", {});
    expect(directModernCall(ok.headers, ok.body)).not.toBeNull();
    const mismatch = request("whoami", {}, { "mcp-name": "preempt" });
    expect(directModernCall(mismatch.headers, mismatch.body)).toBeNull();
    const future = request(
      "whoami",
      {},
      { "mcp-protocol-version": "2099-01-01" },
      {
        ...MODERN_META,
        "io.modelcontextprotocol/protocolVersion": "2099-01-01",
      },
    );
    expect(directModernCall(future.headers, future.body)).toBeNull();
    const progress = request("whoami", {}, {}, { ...MODERN_META, progressToken: 1 });
    expect(directModernCall(progress.headers, progress.body)).toBeNull();
    const unknown = request("frobnicate", {});
    expect(directModernCall(unknown.headers, unknown.body)).toBeNull();
    const legacy = { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "whoami", arguments: {} } };
    expect(directModernCall(ok.headers, legacy)).toBeNull();
  });
});
