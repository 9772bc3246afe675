// MCP 2026-07-28 over HTTP, on the SDK's v2 line: stateless, each request carrying its protocol
// version and client capabilities in `_meta`, `server/discover`, the Mcp-Method / Mcp-Name headers
// checked against the body, `ttlMs` / `cacheScope` on tools/list, `resultType` on results. The SDK's
// createMcpHandler owns that protocol; Openavail gives it one server per request with the same tool
// list and tools/call as the 2025 revisions, for the agent the route authenticated.
//
// 2025-era traffic (the initialize handshake) keeps its own path in http.ts; `isLegacyRequest` is the
// SDK's own classification, so the two can never disagree about which era a request belongs to.
import {
  type CallToolResult,
  createMcpHandler,
  isLegacyRequest,
  type jsonSchemaValidator,
  type ListToolsResult,
  ProtocolError,
  ProtocolErrorCode,
  Server,
} from "@modelcontextprotocol/server";
import { findTool } from "../../../tools/index.js";
import type { App } from "../../compose.js";
import type { Caller } from "../../service/caller.js";
import { callTool, INSTRUCTIONS, SERVER_INFO } from "./create-mcp-server.js";
import { toolList } from "./tool-list.js";

/** The revision this path serves; 2025 revisions are served by the initialize path. */
export const MODERN_PROTOCOL_VERSION = "2026-07-28";
/**
 * How long a client may reuse an agent's tools/list: the list follows the agent's scopes, which an
 * admin may change, so it is private to the caller and short.
 */
const TOOL_LIST_TTL_MS = 60_000;
const CALLER_KEY = "openavail/caller";
const NO_ELICITATION_V2: jsonSchemaValidator = {
  getValidator: () => () => ({
    valid: false,
    data: undefined,
    errorMessage: "Openavail does not elicit input.",
  }),
};

export interface ModernMcp {
  /** Whether the SDK routes this request to 2025-era serving (the body already parsed). */
  isLegacy(request: Request, parsedBody: unknown): Promise<boolean>;
  /** Serves one 2026-07-28 exchange for an authenticated, counted caller. */
  handle(request: Request, parsedBody: unknown, caller: Caller, rawKey: string): Promise<Response>;
  close(): Promise<void>;
}

/**
 * A v2 server with the registry's tools, listed and called as the 2025 path does. `resolveCaller`
 * runs for each list and call: over HTTP it is the request's caller; over stdio it checks the key
 * again, so a revoked key fails at once.
 */
export function modernServer(app: App, resolveCaller: () => Promise<Caller>): Server {
  const server = new Server(
    { ...SERVER_INFO },
    {
      capabilities: { tools: {} },
      instructions: INSTRUCTIONS,
      // Openavail never elicits input: the SDK's default validator would be built for nothing, per request.
      jsonSchemaValidator: NO_ELICITATION_V2,
      cacheHints: {
        "tools/list": { ttlMs: TOOL_LIST_TTL_MS, cacheScope: "private" },
        "server/discover": { ttlMs: TOOL_LIST_TTL_MS, cacheScope: "public" },
      },
    },
  );
  // Built once per set of scopes (tool-list.ts), in the registry's order: deterministic.
  server.setRequestHandler(
    "tools/list",
    async () => toolList((await resolveCaller()).scopes) as unknown as ListToolsResult,
  );
  server.setRequestHandler("tools/call", async (request) => {
    const tool = findTool(request.params.name);
    if (!tool) {
      throw new ProtocolError(
        ProtocolErrorCode.InvalidParams,
        `Unknown tool ${request.params.name}; tools/list names every tool.`,
      );
    }
    const result = await callTool(app, tool, resolveCaller, request.params.arguments ?? {});
    return result as unknown as CallToolResult;
  });
  return server;
}

export function createModernMcp(app: App): ModernMcp {
  const handler = createMcpHandler(
    (ctx) => {
      const caller = ctx.authInfo?.extra?.[CALLER_KEY] as Caller | undefined;
      // The route authenticates before it hands a request over; without a caller nothing is served.
      if (!caller) throw new Error("modern MCP request without an authenticated caller");
      return modernServer(app, async () => caller);
    },
    {
      legacy: "reject",
      onerror: (err) => app.logger.debug({ err }, "mcp 2026-07-28 request refused"),
    },
  );
  return {
    isLegacy: (request, parsedBody) => isLegacyRequest(request, parsedBody),
    handle: (request, parsedBody, caller, rawKey) =>
      handler.fetch(request, {
        parsedBody,
        authInfo: {
          token: rawKey,
          clientId: caller.agentId,
          scopes: [...caller.scopes],
          extra: { [CALLER_KEY]: caller },
        },
      }),
    close: () => handler.close(),
  };
}
