// MCP over HTTP on a Hono app: Streamable HTTP at /mcp (stateless: a fresh server and transport per
// request) and the legacy SSE transport at GET /sse + POST /messages. Every request carries its own
// Bearer API key; a session id is never proof of identity. A browser Origin must be loopback or allowed.
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { Context, Env, Hono, Schema } from "hono";
import type { App } from "../../compose.js";
import type { Caller } from "../../service/caller.js";
import { OpenavailError, toErrorBody } from "../../service/errors.js";
import { isAllowedOrigin } from "./allowed-origin.js";
import { callTool, createMcpServer } from "./create-mcp-server.js";
import { directToolCall } from "./direct-tool-call.js";
import { RawArguments } from "./raw-arguments.js";
import { WebSseServerTransport } from "./web-sse-transport.js";

/** The largest message a client may POST to /messages; /mcp applies the SDK's same 4 MiB bound. */
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

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
 * Adds `POST|GET|DELETE /mcp`, `GET /sse` and `POST /messages` to `hono`. Tool calls are counted
 * against the key's rate limit; admitting a request (the 401 check) is not.
 */
export function mountMcpHttp<E extends Env, S extends Schema, B extends string>(
  hono: Hono<E, S, B>,
  app: App,
  options: McpHttpOptions,
): McpHttpMount {
  const sessions = new Map<string, SseSession>();

  const admit = async (c: Context): Promise<Admitted | Response> => {
    const origin = c.req.header("origin");
    if (origin !== undefined && !isAllowedOrigin(origin, options.allowedOrigins)) {
      return errorResponse(
        new OpenavailError(
          "forbidden",
          `Origin ${origin} may not use this server; add it to the allowed origins if it should.`,
        ),
      );
    }
    const rawKey = bearerToken(c.req.header("authorization"));
    try {
      return { caller: await app.checkKey(rawKey), rawKey: rawKey ?? "" };
    } catch (err) {
      if (!(err instanceof OpenavailError)) app.logger.error({ err }, "mcp http authentication failed");
      return errorResponse(err);
    }
  };

  hono.post("/mcp", async (c) => {
    const admitted = await admit(c);
    if (admitted instanceof Response) return admitted;
    // The body is read here, not by the transport, so tool arguments can be kept as sent.
    let parsedBody: unknown;
    try {
      const text = await c.req.text();
      if (Buffer.byteLength(text) > MAX_MESSAGE_BYTES) return tooLarge();
      parsedBody = JSON.parse(text);
    } catch {
      return errorResponse(
        new OpenavailError("bad_request", "The body is not a JSON-RPC message.", {
          details: [{ field: "", message: "expected a JSON-RPC 2.0 message or batch" }],
        }),
      );
    }
    // Stateless: this request was authenticated a moment ago, so a tool call in it is only counted.
    const resolveCaller = async () => app.countCall(admitted.caller, admitted.rawKey);
    const direct = directToolCall(c.req.raw.headers, parsedBody);
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
    const admitted = await admit(c);
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
    const admitted = await admit(c);
    if (admitted instanceof Response) return admitted;
    const transport = new WebSseServerTransport("/messages");
    const rawArguments = new RawArguments();
    const server = createMcpServer(app, () => app.authenticate(admitted.rawKey), rawArguments);
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
    const admitted = await admit(c);
    if (admitted instanceof Response) return admitted;
    const sessionId = c.req.query("sessionId") ?? "";
    const session = sessions.get(sessionId);
    // Another agent's session is reported as missing: session ids must not reveal other agents' work.
    if (!session || session.agentId !== admitted.caller.agentId) {
      return errorResponse(
        new OpenavailError("not_found", `No SSE session ${sessionId} of yours; open one with GET /sse.`),
      );
    }
    const contentType = c.req.header("content-type") ?? "";
    if (!/^application\/json\s*(;|$)/i.test(contentType)) {
      return errorResponse(
        new OpenavailError("unsupported_media_type", "Send the message as Content-Type: application/json."),
      );
    }
    if (Number(c.req.header("content-length") ?? 0) > MAX_MESSAGE_BYTES) return tooLarge();
    const text = await c.req.text();
    if (Buffer.byteLength(text) > MAX_MESSAGE_BYTES) return tooLarge();
    try {
      const message: unknown = JSON.parse(text);
      session.rawArguments.collect(message);
      session.transport.receive(message);
    } catch {
      return errorResponse(
        new OpenavailError("bad_request", "The body is not a JSON-RPC message.", {
          details: [{ field: "", message: "expected one JSON-RPC 2.0 message" }],
        }),
      );
    }
    return c.text("Accepted", 202);
  });

  return {
    openSseSessions: () => sessions.size,
    close: async () => {
      await Promise.all([...sessions.values()].map((s) => s.close()));
      sessions.clear();
    },
  };
}

/** The token of an `Authorization: Bearer <token>` header, if that is what the header holds. */
function bearerToken(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}

function tooLarge(): Response {
  return errorResponse(
    new OpenavailError("payload_too_large", `A message may be at most ${MAX_MESSAGE_BYTES} bytes.`),
  );
}

/** The error object as an HTTP response, with the headers its type calls for. */
function errorResponse(err: unknown): Response {
  const error = toErrorBody(err);
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (error.type === "unauthorized") headers["www-authenticate"] = 'Bearer realm="openavail"';
  if (error.retryAfter !== undefined) headers["retry-after"] = String(error.retryAfter);
  return new Response(JSON.stringify(error.toJSON()), { status: error.status, headers });
}
