// The stdio MCP server of `openavail mcp`: one agent (the key's owner), stdout carries only the protocol;
// 2025 revisions (initialize) and 2026-07-28 (modern-stdio.ts) on one command.
import type { Readable, Writable } from "node:stream";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { STDIO_DEFAULT_MAX_BUFFER_SIZE } from "@modelcontextprotocol/sdk/shared/stdio.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { App } from "../../compose.js";
import type { Caller } from "../../service/caller.js";
import { OpenavailError, toErrorBody } from "../../service/errors.js";
import { requireAudience } from "../../service/oauth/access-tokens.js";
import { decodeUtf8 } from "../rest/json-body.js";
import { batchProblem, INVALID_REQUEST, requestId } from "./batch-rules.js";
import { boundedLines, jsonRpcIdFromEdges } from "./bounded-lines.js";
import { createMcpServer } from "./create-mcp-server.js";
import { claimsModernEra } from "./era.js";
import { PendingRequests } from "./pending-requests.js";
import { RawArguments } from "./raw-arguments.js";

/** JSON-RPC's Parse error. */
const PARSE_ERROR = -32700;
/** How long a session that has lost its input waits for calls still running before it closes. */
const DRAIN_TIMEOUT_MS = 10_000;

export interface StdioOptions {
  readonly stdin?: Readable;
  readonly stdout?: Writable;
  /** Aborting ends the session, as the end of stdin does (the command wires SIGINT and SIGTERM). */
  readonly signal?: AbortSignal;
}

/**
 * Serves MCP over stdio as the agent whose raw API key is given, until stdin ends or `signal`
 * aborts; calls already running are answered first, so `printf '...' | openavail mcp` works.
 * Rejects with an `unauthorized` OpenavailError before reading any input when the key fails; after
 * that the key is checked again on every tool call, so a revoked key or disabled agent fails at once.
 */
export async function serveStdio(
  app: App,
  rawKey: string | undefined,
  options: StdioOptions = {},
): Promise<void> {
  const caller = await app.checkKey(rawKey);
  // An OAuth access token is bound to an HTTP server's /mcp; stdio takes API keys only.
  requireAudience(caller, () => undefined);
  const stdin = options.stdin ?? process.stdin;
  const stdout = options.stdout ?? process.stdout;
  const rawArguments = new RawArguments();
  // Every message is counted as it is read (see admitLine), so a tool call only re-checks the key.
  const resolveCaller = () => app.checkKey(rawKey);
  // One whole line, like every message the transport writes, so the two never interleave.
  const reply = (message: object) => stdout.write(`${JSON.stringify(message)}\n`);
  // The first message picks the era, for the connection's lifetime: the 2026-07-28 envelope claim
  // goes to the SDK's v2 serveStdio, anything else to the 2025 initialize path. Lines wait in the
  // stream's buffer until the chosen transport reads them.
  let session: EraSession | undefined;
  const ctx: LineContext = { app, caller, rawKey: rawKey ?? "", rawArguments, reply };
  // Not ended with stdin: calls still running are answered first (see the drain below).
  const lines: Readable = stdin.pipe(
    boundedLines(STDIO_DEFAULT_MAX_BUFFER_SIZE, {
      onLine: (line) => {
        const admitted = admitLine(line, ctx);
        if (!admitted.ok) return false;
        session ??= startSession(app, resolveCaller, rawArguments, lines, stdout, admitted.message);
        if (isRequest(admitted.message)) session.received();
        return true;
      },
      onOversize: (head, tail) => {
        const id = jsonRpcIdFromEdges(head, tail);
        app.logger.warn({ agent_id: caller.agentId, id }, "mcp stdio message over the size limit discarded");
        reply({
          jsonrpc: "2.0",
          id,
          error: {
            code: INVALID_REQUEST,
            message: `Message larger than ${STDIO_DEFAULT_MAX_BUFFER_SIZE / 1024 / 1024} MiB discarded; send smaller arguments.`,
          },
        });
      },
    }),
    { end: false },
  );
  const inputEnded = new Promise<string>((resolve) => {
    stdin.once("end", () => resolve("stdin ended"));
    stdin.once("close", () => resolve("stdin closed"));
    // A reader that went away (EPIPE) must end the session, not crash the process.
    stdout.on("error", (err) => resolve(`stdout failed: ${err.message}`));
    if (options.signal?.aborted) resolve("aborted");
    options.signal?.addEventListener("abort", () => resolve("aborted"), { once: true });
  });
  app.logger.info({ agent_id: caller.agentId, key_prefix: caller.keyPrefix }, "mcp stdio session started");
  const reason = await inputEnded;
  const open = session as EraSession | undefined;
  // With stdout gone no answer can be delivered, so there is nothing to wait for.
  if (open && !reason.startsWith("stdout")) await open.idle(DRAIN_TIMEOUT_MS);
  await open?.close();
  lines.destroy();
  app.logger.info({ agent_id: caller.agentId, reason, era: open?.era ?? null }, "mcp stdio session ended");
}

