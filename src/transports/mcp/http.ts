// MCP over HTTP on a Hono app: Streamable HTTP at /mcp (stateless: a fresh server and transport per
// request) and the legacy SSE transport at GET /sse + POST /messages. Every request carries its own
// Bearer API key; a session id is never proof of identity. A browser Origin must be loopback or allowed.
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { Context, Env, Hono, Schema } from "hono";
import type { App } from "../../compose.js";
import type { Caller } from "../../service/caller.js";
import { OpenavailError } from "../../service/errors.js";
import { requireAudience } from "../../service/oauth/access-tokens.js";
import { mcpResource } from "../http/oauth-routes.js";
import { bearerToken } from "../rest/agent-auth.js";
import { isJsonMediaType, nodeBody, parseJsonText, readBodyText } from "../rest/json-body.js";
import { errorResponse } from "../rest/respond.js";
import { isAllowedOrigin } from "./allowed-origin.js";
import { batchProblem, type JsonRpcErrorBody, messageCount } from "./batch-rules.js";
import { callTool, createMcpServer, SERVER_INFO } from "./create-mcp-server.js";
import { directRequest } from "./direct-tool-call.js";
import { directModernCall, modernCallResponse } from "./modern-direct.js";
import { createModernMcp } from "./modern-http.js";
import { RawArguments } from "./raw-arguments.js";
import { insufficientScope } from "./scope-challenge.js";
import { toolListJson } from "./tool-list.js";
import { WebSseServerTransport } from "./web-sse-transport.js";

/** The largest message a client may POST to /mcp or /messages (the SDK's own bound). */
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
/** Legacy SSE sessions one agent may hold open at once, and all agents together. */
export const MAX_SSE_SESSIONS_PER_AGENT = 10;
export const MAX_SSE_SESSIONS = 1_000;

export interface McpHttpOptions {
  /** Origins (`scheme://host[:port]`, or `*`) allowed besides loopback ones. */
  readonly allowedOrigins: readonly string[];
}

export interface McpHttpMount {
  /** Legacy SSE sessions currently open. */
  openSseSessions(): number;
  /** Ends every open SSE stream; call it before closing the HTTP server, which would wait on them. */
  close(): Promise<void>;
}

interface Admitted {
  readonly caller: Caller;
  readonly rawKey: string;
}

interface SseSession {
  readonly agentId: string;
  readonly transport: WebSseServerTransport;
  readonly rawArguments: RawArguments;
  close(): Promise<void>;
}

/**
 * Adds `POST|GET|DELETE /mcp`, `GET /sse` and `POST /messages` to `hono`. Every authenticated request
 * counts against the key's rate limit, each message of a batch as one: initialize, tools/list and
 * opening an SSE session as much as a tool call.
 */
