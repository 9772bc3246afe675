// One way to call a tool per transport, each answering with an Outcome: REST (fetch against the tool's
// REST binding), MCP over Streamable HTTP and MCP over stdio (both through the SDK's Client). Network
// failures are classified: a refused connection sent nothing, anything else may have been applied.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { type CallToolResult, ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { ERROR_STATUS } from "../../schemas/errors.js";
import { REPLAYED_META_KEY } from "../../src/transports/mcp/create-mcp-server.js";
import { pathParams } from "../../src/transports/rest/route-table.js";
import { readsQuery } from "../../src/transports/rest/tool-routes.js";
import { findTool } from "../../tools/index.js";
import { openStdioSession, type Session, textOf } from "../helpers/mcp-stdio-session.js";
import { type ErrorObject, type Outcome, REPO, type TransportName } from "./common.js";

export interface CallOptions {
  readonly idempotencyKey?: string | undefined;
  readonly timeoutMs?: number;
}

export interface Driver {
  readonly transport: TransportName;
  call(tool: string, args: Readonly<Record<string, unknown>>, options?: CallOptions): Promise<Outcome>;
  close(): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 20_000;

/** Whether an error (or one of its causes) is a refused connection: the request never left. */
export function refused(err: unknown): boolean {
  let e: any = err;
  for (let depth = 0; e && depth < 6; depth++) {
    if (e.code === "ECONNREFUSED") return true;
    if (Array.isArray(e.errors) && e.errors.some((x: any) => x?.code === "ECONNREFUSED")) return true;
    e = e.cause;
  }
  return false;
}

function describeError(err: unknown): string {
  const parts: string[] = [];
  let e: any = err;
  for (let depth = 0; e && depth < 4; depth++) {
    parts.push(`${e.name ?? "Error"}${e.code ? `(${e.code})` : ""}: ${String(e.message ?? e).slice(0, 200)}`);
    e = e.cause;
  }
  return parts.join(" <- ");
}

function networkOutcome(err: unknown): Outcome {
  return { kind: refused(err) ? "refused" : "lost", status: null, reason: describeError(err) };
}

function parseError(text: string): ErrorObject | undefined {
  try {
    const v = JSON.parse(text);
    return v && typeof v === "object" && typeof v.error === "string" ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Text of any value, even an object whose toString was replaced. */
function text(v: unknown): string {
  try {
    return String(v);
  } catch {
    return JSON.stringify(v);
  }
}

/** The URL and init of a tool call over REST, following the registry's binding. */
export function restRequest(
  base: string,
  key: string | undefined,
  tool: string,
  args: Readonly<Record<string, unknown>>,
  idempotencyKey?: string,
): { url: string; init: RequestInit } {
  const def = findTool(tool);
  if (!def) throw new Error(`no tool ${tool}`);
  const params = pathParams(def.rest.path);
  const rest: Record<string, unknown> = { ...args };
  const path = def.rest.path.replace(/\{([a-z_]+)\}/g, (_m, name: string) => {
    const v = rest[name];
    delete rest[name];
    return encodeURIComponent(text(v ?? ""));
  });
  const headers: Record<string, string> = {};
  if (key !== undefined) headers.authorization = `Bearer ${key}`;
  if (idempotencyKey !== undefined) headers["idempotency-key"] = idempotencyKey;
  if (readsQuery(def)) {
    const query = new URLSearchParams();
    const add = (prefix: string, value: unknown) => {
      if (value === undefined) return;
      if (Array.isArray(value)) for (const v of value) query.append(prefix, text(v));
      else if (value !== null && typeof value === "object") {
        for (const [k, v] of Object.entries(value)) add(`${prefix}.${k}`, v);
      } else query.append(prefix, text(value));
    };
    for (const [k, v] of Object.entries(rest)) if (!params.includes(k)) add(k, v);
    const qs = query.toString();
    return { url: `${base}${path}${qs ? `?${qs}` : ""}`, init: { method: def.rest.method, headers } };
  }
  headers["content-type"] = "application/json";
  return { url: `${base}${path}`, init: { method: def.rest.method, headers, body: JSON.stringify(rest) } };
}

/** Sends a prepared REST request and classifies the answer. */
export async function sendRest(
  url: string,
  init: RequestInit,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<Outcome> {
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    text = await res.text();
  } catch (err) {
    return networkOutcome(err);
  }
  if (res.ok) {
    try {
      return {
        kind: "ok",
        status: res.status,
        body: JSON.parse(text),
        text,
        replayed: res.headers.get("idempotent-replayed") === "true",
      };
    } catch {
      return { kind: "protocol", status: res.status, reason: `not JSON: ${text.slice(0, 200)}` };
    }
  }
  const error = parseError(text);
  // Node's HTTP parser answers an oversized request line or header itself, without a body.
  if (!error && (res.status === 414 || res.status === 431)) {
    return { kind: "error", status: res.status, error: { error: "http", message: `HTTP ${res.status}` } };
  }
  return error
    ? { kind: "error", status: res.status, error, text }
    : {
        kind: "protocol",
        status: res.status,
        reason: `error without an error object: ${text.slice(0, 200)}`,
      };
}

export function restDriver(base: () => string, key: string): Driver {
  return {
    transport: "rest",
    call: (tool, args, options = {}) => {
      const { url, init } = restRequest(base(), key, tool, args, options.idempotencyKey);
      return sendRest(url, init, options.timeoutMs);
    },
    close: async () => {},
  };
}

/** A tool result (or thrown error) of the MCP SDK client as an Outcome. */
export function mcpOutcome(result: CallToolResult): Outcome {
  const text = textOf(result);
  if (result.isError) {
    const error = parseError(text);
    if (!error) return { kind: "protocol", status: null, reason: `isError without an error object: ${text}` };
    const status = (ERROR_STATUS as Record<string, number>)[error.error] ?? null;
    return { kind: "error", status, error, text };
  }
  const body = result.structuredContent as Record<string, any> | undefined;
  if (!body) return { kind: "protocol", status: null, reason: "result without structuredContent" };
  return {
    kind: "ok",
    status: 200,
    body,
    text: text.slice(text.indexOf("\n") + 1),
    replayed: result._meta?.[REPLAYED_META_KEY] === true,
  };
}

export function mcpThrown(err: unknown): Outcome {
  if (err instanceof StreamableHTTPError) {
    const status = typeof err.code === "number" && err.code > 0 ? err.code : null;
    const marker = "Error POSTing to endpoint: ";
    const at = err.message.indexOf(marker);
    const error = at >= 0 ? parseError(err.message.slice(at + marker.length)) : undefined;
    if (error) return { kind: "error", status, error };
    if (status !== null && status >= 400 && status < 500) {
      return { kind: "error", status, error: { error: "http", message: err.message } };
    }
    return { kind: "protocol", status, reason: err.message };
  }
  if (err instanceof McpError) {
    if (err.code === ErrorCode.RequestTimeout || err.code === ErrorCode.ConnectionClosed) {
      return { kind: "lost", status: null, reason: err.message };
    }
    return { kind: "protocol", status: null, reason: `${err.code}: ${err.message}` };
  }
  return networkOutcome(err);
}

function withKey(args: Readonly<Record<string, unknown>>, key: string | undefined): Record<string, unknown> {
  return key === undefined ? { ...args } : { ...args, idempotency_key: key };
}

/** A client over Streamable HTTP, (re)connected on demand: a killed server is followed to its new URL. */
export function mcpHttpDriver(
  base: () => string,
  key: string,
  extraHeaders: Record<string, string> = {},
): Driver {
  let client: Client | undefined;
  let clientUrl = "";
  const drop = () => {
    const c = client;
    client = undefined;
    void c?.close().catch(() => undefined);
  };
  const ensure = async (): Promise<Client> => {
    const url = base();
    if (client && clientUrl === url) return client;
    drop();
    const c = new Client({ name: "openavail-reliability", version: "1.0.0" });
    const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
      requestInit: { headers: { Authorization: `Bearer ${key}`, ...extraHeaders } },
    });
    await c.connect(transport, { timeout: DEFAULT_TIMEOUT_MS });
    // Listing arms the client's check of every structuredContent against the tool's output schema.
    await c.listTools(undefined, { timeout: DEFAULT_TIMEOUT_MS });
    client = c;
    clientUrl = url;
    return c;
  };
  return {
    transport: "mcp-http",
    async call(tool, args, options = {}) {
      let c: Client;
      try {
        c = await ensure();
      } catch (err) {
        drop();
        // Nothing was called yet: a failed connect can only be refused or lost before the tool call.
        const outcome = mcpThrown(err);
        return outcome.kind === "lost" ? { ...outcome, kind: "refused" } : outcome;
      }
      try {
        const result = await c.callTool(
          { name: tool, arguments: withKey(args, options.idempotencyKey) },
          undefined,
          { timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS },
        );
        return mcpOutcome(result as CallToolResult);
      } catch (err) {
        const outcome = mcpThrown(err);
        if (outcome.kind === "lost" || outcome.kind === "refused") drop();
        return outcome;
      }
    },
    close: async () => {
      const c = client;
      client = undefined;
      await c?.close().catch(() => undefined);
    },
  };
}

/** An `openavail mcp` child process for one agent, on the given database. */
export async function stdioDriver(
  cliArgs: readonly string[],
  key: string,
  dbPath: string,
  env: Record<string, string> = {},
): Promise<Driver & { readonly session: Session }> {
  const session = await openStdioSession(
    cliArgs,
    {
      OPENAVAIL_API_KEY: key,
      OPENAVAIL_DB: dbPath,
      OPENAVAIL_LOG_LEVEL: "warn",
      OPENAVAIL_RATE_LIMIT: "0",
      ...env,
    },
    REPO,
  );
  return {
    transport: "mcp-stdio",
    session,
    async call(tool, args, options = {}) {
      try {
        const result = await session.call(tool, withKey(args, options.idempotencyKey), {
          timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        });
        return mcpOutcome(result);
      } catch (err) {
        return mcpThrown(err);
      }
    },
    close: () => session.close(),
  };
}
