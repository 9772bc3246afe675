// The hot path of MCP 2026-07-28 over HTTP, as direct-tool-call.ts is for the 2025 revisions: a POST
// holding one well-formed tools/call of a registry tool, that the SDK's own classification routes to
// the 2026-07-28 revision with a valid envelope, is answered here without the per-request server,
// transport and context the SDK builds (about 0.7 ms a call, most of a call's cost). The answer is
// the one the SDK gives, byte for byte (a test compares them): the tool's result, `resultType:
// "complete"`, the server's info merged into `_meta`. Anything else goes to the SDK.
import {
  classifyInboundRequest,
  isJsonContentType,
  SERVER_INFO_META_KEY,
} from "@modelcontextprotocol/server";
import { findTool } from "../../../tools/index.js";
import { type DirectToolCall, hasOnlyKeys, isPlainObject } from "./direct-tool-call.js";
import { MODERN_PROTOCOL_VERSION } from "./modern-http.js";

const REQUEST_KEYS = new Set(["jsonrpc", "id", "method", "params"]);
const PARAMS_KEYS = new Set(["name", "arguments", "_meta"]);
/** The envelope alone: a progress token, trace context or anything else is for the SDK to honour. */
const ENVELOPE_KEYS = new Set([
  "io.modelcontextprotocol/protocolVersion",
  "io.modelcontextprotocol/clientInfo",
  "io.modelcontextprotocol/clientCapabilities",
]);

/** The tools/call in `message` when the SDK would serve it unchanged as a 2026-07-28 call; else null. */
export function directModernCall(headers: Headers, message: unknown): DirectToolCall | null {
  if (!headers.get("accept")?.includes("application/json")) return null;
  if (!isJsonContentType(headers.get("content-type"))) return null;
  if (!isPlainObject(message) || !hasOnlyKeys(message, REQUEST_KEYS)) return null;
  const { id, method, params } = message;
  if (method !== "tools/call" || message.jsonrpc !== "2.0") return null;
  if (typeof id !== "string" && !(typeof id === "number" && Number.isSafeInteger(id))) return null;
  if (!isPlainObject(params) || !hasOnlyKeys(params, PARAMS_KEYS) || typeof params.name !== "string")
    return null;
  if (params.arguments !== undefined && !isPlainObject(params.arguments)) return null;
  if (!isPlainObject(params._meta) || !hasOnlyKeys(params._meta, ENVELOPE_KEYS)) return null;
  const tool = findTool(params.name);
  if (!tool) return null;
  // The SDK checks Mcp-Name against the body after classifying; a missing or other name is its to judge.
  if (headers.get("mcp-name") !== params.name) return null;
  // The SDK's own validation ladder: versions, headers against the body, the envelope's shape.
  const outcome = classifyInboundRequest({
    httpMethod: "POST",
    ...optional("protocolVersionHeader", headers.get("mcp-protocol-version")),
    ...optional("mcpMethodHeader", headers.get("mcp-method")),
    ...optional("mcpNameHeader", headers.get("mcp-name")),
    body: message,
  });
  if (outcome.kind !== "modern" || outcome.classification.revision !== MODERN_PROTOCOL_VERSION) return null;
  return { kind: "tools/call", id, tool, args: params.arguments ?? {} };
}

/** The response body the SDK sends for a tools/call `result` of this server. */
export function modernCallResponse(
  id: string | number,
  result: Record<string, unknown>,
  serverInfo: Readonly<Record<string, string>>,
): string {
  const meta = (result._meta as Record<string, unknown> | undefined) ?? {};
  // Spread, then _meta assigned: a result that had _meta keeps it first, as the SDK's result does.
  const out = { ...result, resultType: "complete", _meta: { ...meta, [SERVER_INFO_META_KEY]: serverInfo } };
  return JSON.stringify({ result: out, jsonrpc: "2.0", id });
}

function optional(key: string, value: string | null): Record<string, string> {
  return value === null ? {} : { [key]: value };
}
