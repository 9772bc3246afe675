// The legacy HTTP+SSE transport (MCP 2024-11-05) on web-standard streams, so it runs inside any Hono
// app: GET opens an event stream that first names the endpoint, and POSTs to it carry client messages.
// The SDK's SSEServerTransport needs Node's ServerResponse, which a Hono handler does not own.
import { randomUUID } from "node:crypto";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import {
  type JSONRPCMessage,
  JSONRPCMessageSchema,
  type MessageExtraInfo,
} from "@modelcontextprotocol/sdk/types.js";

/** A comment line this often keeps proxies and idle timeouts from cutting a quiet stream. */
const KEEP_ALIVE_MS = 25_000;

export class WebSseServerTransport implements Transport {
  readonly sessionId = randomUUID();
  /** The response body of the GET that opened the session. */
  readonly stream: ReadableStream<Uint8Array>;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;

  readonly #endpoint: string;
  readonly #encoder = new TextEncoder();
  #controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  #keepAlive: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  /** `endpoint`: the path clients POST to; `?sessionId=` is added. */
  constructor(endpoint: string) {
    this.#endpoint = endpoint;
    this.stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller;
      },
      // The client went away.
      cancel: () => this.#finish(),
    });
  }

  async start(): Promise<void> {
    const url = new URL(this.#endpoint, "http://localhost");
    url.searchParams.set("sessionId", this.sessionId);
    this.#write(`event: endpoint\ndata: ${url.pathname}${url.search}\n\n`);
    this.#keepAlive = setInterval(() => this.#write(": keep-alive\n\n"), KEEP_ALIVE_MS);
    this.#keepAlive.unref();
  }

  /** Hands one POSTed message to the server; throws when `body` is not a JSON-RPC message. */
  receive(body: unknown, extra?: MessageExtraInfo): void {
    this.onmessage?.(JSONRPCMessageSchema.parse(body), extra);
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.#closed) throw new Error("Not connected");
    this.#write(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
  }

  async close(): Promise<void> {
    if (!this.#closed) {
      try {
        this.#controller?.close();
      } catch {
        // Already closed or cancelled by the client.
      }
    }
    this.#finish();
  }

  #write(text: string): void {
    if (this.#closed) return;
    try {
      this.#controller?.enqueue(this.#encoder.encode(text));
    } catch (err) {
      this.onerror?.(err instanceof Error ? err : new Error(String(err)));
      this.#finish();
    }
  }

  #finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#keepAlive);
    this.onclose?.();
  }
}