/** One connection's server, of the era its first message chose. */
interface EraSession {
  readonly era: "2025" | "2026-07-28";
  /** Counts a request read, for the drain. */
  received(): void;
  idle(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

function startSession(
  app: App,
  resolveCaller: () => Promise<Caller>,
  rawArguments: RawArguments,
  lines: Readable,
  stdout: Writable,
  first: unknown,
): EraSession {
  if (claimsModernEra(first)) {
    // The v2 SDK loads only for a 2026-07-28 connection: a 2025 client's cold start does not pay for it.
    // Lines wait in the stream until its transport reads them; requests are counted from the first.
    const pending = new PendingRequests();
    const started = import("./modern-stdio.js").then((m) =>
      m.serveModernStdio(app, resolveCaller, lines, stdout, pending),
    );
    return {
      era: "2026-07-28",
      received: () => pending.received(),
      idle: async (timeoutMs) => {
        await started;
        await pending.idle(timeoutMs);
      },
      close: async () => (await started).close(),
    };
  }
  const server = createMcpServer(app, resolveCaller, rawArguments);
  const transport = new StdioServerTransport(lines, stdout);
  // connect() installs the transport's handlers before its first await: wrapped here, at once,
  // the first request is counted too.
  const connected = server.connect(transport);
  const inflight = trackInflight(transport);
  return {
    era: "2025",
    received: () => {},
    idle: (timeoutMs) => inflight.idle(timeoutMs),
    close: async () => {
      await connected;
      await server.close();
    },
  };
}

function isRequest(message: unknown): boolean {
  return typeof message === "object" && message !== null && "method" in message && "id" in message;
}

interface LineContext {
  readonly app: App;
  readonly caller: Caller;
  readonly rawKey: string;
  readonly rawArguments: RawArguments;
  readonly reply: (message: object) => void;
}

/**
 * Whether one input line may reach the SDK's transport: it must be UTF-8 (the SDK would replace bad
 * bytes and book the mangled text, where HTTP refuses it), not a batch (stdio has none since MCP
 * 2025-06-18), and within the key's rate limit, which counts every message as HTTP does. A refused
 * request is answered here; a line that is not JSON goes on, for the transport's parse error.
 */
function admitLine(line: Buffer, ctx: LineContext): { ok: boolean; message?: unknown } {
  let message: unknown;
  try {
    message = JSON.parse(decodeUtf8(line));
  } catch (err) {
    if (!(err instanceof OpenavailError)) return { ok: true };
    ctx.reply({
      jsonrpc: "2.0",
      id: null,
      error: { code: PARSE_ERROR, message: `Parse error: ${err.message}` },
    });
    return { ok: false };
  }
  const problem = batchProblem(message, false);
  if (problem) {
    ctx.reply(problem);
    return { ok: false };
  }
  try {
    ctx.app.countCall(ctx.caller, ctx.rawKey);
  } catch (err) {
    const id = requestId(message);
    const error = toErrorBody(err);
    if (id !== undefined) {
      ctx.reply({
        jsonrpc: "2.0",
        id,
        error: { code: -32000, message: error.message, data: error.toJSON() },
      });
    }
    return { ok: false };
  }
  ctx.rawArguments.collect(message);
  return { ok: true, message };
}

/**
 * Counts requests received and not yet answered on a connected transport, so the session can let
 * them finish before closing. Wraps the handlers the server installed on `connect`.
 */
function trackInflight(transport: Transport): { idle(timeoutMs: number): Promise<void> } {
  const pending = new PendingRequests();
  const receive = transport.onmessage;
  transport.onmessage = (message, extra) => {
    if ("method" in message && "id" in message) pending.received();
    receive?.(message, extra);
  };
  const send = transport.send.bind(transport);
  transport.send = async (message, sendOptions) => {
    try {
      await send(message, sendOptions);
    } finally {
      if (!("method" in message) && "id" in message) pending.answered();
    }
  };
  return pending;
}
