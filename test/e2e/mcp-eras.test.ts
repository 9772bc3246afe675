// Both protocol eras on both transports: a 2025-era client (SDK v1, initialize handshake) and a
// 2026-era client (SDK v2 pinned to 2026-07-28) each run the seed scenario (who am I, find a slot
// held for me, book it, see it) over HTTP and over stdio against one ledger. Then the 2026-07-28
// rules at the wire: server/discover, ttlMs/cacheScope, header/body mismatch (-32020), an unknown
// version (-32022), a bad Origin (403); and server.json against the registry's published schema.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  Client as ModernClient,
  StreamableHTTPClientTransport as ModernHttp,
} from "@modelcontextprotocol/client";
import { StdioClientTransport as ModernStdio } from "@modelcontextprotocol/client/stdio";
import { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport as LegacyStdio } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport as LegacyHttp } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toInstant } from "../../schemas/time.js";
import type { RunningServer } from "../../src/transports/http/server.js";
import { MODERN_META } from "../helpers/mcp-envelope.js";
import { childEnv } from "../helpers/mcp-stdio-session.js";
import { serveApp, serverAppOf } from "../helpers/served-world.js";
import { ledgerEnv, makeWorld, type World } from "../helpers/world.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const ENTRY = fileURLToPath(new URL("./mcp-cli-entry.ts", import.meta.url));
const DAY = 86_400_000;
// The stdio processes run on the real clock: the scenario's days lie a week or more ahead of it.
const DAY0 = Math.floor(Date.now() / DAY) * DAY + 7 * DAY;
const OWNER = "ceo@example.com";

let w: World;
let server: RunningServer;
let key: string;

beforeAll(async () => {
  w = await makeWorld(new Date(DAY0 - 7 * DAY).toISOString());
  await w.addOwner(OWNER, "UTC");
  key = (await w.addAgent({ name: "assistant" })).key;
  server = await serveApp(await serverAppOf(w));
});
afterAll(async () => {
  await server?.close();
  await w?.close();
});

interface Caller {
  listTools(): Promise<{ tools: { name: string }[] }>;
  callTool(req: { name: string; arguments: Record<string, unknown> }): Promise<unknown>;
  close(): Promise<void>;
}

const body = (res: unknown) => (res as { structuredContent: Record<string, any> }).structuredContent;

/** The seed scenario on day `n` after DAY0: one slot found and held, then booked, then read back. */
async function seedScenario(client: Caller, n: number) {
  const names = (await client.listTools()).tools.map((t) => t.name);
  expect(names).toContain("check_availability");
  expect(body(await client.callTool({ name: "whoami", arguments: {} })).name).toBe("assistant");
  const start = DAY0 + n * DAY + 9 * 3_600_000;
  const check = body(
    await client.callTool({
      name: "check_availability",
      arguments: {
        owner_email: OWNER,
        duration_minutes: 30,
        window: { start: toInstant(start), end: toInstant(start + 3_600_000) },
      },
    }),
  );
  expect(check.verdict).toBe("Accept");
  const booked = body(
    await client.callTool({
      name: "create_booking",
      arguments: { hold_id: check.hold_id, title: `era ${n}` },
    }),
  );
  expect(booked.verdict).toBe("Accept");
  const read = body(
    await client.callTool({ name: "get_booking", arguments: { booking_id: booked.booking.booking_id } }),
  );
  expect(read.booking).toMatchObject({ title: `era ${n}`, start: toInstant(start), status: "confirmed" });
}

const pinned = { versionNegotiation: { mode: { pin: "2026-07-28" } } } as const;
const headers = () => ({ Authorization: `Bearer ${key}` });
const stdioParams = () => ({
  command: process.execPath,
  args: ["--import", "tsx", ENTRY, "mcp"],
  env: childEnv({ OPENAVAIL_API_KEY: key, ...ledgerEnv(w), OPENAVAIL_LOG_LEVEL: "silent" }),
  cwd: REPO,
});

