// The hot path of Streamable HTTP: a POST holding one well-formed tools/call (or plain tools/list)
// request is answered here, without the McpServer and transport that the stateless pattern otherwise
// builds, connects and closes for every request (with the SDK's zod parsing of the message and of the result, about half of the
// server's CPU per call). Only a request the SDK would accept as it is takes this path, and its answer
// is the one the SDK would give: the same tool dispatch (`callTool`), the same JSON-RPC response, the
// same headers. Anything else (other methods, batches, notifications, odd headers, unknown tools,
// malformed messages, `_meta`) goes to the SDK, so every error and edge keeps the SDK's behaviour.
import { isJsonContentType } from "@modelcontextprotocol/sdk/shared/mediaType.js";
import { SUPPORTED_PROTOCOL_VERSIONS } from "@modelcontextprotocol/sdk/types.js";
import { findTool, type ToolDefinition } from "../../../tools/index.js";
import type { RequestId } from "./raw-arguments.js";

export interface DirectToolCall {
  readonly kind: "tools/call";
  readonly id: RequestId;
  readonly tool: ToolDefinition;
  /** The arguments exactly as sent (see raw-arguments.ts); `{}` when there were none. */
  readonly args: unknown;
}

const REQUEST_KEYS = new Set(["jsonrpc", "id", "method", "params"]);
// No `_meta`: a progress token or a related task is for the SDK to validate and honour.
const PARAMS_KEYS = new Set(["name", "arguments"]);

/** A tools/list request without a cursor or `_meta`: answered from the list built once (tool-list.ts). */
export interface DirectToolList {
  readonly kind: "tools/list";
  readonly id: RequestId;
}

/**
 * The tools/call or tools/list request in `message`, when the SDK would accept the POST carrying it
 * unchanged and dispatch it to a tool of the registry or to the list; null when the SDK must handle it.
 */
export function directRequest(headers: Headers, message: unknown): DirectToolCall | DirectToolList | null {
  // The SDK's own header checks for a POST (webStandardStreamableHttp.ts), in the same terms.
  const accept = headers.get("accept");
  if (!accept?.includes("application/json") || !accept.includes("text/event-stream")) return null;
  if (!isJsonContentType(headers.get("content-type"))) return null;
  const version = headers.get("mcp-protocol-version");
  if (version !== null && !SUPPORTED_PROTOCOL_VERSIONS.includes(version)) return null;

  if (!isPlainObject(message) || !hasOnlyKeys(message, REQUEST_KEYS)) return null;
  const { jsonrpc, id, method, params } = message;
  if (jsonrpc !== "2.0") return null;
  // The SDK takes zod's int: a safe integer.
  if (typeof id !== "string" && !(typeof id === "number" && Number.isSafeInteger(id))) return null;
  if (method === "tools/list") {
    return params === undefined || (isPlainObject(params) && Object.keys(params).length === 0)
      ? { kind: "tools/list", id }
      : null;
  }
  if (method !== "tools/call") return null;
  if (!isPlainObject(params) || !hasOnlyKeys(params, PARAMS_KEYS)) return null;
  if (typeof params.name !== "string") return null;
  if (params.arguments !== undefined && !isPlainObject(params.arguments)) return null;
  const tool = findTool(params.name);
  if (!tool) return null;
  return { kind: "tools/call", id, tool, args: params.arguments ?? {} };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

export function hasOnlyKeys(value: Record<string, unknown>, allowed: ReadonlySet<string>): boolean {
  for (const key of Object.keys(value)) if (!allowed.has(key)) return false;
  return true;
}
