// What a JSON-RPC message (or batch) read from any MCP transport must be before any of it runs:
// a batch is non-empty, bounded, and its request ids are unique (the SDK answers by id, so a repeated
// id would run one request with another's arguments). Also counts the work a message asks for.

/** The most messages one batch may carry; a batch multiplies a request's work. */
export const MAX_BATCH = 20;

export interface JsonRpcErrorBody {
  readonly jsonrpc: "2.0";
  readonly id: string | number | null;
  readonly error: { readonly code: number; readonly message: string };
}

/** -32600, JSON-RPC's Invalid Request. */
export const INVALID_REQUEST = -32600;

/**
 * Null when `message` may be handed on; otherwise the JSON-RPC error to answer with. `batches` is
 * false where the transport has no batches (stdio since MCP 2025-06-18).
 */
export function batchProblem(message: unknown, batches = true): JsonRpcErrorBody | null {
  if (!Array.isArray(message)) return null;
  const invalid = (text: string): JsonRpcErrorBody => ({
    jsonrpc: "2.0",
    id: null,
    error: { code: INVALID_REQUEST, message: `Invalid Request: ${text}` },
  });
  if (!batches) return invalid("batches are not supported here; send one message per line.");
  if (message.length === 0) return invalid("an empty batch; send at least one message.");
  if (message.length > MAX_BATCH) {
    return invalid(`a batch may hold at most ${MAX_BATCH} messages, this one has ${message.length}.`);
  }
  const seen = new Set<string>();
  for (const m of message) {
    if (!isMessage(m))
      return invalid('every member of a batch must be a JSON-RPC 2.0 object with jsonrpc "2.0".');
    const id = requestId(m);
    if (id === undefined) continue;
    const key = `${typeof id}:${id}`;
    if (seen.has(key))
      return invalid(`id ${JSON.stringify(id)} appears twice in one batch; ids must be unique.`);
    seen.add(key);
  }
  return null;
}

function isMessage(m: unknown): boolean {
  return (
    m !== null && typeof m === "object" && !Array.isArray(m) && (m as { jsonrpc?: unknown }).jsonrpc === "2.0"
  );
}

/** How many requests and notifications `message` carries: what it costs against the rate limit. */
export function messageCount(message: unknown): number {
  return Array.isArray(message) ? Math.max(1, message.length) : 1;
}

/** The id of a JSON-RPC request, or undefined for notifications, responses and non-messages. */
export function requestId(message: unknown): string | number | undefined {
  if (!message || typeof message !== "object" || Array.isArray(message)) return undefined;
  const { id, method } = message as { id?: unknown; method?: unknown };
  if (typeof method !== "string") return undefined;
  return typeof id === "string" || typeof id === "number" ? id : undefined;
}
