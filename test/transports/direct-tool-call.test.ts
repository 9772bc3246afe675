// Which Streamable HTTP requests take the direct tools/call path (src/transports/mcp/direct-tool-call.ts):
// exactly the well-formed single calls of a known tool, and plain tools/list requests, that the SDK would
// accept with these headers.
import { describe, expect, it } from "vitest";
import { directRequest } from "../../src/transports/mcp/direct-tool-call.js";

const HEADERS = { accept: "application/json, text/event-stream", "content-type": "application/json" };
const CALL = { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "whoami", arguments: { a: 1 } } };

const check = (message: unknown, headers: Record<string, string> = HEADERS) =>
  directRequest(new Headers(headers), message);

describe("directRequest", () => {
  it("takes a well-formed call of a registry tool, with its arguments as sent", () => {
    const call = check(CALL);
    expect(call).toMatchObject({ kind: "tools/call", id: 1, tool: { name: "whoami" }, args: { a: 1 } });
    expect(check({ ...CALL, id: "x-1", params: { name: "whoami" } })).toMatchObject({ id: "x-1", args: {} });
    expect(check(CALL, { ...HEADERS, "mcp-protocol-version": "2025-06-18" })).not.toBeNull();
    expect(check(CALL, { ...HEADERS, "content-type": "application/json; charset=utf-8" })).not.toBeNull();
  });

  it("takes a plain tools/list, which is answered from the list built once", () => {
    const list = { jsonrpc: "2.0", id: 9, method: "tools/list" };
    expect(check(list)).toEqual({ kind: "tools/list", id: 9 });
    expect(check({ ...list, params: {} })).toEqual({ kind: "tools/list", id: 9 });
    expect(check({ ...list, params: { cursor: "x" } })).toBeNull();
    expect(check({ ...list, params: { _meta: {} } })).toBeNull();
    expect(check([list])).toBeNull();
  });

  it.each([
    ["no text/event-stream in Accept", CALL, { ...HEADERS, accept: "application/json" }],
    ["a non-JSON content type", CALL, { ...HEADERS, "content-type": "text/plain" }],
    ["an unsupported protocol version", CALL, { ...HEADERS, "mcp-protocol-version": "1999-01-01" }],
    ["a batch", [CALL], HEADERS],
    ["a notification (no id)", { jsonrpc: "2.0", method: "tools/call", params: CALL.params }, HEADERS],
    ["a fractional id", { ...CALL, id: 1.5 }, HEADERS],
    ["an id past the safe integers", { ...CALL, id: 2 ** 53 }, HEADERS],
    ["another method", { ...CALL, method: "ping" }, HEADERS],
    ["tools/list with call params", { ...CALL, method: "tools/list" }, HEADERS],
    ["a wrong jsonrpc version", { ...CALL, jsonrpc: "1.0" }, HEADERS],
    ["an unknown tool", { ...CALL, params: { name: "nope" } }, HEADERS],
    ["a missing name", { ...CALL, params: { arguments: {} } }, HEADERS],
    ["array arguments", { ...CALL, params: { name: "whoami", arguments: [] } }, HEADERS],
    ["a _meta", { ...CALL, params: { ...CALL.params, _meta: { progressToken: 1 } } }, HEADERS],
    ["an extra params key", { ...CALL, params: { ...CALL.params, task: {} } }, HEADERS],
    ["an extra top-level key", { ...CALL, result: {} }, HEADERS],
  ])("leaves %s to the SDK", (_what, message, headers) => {
    expect(check(message, headers)).toBeNull();
  });
});