export function mountMcpHttp<E extends Env, S extends Schema, B extends string>(
  hono: Hono<E, S, B>,
  app: App,
  options: McpHttpOptions,
): McpHttpMount {
  const sessions = new Map<string, SseSession>();
  const modern = createModernMcp(app);

  /** Checks Origin and the key, and counts `count` requests. */
  const admit = async (c: Context, count: number): Promise<Admitted | Response> => {
    const origin = c.req.header("origin");
    if (origin !== undefined && !isAllowedOrigin(origin, options.allowedOrigins)) {
      return errorResponse(
        new OpenavailError(
          "forbidden",
          `Origin ${origin} may not use this server; add it to the allowed origins if it should.`,
        ),
        app,
      );
    }
    try {
      const rawKey = bearerToken(c.req.header("authorization")) ?? "";
      const caller = await app.checkKey(rawKey);
      requireAudience(caller, () => mcpResource(app, c.req.url));
      return { caller: count > 0 ? app.countCall(caller, rawKey, count) : caller, rawKey };
    } catch (err) {
      return errorResponse(err, app);
    }
  };

  /** The body as one JSON-RPC message or a batch that may run; otherwise the response refusing it. */
  const readMessage = async (c: Context): Promise<{ message: unknown } | Response> => {
    let message: unknown;
    try {
      message = parseJsonText(
        await readBodyText(c.req.raw, MAX_MESSAGE_BYTES, nodeBody(c.env)),
        "expected a JSON-RPC 2.0 message or batch",
      );
    } catch (err) {
      return errorResponse(err, app);
    }
    const problem = batchProblem(message);
    return problem ? jsonRpcError(problem, 400) : { message };
  };

  /** Counts a request whose body has been read: one per message it carries, one when it was refused. */
  const count = (who: Admitted, read: { message: unknown } | Response): Admitted | Response => {
    try {
      const n = read instanceof Response ? 1 : messageCount(read.message);
      return { caller: app.countCall(who.caller, who.rawKey, n), rawKey: who.rawKey };
    } catch (err) {
      return errorResponse(err, app);
    }
  };

  hono.post("/mcp", async (c) => {
    // Authenticated before the body is read, so an anonymous client cannot make the server read 4 MiB.
    const early = await admit(c, 0);
    if (early instanceof Response) return early;
    // The body is read here, not by the transport, so tool arguments can be kept as sent.
    const read = await readMessage(c);
    const admitted = count(early, read);
    if (admitted instanceof Response) return admitted;
    if (read instanceof Response) return read;
    const parsedBody = read.message;
    const refusal = insufficientScope(admitted.caller, parsedBody);
    if (refusal) return errorResponse(refusal, app);
    // The era first: a 2026-07-28 request never reaches the 2025 paths below, direct or not.
    if (!(await modern.isLegacy(c.req.raw, parsedBody))) {
      const call = directModernCall(c.req.raw.headers, parsedBody);
      if (!call) return modern.handle(c.req.raw, parsedBody, admitted.caller, admitted.rawKey);
      const result = await callTool(app, call.tool, async () => admitted.caller, call.args);
      return new Response(modernCallResponse(call.id, result as Record<string, unknown>, SERVER_INFO), {
        status: 200,
        headers: { "content-type": "application/json" },
      });
    }
    // Stateless: this request was authenticated and counted a moment ago.
    const resolveCaller = async () => admitted.caller;
    const direct = directRequest(c.req.raw.headers, parsedBody);
    if (direct?.kind === "tools/list") {
      return new Response(
        `{"result":${toolListJson(admitted.caller.scopes)},"jsonrpc":"2.0","id":${JSON.stringify(direct.id)}}`,
        {
          status: 200,
          headers: { "content-type": "application/json" },
        },
      );
    }
    if (direct) {
      const result = await callTool(app, direct.tool, resolveCaller, direct.args);
      return new Response(JSON.stringify({ result, jsonrpc: "2.0", id: direct.id }), {
        status: 200,
        headers: { "content-type": "application/json" },
      });
    }
    const rawArguments = new RawArguments();
    rawArguments.collect(parsedBody);
    const server = createMcpServer(app, resolveCaller, rawArguments);
    // JSON responses: every request here is answered in full before its response ends, and a JSON
    // body is cheaper than an SSE stream for one message.
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    await server.connect(transport);
    try {
      return await transport.handleRequest(c.req.raw, { parsedBody });
    } finally {
      await server.close();
    }
  });

  // Stateless: there is no session to stream server messages on or to delete.
  const notAllowed = async (c: Context) => {
    const admitted = await admit(c, 1);
    if (admitted instanceof Response) return admitted;
    return new Response(
      JSON.stringify({
        jsonrpc: "2.0",
        error: { code: -32000, message: "Method not allowed: this server is stateless; POST to /mcp." },
        id: null,
      }),
      { status: 405, headers: { allow: "POST", "content-type": "application/json" } },
    );
  };
  hono.get("/mcp", notAllowed);
  hono.delete("/mcp", notAllowed);

  hono.get("/sse", async (c) => {
    const admitted = await admit(c, 1);
    if (admitted instanceof Response) return admitted;
    const refused = sessionLimit(sessions, admitted.caller.agentId);
    if (refused) return errorResponse(refused, app);
    const transport = new WebSseServerTransport("/messages");
    const rawArguments = new RawArguments();
    // Each POST /messages is counted as it arrives; a tool call only checks the key is still good.
    const resource = mcpResource(app, c.req.url);
    const server = createMcpServer(
      app,
      async () => {
        const caller = await app.checkKey(admitted.rawKey);
        requireAudience(caller, () => resource);
        return caller;
      },
      rawArguments,
    );
    const { sessionId } = transport;
    transport.onclose = () => {
      sessions.delete(sessionId);
      app.logger.debug(
        { agent_id: admitted.caller.agentId, session_id: sessionId },
        "mcp sse session closed",
      );
    };
    sessions.set(sessionId, {
      agentId: admitted.caller.agentId,
      transport,
      rawArguments,
      close: () => server.close(),
    });
    await server.connect(transport);
    return new Response(transport.stream, {
      headers: {
        "content-type": "text/event-stream",
        "cache-control": "no-cache, no-transform",
        "x-accel-buffering": "no",
      },
    });
  });

  hono.post("/messages", async (c) => {
    const early = await admit(c, 0);
    if (early instanceof Response) return early;
    const sessionId = c.req.query("sessionId") ?? "";
    const session = sessions.get(sessionId);
    // Another agent's session is reported as missing: session ids must not reveal other agents' work.
    if (!session || session.agentId !== early.caller.agentId) {
      return errorResponse(
        new OpenavailError("not_found", `No SSE session ${sessionId} of yours; open one with GET /sse.`),
        app,
      );
    }
    if (!isJsonMediaType(c.req.header("content-type") ?? null)) {
      return errorResponse(
        new OpenavailError("unsupported_media_type", "Send the message as Content-Type: application/json."),
        app,
      );
    }
    const read = await readMessage(c);
    const counted = count(early, read);
    if (counted instanceof Response) return counted;
    if (read instanceof Response) return read;
    try {
      session.rawArguments.collect(read.message);
      for (const m of Array.isArray(read.message) ? read.message : [read.message])
        session.transport.receive(m);
    } catch {
      return errorResponse(
        new OpenavailError("bad_request", "The body is not a JSON-RPC message.", {
          details: [{ field: "", message: "expected a JSON-RPC 2.0 message or batch" }],
        }),
        app,
      );
    }
    return c.text("Accepted", 202);
  });

  return {
    openSseSessions: () => sessions.size,
    close: async () => {
      await Promise.all([...sessions.values()].map((s) => s.close()));
      await modern.close();
      sessions.clear();
    },
  };
}

/** Refuses a new SSE session past the per-agent or the overall bound; null when it may open. */
function sessionLimit(sessions: ReadonlyMap<string, SseSession>, agentId: string): OpenavailError | null {
  if (sessions.size >= MAX_SSE_SESSIONS) {
    return new OpenavailError(
      "rate_limited",
      "Too many SSE sessions are open on this server; retry later, or use /mcp.",
      {
        retryAfter: 60,
      },
    );
  }
  let mine = 0;
  for (const s of sessions.values()) if (s.agentId === agentId) mine++;
  if (mine < MAX_SSE_SESSIONS_PER_AGENT) return null;
  return new OpenavailError(
    "rate_limited",
    `This agent already has ${mine} SSE sessions open, the most allowed; close one, or use /mcp, which needs no session.`,
    { retryAfter: 60 },
  );
}

function jsonRpcError(body: JsonRpcErrorBody, status: number): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}
