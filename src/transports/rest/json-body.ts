// Reads request bodies: bounded in size before they are read whole, decoded by one UTF-8 rule, JSON
// media types only, parsed once. Every HTTP transport (REST, admin, /mcp, /messages) reads through here.
import type { Readable } from "node:stream";
import { OpenavailError } from "../../service/errors.js";

/** 1 MiB: far above any valid request (the largest, a rules document, is a few KiB). */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * After refusing an oversized body, this much more (bytes, then ms) is read and dropped so the client,
 * still sending, reads the 413 instead of a connection reset; past either bound the socket is cut.
 */
const DRAIN_BYTES = 64 * 1024 * 1024;
const DRAIN_MS = 10_000;

/**
 * The body as a plain object; an empty body is `{}`. Throws `payload_too_large` past `limit` bytes,
 * `unsupported_media_type` for a non-JSON body, and `bad_request` for malformed JSON, invalid UTF-8
 * or a non-object.
 */
export async function readJsonBody(
  req: Request,
  limit = MAX_BODY_BYTES,
  nodeBody?: Readable,
): Promise<Record<string, unknown>> {
  const text = await readBodyText(req, limit, nodeBody);
  if (text === "") return {};
  const type = req.headers.get("content-type");
  if (!isJsonMediaType(type)) {
    throw new OpenavailError(
      "unsupported_media_type",
      `Request bodies must be JSON: send Content-Type: application/json${type ? ` (got ${type.split(";")[0]})` : ""}.`,
    );
  }
  const value = parseJsonText(text, "must be a JSON object");
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new OpenavailError("bad_request", "The request body must be a JSON object ({...}).", {
      details: [
        {
          field: "",
          message: `must be a JSON object, got ${value === null ? "null" : Array.isArray(value) ? "an array" : typeof value}`,
        },
      ],
    });
  }
  return value as Record<string, unknown>;
}

/**
 * The body as text, read no further than `limit` bytes (Content-Length is checked first, then the
 * stream as it arrives, so a lying or chunked client is cut off too) and decoded as strict UTF-8:
 * invalid bytes are a `bad_request`, never silently replaced, on every transport alike.
 */
export async function readBodyText(req: Request, limit: number, nodeBody?: Readable): Promise<string> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > limit) {
    if (nodeBody) drain(nodeBody);
    throw tooLarge(limit);
  }
  // Under @hono/node-server the Node request is at hand: reading it directly skips building a web
  // ReadableStream for every request (a tenth of a REST request's CPU under load).
  const bytes = nodeBody ? await readNodeBounded(nodeBody, limit) : await readWebBounded(req, limit);
  return decodeUtf8(bytes);
}

/** One strict decoder: a non-streaming decode keeps no state between calls, so it is shared. */
const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true });

/** Strict UTF-8; throws `bad_request` naming the problem. */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    throw new OpenavailError("bad_request", "The request body is not valid UTF-8 text.", {
      details: [{ field: "", message: "must be UTF-8 encoded JSON" }],
    });
  }
}

/** JSON.parse with the error a client can act on. */
export function parseJsonText(text: string, expected: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new OpenavailError(
      "bad_request",
      `The request body is not valid JSON (${(err as Error).message}).`,
      {
        details: [{ field: "", message: expected }],
      },
    );
  }
}

/** The Node request body that @hono/node-server passes as `env.incoming`, when there is one. */
export function nodeBody(env: unknown): Readable | undefined {
  const incoming = (env as { incoming?: unknown } | undefined)?.incoming;
  return incoming && typeof incoming === "object" && typeof (incoming as Readable).on === "function"
    ? (incoming as Readable)
    : undefined;
}

/** application/json or any `+json` type; a charset other than UTF-8 is refused (RFC 8259). */
export function isJsonMediaType(header: string | null): boolean {
  if (!header) return false;
  // What nearly every client sends, judged without splitting (~3 us of a request under load).
  if (header === "application/json") return true;
  const [type = "", ...params] = header
    .toLowerCase()
    .split(";")
    .map((s) => s.trim());
  if (type !== "application/json" && !/^application\/[a-z0-9.+-]+\+json$/.test(type)) return false;
  const charset = params
    .find((p) => p.startsWith("charset="))
    ?.slice(8)
    .replace(/"/g, "");
  return charset === undefined || charset === "utf-8" || charset === "utf8";
}

function readNodeBounded(body: Readable, limit: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const stop = () => {
      body.off("data", onData);
      body.off("end", onEnd);
      body.off("error", onError);
      body.off("close", onClose);
    };
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total <= limit) {
        chunks.push(chunk);
        return;
      }
      stop();
      drain(body);
      reject(tooLarge(limit));
    };
    const onEnd = () => {
      stop();
      resolve(Buffer.concat(chunks, total));
    };
    const onError = (err: Error) => {
      stop();
      reject(err);
    };
    const onClose = () => {
      stop();
      reject(
        new OpenavailError("bad_request", "The client closed the connection before sending the whole body."),
      );
    };
    if (body.readableEnded) return resolve(new Uint8Array(0));
    body.on("data", onData);
    body.once("end", onEnd);
    body.once("error", onError);
    body.once("close", onClose);
  });
}

/**
 * Reads and drops the rest of a refused body, up to DRAIN_BYTES or DRAIN_MS, so the 413 already on
 * its way reaches a client that is still sending; then the connection is cut.
 */
function drain(body: Readable): void {
  let dropped = 0;
  const cut = () => {
    clearTimeout(timer);
    body.destroy();
  };
  const timer = setTimeout(cut, DRAIN_MS);
  timer.unref();
  body.on("data", (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > DRAIN_BYTES) cut();
  });
  body.once("end", () => clearTimeout(timer));
  body.once("close", () => clearTimeout(timer));
  body.resume();
}

async function readWebBounded(req: Request, limit: number): Promise<Uint8Array> {
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > limit) throw tooLarge(limit);
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
    if (total > limit) await req.body.cancel().catch(() => undefined);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

function tooLarge(limit: number): OpenavailError {
  return new OpenavailError(
    "payload_too_large",
    `The request body is larger than ${formatBytes(limit)}; no Openavail request needs that much.`,
  );
}

function formatBytes(n: number): string {
  return n % (1024 * 1024) === 0 ? `${n / 1024 / 1024} MiB` : `${n} bytes`;
}