describe("both protocol eras, both transports, one seed scenario", () => {
  it("a 2025-era client over HTTP", async () => {
    const client = new LegacyClient({ name: "v1", version: "1" });
    await client.connect(
      new LegacyHttp(new URL(`${server.url}/mcp`), { requestInit: { headers: headers() } }),
    );
    await seedScenario(client as unknown as Caller, 1);
    await client.close();
  });

  it("a 2026-07-28 client over HTTP", async () => {
    const client = new ModernClient({ name: "v2", version: "1" }, pinned);
    await client.connect(
      new ModernHttp(new URL(`${server.url}/mcp`), { requestInit: { headers: headers() } }),
    );
    await seedScenario(client as unknown as Caller, 2);
    await client.close();
  });

  it("a 2025-era client over stdio", async () => {
    const client = new LegacyClient({ name: "v1", version: "1" });
    await client.connect(new LegacyStdio(stdioParams()));
    await seedScenario(client as unknown as Caller, 3);
    await client.close();
  }, 30_000);

  it("a 2026-07-28 client over stdio", async () => {
    const client = new ModernClient({ name: "v2", version: "1" }, pinned);
    await client.connect(new ModernStdio(stdioParams()));
    await seedScenario(client as unknown as Caller, 4);
    await client.close();
  }, 30_000);
});

async function post(method: string, params: Record<string, unknown>, extra: Record<string, string> = {}) {
  const res = await fetch(`${server.url}/mcp`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${key}`,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": "2026-07-28",
      "mcp-method": method,
      ...extra,
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 7, method, params: { ...params, _meta: MODERN_META } }),
  });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : {}) as Record<string, any> };
}

describe("the 2026-07-28 rules at the wire", () => {
  it("answers server/discover, and lists tools in the registry's order with ttlMs and cacheScope", async () => {
    const discover = await post("server/discover", {});
    expect(discover.status).toBe(200);
    expect(discover.json.result.supportedVersions).toContain("2026-07-28");
    expect(discover.json.result.capabilities.tools).toBeDefined();
    const list = await post("tools/list", {});
    expect(list.json.result).toMatchObject({ ttlMs: 60_000, cacheScope: "private" });
    const again = await post("tools/list", {});
    expect(again.json.result.tools.map((t: { name: string }) => t.name)).toEqual(
      list.json.result.tools.map((t: { name: string }) => t.name),
    );
    const call = await post("tools/call", { name: "whoami", arguments: {} }, { "mcp-name": "whoami" });
    expect(call.json.result.resultType).toBe("complete");
    expect(call.json.result.structuredContent.name).toBe("assistant");
  });

  it("refuses a header that disagrees with the body (-32020) and an unknown version (-32022)", async () => {
    const mismatch = await post("tools/list", {}, { "mcp-method": "tools/call" });
    expect(mismatch.status).toBe(400);
    expect(mismatch.json.error.code).toBe(-32020);
    const res = await fetch(`${server.url}/mcp`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${key}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-protocol-version": "2099-01-01",
        "mcp-method": "tools/list",
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 8,
        method: "tools/list",
        params: { _meta: { ...MODERN_META, "io.modelcontextprotocol/protocolVersion": "2099-01-01" } },
      }),
    });
    const json = (await res.json()) as Record<string, any>;
    expect(json.error.code).toBe(-32022);
    expect(json.error.data.supported).toContain("2026-07-28");
  });

  it("refuses a browser Origin that is not loopback or allowed with 403, and a missing key with 401", async () => {
    expect((await post("tools/list", {}, { origin: "https://evil.example" })).status).toBe(403);
    const anonymous = await fetch(`${server.url}/mcp`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "mcp-protocol-version": "2026-07-28",
        "mcp-method": "tools/list",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 9, method: "tools/list", params: { _meta: MODERN_META } }),
    });
    expect(anonymous.status).toBe(401);
  });
});

describe("server.json", () => {
  it("validates against the MCP Registry's published schema and matches package.json", () => {
    const schema = JSON.parse(readFileSync(`${REPO}/test/fixtures/mcp-registry-server.schema.json`, "utf8"));
    const doc = JSON.parse(readFileSync(`${REPO}/server.json`, "utf8"));
    const pkg = JSON.parse(readFileSync(`${REPO}/package.json`, "utf8"));
    const ajv = new Ajv.default({ strict: false, allErrors: true });
    addFormats.default(ajv);
    const validate = ajv.compile(schema);
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    // Negative control: the schema does refuse a broken document.
    expect(validate({ ...doc, name: "no-slash" })).toBe(false);
    expect(doc.$schema).toBe(schema.$id);
    expect(doc.name).toBe(pkg.mcpName);
    expect(doc.version).toBe(pkg.version);
    expect(doc.packages[0]).toMatchObject({ identifier: pkg.name, version: pkg.version });
  });
});
