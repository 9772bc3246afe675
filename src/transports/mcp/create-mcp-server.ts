// The MCP server: every tool of the registry, listed from its zod schemas and run through executeTool,
// so validation, authorization and errors are the same as over REST.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import {
  CallToolRequestSchema,
  type CallToolResult,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
} from "@modelcontextprotocol/sdk/types.js";
import type { jsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/types.js";
import { executeTool, findTool, type ToolDefinition } from "../../../tools/index.js";
import { type App, PACKAGE_ROOT } from "../../compose.js";
import type { Caller } from "../../service/caller.js";
import { OpenavailError, toErrorBody } from "../../service/errors.js";
import type { RawArguments } from "./raw-arguments.js";
import { summarize } from "./summarize.js";
import { toolList } from "./tool-list.js";

export const SERVER_NAME = "openavail";
// Read at run time rather than imported: a JSON import would copy package.json into dist/, and
// PACKAGE_ROOT would then resolve to dist/ instead of the package.
export const SERVER_VERSION = (
  JSON.parse(readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8")) as { version: string }
).version;

/** The server's name, title and version, as both protocol eras announce them. */
export const SERVER_INFO = { name: SERVER_NAME, title: "Openavail", version: SERVER_VERSION } as const;

/** `_meta` key set on a result that was replayed from an earlier call with the same idempotency_key. */
export const REPLAYED_META_KEY = "openavail/idempotent_replayed";

export const INSTRUCTIONS =
  "Openavail arbitrates every availability check, hold and booking on the calendars of the owners you serve. " +
  "Call whoami once to learn your scopes, owners and meeting classes. To book a meeting: check_availability " +
  "(it holds the first free slot for you), then create_booking with that hold_id. Verdicts are normal results: " +
  "Accept, CounterPropose (offer one of alternatives), Preempt (you displaced lower-priority items), Reject (see reason_code). " +
  "Every result carries pending_notifications: on booking.preempted, confirm or release the landing_hold it names. " +
  "A failed call returns isError with a JSON object {error, message, details}; fix the named field and call again. " +
  "Pass idempotency_key on writes so a retry can never book twice.";

// Openavail never asks the client to elicit input, so the SDK's default Ajv validator would only be
// start-up cost, paid again by every stateless HTTP request that builds a server.
const NO_ELICITATION: jsonSchemaValidator = {
  getValidator: () => () => ({
    valid: false,
    data: undefined,
    errorMessage: "Openavail does not elicit input.",
  }),
};

/**
 * Builds an MCP server exposing every tool of the registry. `resolveCaller` runs on every tool call,
 * so a revoked key or a disabled agent fails at once, even on a long-lived connection. A transport
 * that records `rawArguments` as it reads messages gets tool input validated exactly as sent.
 */
export function createMcpServer(
  app: App,
  resolveCaller: () => Promise<Caller>,
  rawArguments?: RawArguments,
): McpServer {
  const server = new McpServer(
    { ...SERVER_INFO },
    { instructions: INSTRUCTIONS, jsonSchemaValidator: NO_ELICITATION },
  );
  const call = (tool: ToolDefinition, args: unknown) => callTool(app, tool, resolveCaller, args);
  // The handlers are set on the protocol server rather than through registerTool: the list is built
  // once per set of scopes (tool-list.ts), and tools/call goes through executeTool (below).
  server.server.registerCapabilities({ tools: { listChanged: true } });
  // Each agent sees the tools its scopes allow; the key is checked again, as for a call.
  server.server.setRequestHandler(ListToolsRequestSchema, async () =>
    toolList((await resolveCaller()).scopes),
  );
  // McpServer's own tools/call handler would validate the arguments with the SDK before the tool runs
  // and answer a failure with a plain-text message. Dispatching here instead hands the raw arguments
  // to executeTool, so a bad request comes back as Openavail's error object naming the field.
  server.server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const tool = findTool(request.params.name);
    if (!tool) {
      throw new McpError(
        ErrorCode.InvalidParams,
        `Unknown tool ${request.params.name}; tools/list names every tool.`,
      );
    }
    // Prefer the arguments as sent (see raw-arguments.ts); the SDK's copy when none were recorded.
    const args = rawArguments?.take(extra.requestId) ?? request.params.arguments ?? {};
    return call(tool, args);
  });
  return server;
}

/**
 * Runs one call: the body as `structuredContent` plus a text block (a one-line summary, then the
 * JSON); an error as `isError` with the error object as JSON text and no `structuredContent`, which
 * clients would otherwise check against the tool's output schema.
 */
export async function callTool(
  app: App,
  tool: ToolDefinition,
  resolveCaller: () => Promise<Caller>,
  args: unknown,
): Promise<CallToolResult> {
  try {
    const caller = await resolveCaller();
    const { json, replayed } = await executeTool(app.service, tool, caller, args);
    const body = JSON.parse(json) as Record<string, unknown>;
    // Keys in the order the SDK's result schema writes them, so the direct HTTP path
    // (direct-tool-call.ts) sends the very bytes the SDK would.
    return {
      ...(replayed ? { _meta: { [REPLAYED_META_KEY]: true } } : {}),
      content: [{ type: "text", text: `${summarize(tool.name, body)}\n${json}` }],
      structuredContent: body,
    };
  } catch (err) {
    if (!(err instanceof OpenavailError)) app.logger.error({ err, tool: tool.name }, "tool call failed");
    return { content: [{ type: "text", text: JSON.stringify(toErrorBody(err).toJSON()) }], isError: true };
  }
}
