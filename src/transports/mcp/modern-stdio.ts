// MCP 2026-07-28 over stdio, on the SDK's v2 line: once `openavail mcp` sees that the first message
// carries the revision's `_meta` envelope claim, the connection is served by the SDK's serveStdio,
// pinned to the modern era, with the same tools and caller checks as the 2025 path.
import type { Readable, Writable } from "node:stream";
import { Writable as WritableStream } from "node:stream";
import { StdioServerTransport, serveStdio } from "@modelcontextprotocol/server/stdio";
import type { App } from "../../compose.js";
import type { Caller } from "../../service/caller.js";
import { modernServer } from "./modern-http.js";
import type { PendingRequests } from "./pending-requests.js";

export interface ModernStdioSession {
  /** Resolves once every request received has been answered, or after `timeoutMs`. */
  idle(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Serves the modern era on `lines` (one JSON-RPC message per line, already admitted) to `stdout`.
 * Requests are counted as they arrive (`received`) and answers as they are written, so the session
 * can let calls finish when input ends: the SDK's transport would abort them at end of input.
 */
export function serveModernStdio(
  app: App,
  resolveCaller: () => Promise<Caller>,
  lines: Readable,
  stdout: Writable,
  pending: PendingRequests,
): ModernStdioSession {
  // Every answer is one whole line the transport writes: a response to a request has an id and no method.
  const out = new WritableStream({
    write(chunk: Buffer, _enc, done) {
      const text = chunk.toString("utf8");
      if (/"id":/.test(text) && !/"method":/.test(text)) pending.answered();
      stdout.write(chunk, done);
    },
  });
  const handle = serveStdio(() => modernServer(app, resolveCaller), {
    legacy: "reject",
    transport: new StdioServerTransport(lines, out),
    onerror: (err) => app.logger.debug({ err }, "mcp stdio 2026-07-28 error"),
  });
  return {
    idle: (timeoutMs) => pending.idle(timeoutMs),
    close: () => handle.close(),
  };
}
