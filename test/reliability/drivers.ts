// One way to call a tool per transport, each answering with an Outcome: REST (fetch against the tool's
// REST binding), MCP over Streamable HTTP and MCP over stdio (both through the SDK's Client). Network
// failures are classified: a refused connection sent nothing, anything else may have been applied.
// Plus raw HTTP/1.1 requests (node:http) for what fetch will not send: any Host header, and chunked
// bodies written as fast as the socket takes them.
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
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

/**
 * encodeURIComponent, except that a lone surrogate (which it refuses with a URIError) is written as
 * the three bytes WTF-8 gives it: %ED%A0%80 for U+D800, which is not UTF-8, as the server must see.
 */
export function encodeSegment(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    let out = "";
    for (const ch of s) {
      const cp = ch.codePointAt(0)!;
      if (cp < 0xd800 || cp > 0xdfff) out += encodeURIComponent(ch);
      else
        for (const b of [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)])
          out += `%${b.toString(16).toUpperCase()}`;
    }
    return out;
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
    return encodeSegment(text(v ?? ""));
  });
  const headers: Record<string, string> = {};
  if (key !== undefined) headers.authorization = `Bearer ${key}`;
  if (idempotencyKey !== undefined) headers["idempotency-key"] = idempotencyKey;
  if (readsQuery(def.rest)) {
    const query = new URLSearchParams();
    // A nested field the route takes under a name of its own (`start` for window.start) goes as that
    // name, as seed 002's clients send it; any other nested field as its dotted name.
    const aliasOf = new Map(Object.entries(def.rest.query ?? {}).map(([alias, field]) => [field, alias]));
    const add = (prefix: string, value: unknown) => {
      if (value === undefined) return;
      if (Array.isArray(value)) for (const v of value) query.append(aliasOf.get(prefix) ?? prefix, text(v));
      else if (value !== null && typeof value === "object") {
        for (const [k, v] of Object.entries(value)) add(`${prefix}.${k}`, v);
      } else query.append(aliasOf.get(prefix) ?? prefix, text(value));
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
  // A 204 (a REST DELETE) answers with no body at all.
  if (res.status === 204) return { kind: "ok", status: 204, text, replayed: false };
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

/** An answer to a raw request: the Outcome, with the headers and the parsed JSON whatever its shape. */
export interface RawOutcome extends Outcome {
  readonly headers?: IncomingHttpHeaders;
  /** The body parsed as JSON (a JSON-RPC error, an array of answers, ...), when it is JSON. */
  readonly json?: unknown;
}

export interface RawRequest {
  readonly method: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** A body sent whole, with Content-Length. */
  readonly body?: string | Uint8Array;
  /**
   * A body sent with Transfer-Encoding: chunked: `prefix`, then filler bytes in 64 KiB chunks until
   * `total` bytes, written as fast as the socket takes them and stopped once the answer has come.
   */
  readonly chunked?: { readonly prefix: string; readonly total: number };
}

/**
 * One request over node:http on a connection of its own (so a server that cuts the socket after its
 * answer harms nothing else), classified as sendRest does. The Host header may be anything.
 */
export function sendRaw(url: string, r: RawRequest, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<RawOutcome> {
  return new Promise((resolve) => {
    const u = new URL(url);
    let settled = false;
    const done = (out: RawOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(out);
      req.destroy();
    };
    const headers: Record<string, string> = { ...r.headers };
    if (r.chunked) headers["transfer-encoding"] = "chunked";
    else if (r.body !== undefined) headers["content-length"] = String(Buffer.byteLength(r.body));
    const req = httpRequest(
      {
        host: u.hostname,
        port: u.port,
        path: `${u.pathname}${u.search}`,
        method: r.method,
        headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", (err) => done(networkOutcome(err)));
        res.on("end", () =>
          done(classifyRaw(res.statusCode ?? 0, res.headers, Buffer.concat(chunks).toString("utf8"))),
        );
      },
    );
    const timer = setTimeout(
      () => done({ kind: "lost", status: null, reason: `no answer within ${timeoutMs} ms` }),
      timeoutMs,
    );
    // Once the server has answered and cut the socket, writing fails: that is not a lost request.
    req.on("error", (err) => done(networkOutcome(err)));
    if (!r.chunked) {
      req.end(r.body);
      return;
    }
    const { prefix, total } = r.chunked;
    const filler = Buffer.alloc(64 * 1024, "x");
    let sent = Buffer.byteLength(prefix);
    req.write(prefix);
    const pump = () => {
      while (!settled && sent < total) {
        const n = Math.min(filler.length, total - sent);
        sent += n;
        if (!req.write(n === filler.length ? filler : filler.subarray(0, n)))
          return void req.once("drain", pump);
      }
      if (!settled) req.end();
    };
    pump();
  });
}

function classifyRaw(status: number, headers: IncomingHttpHeaders, text: string): RawOutcome {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (status >= 200 && status < 300) {
    return json !== null && typeof json === "object" && !Array.isArray(json)
      ? { kind: "ok", status, body: json as Record<string, any>, text, headers, json }
      : { kind: "protocol", status, reason: `not a JSON object: ${text.slice(0, 200)}`, text, headers, json };
  }
  const error = parseError(text);
  return error
    ? { kind: "error", status, error, text, headers, json }
    : {
        kind: "protocol",
        status,
        reason: `error without an error object: ${text.slice(0, 200)}`,
        text,
        headers,
        json,
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
