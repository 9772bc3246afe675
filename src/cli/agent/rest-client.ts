// The agent commands' one way to the server: REST with the agent's key, retried on 429 and 503 with
// backoff that honours Retry-After. A write carries one idempotency key for the whole invocation, so
// a retry after a lost answer replays the first decision instead of making a second booking.
import { readFileSync, statSync } from "node:fs";
import { UsageError } from "../commands/admin-env.js";

export const DEFAULT_SERVER = "http://127.0.0.1:7420";
const RETRY_STATUSES = new Set([429, 503]);
const REQUEST_TIMEOUT_MS = 30_000;
const MAX_BACKOFF_MS = 8_000;
/** A Retry-After longer than this is not waited out: the command says when to try again instead. */
const MAX_RETRY_AFTER_MS = 60_000;

export interface Connection {
  readonly server: string;
  readonly key: string;
}

export interface RestRequest {
  readonly method: string;
  /** The path with its `{name}` segments filled, e.g. `/v1/holds/hld_1`. */
  readonly path: string;
  readonly query?: URLSearchParams;
  readonly body?: unknown;
  readonly idempotencyKey?: string;
}

export interface RestResponse {
  readonly status: number;
  /** The body exactly as the server sent it ("" for a 204). */
  readonly text: string;
  readonly retryAfter: string | null;
}

export interface RetryPolicy {
  readonly retries: number;
  /** Where progress lines go ("retrying in 2 s"), stderr in the real command. */
  readonly progress: (line: string) => void;
  readonly sleep: (ms: number) => Promise<void>;
}

/**
 * The server and key an agent command uses. The key comes from OPENAVAIL_API_KEY or a file, never
 * from an argument: arguments show in `ps` and in shell history.
 */
export function connectionFrom(
  options: { server?: string; keyFile?: string },
  env: Readonly<Record<string, string | undefined>>,
): Connection {
  const server = (options.server ?? env.OPENAVAIL_SERVER ?? DEFAULT_SERVER).replace(/\/+$/, "");
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new UsageError(`--server "${server}" is not a URL: write it like ${DEFAULT_SERVER}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new UsageError(`--server must be an http:// or https:// URL, not ${url.protocol}`);
  const key = options.keyFile !== undefined ? keyFromFile(options.keyFile) : env.OPENAVAIL_API_KEY?.trim();
  if (!key)
    throw new UsageError(
      "no API key: set OPENAVAIL_API_KEY=ak_... or pass --key-file PATH (a file holding the key)",
    );
  return { server, key };
}

function keyFromFile(path: string): string {
  // A key pasted where its file's path belongs must not be printed back in the error.
  if (/\b(ak|adm)_[A-Za-z0-9_-]{20,}/.test(path))
    throw new UsageError("--key-file takes the path of a file holding the key, not the key itself");
  let text: string;
  try {
    if (statSync(path).size > 4096) throw new UsageError(`--key-file ${path} is not a key file (over 4 KB)`);
    text = readFileSync(path, "utf8");
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(
      `--key-file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  const key = text.trim();
  if (!key) throw new UsageError(`--key-file ${path} is empty: put the agent's key (ak_...) in it`);
  return key;
}

/** Sends one request, retrying 429 and 503 answers up to `policy.retries` times. */
export async function send(conn: Connection, req: RestRequest, policy: RetryPolicy): Promise<RestResponse> {
  for (let attempt = 0; ; attempt++) {
    const res = await sendOnce(conn, req);
    if (!RETRY_STATUSES.has(res.status) || attempt >= policy.retries) return res;
    const wait = retryDelay(res.retryAfter, attempt);
    if (wait > MAX_RETRY_AFTER_MS) return res;
    policy.progress(
      `openavail: ${res.status === 429 ? "rate limited (429)" : "server busy (503)"}; ` +
        `retrying in ${(wait / 1000).toFixed(1)} s (retry ${attempt + 1} of ${policy.retries})`,
    );
    await policy.sleep(wait);
  }
}

async function sendOnce(conn: Connection, req: RestRequest): Promise<RestResponse> {
  const url = new URL(conn.server + req.path);
  if (req.query) url.search = req.query.toString();
  const headers: Record<string, string> = {
    authorization: `Bearer ${conn.key}`,
    accept: "application/json",
  };
  if (req.body !== undefined) headers["content-type"] = "application/json";
  if (req.idempotencyKey !== undefined) headers["idempotency-key"] = req.idempotencyKey;
  let res: Response;
  try {
    res = await fetch(url, {
      method: req.method,
      headers,
      ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (err) {
    throw new Error(unreachable(url.origin, err));
  }
  return { status: res.status, text: await res.text(), retryAfter: res.headers.get("retry-after") };
}

/** Retry-After in seconds or as an HTTP date; else exponential backoff (0.5 s, 1 s, 2 s...) with jitter. */
export function retryDelay(retryAfter: string | null, attempt: number, now = Date.now()): number {
  if (retryAfter !== null) {
    const text = retryAfter.trim();
    if (/^\d+$/.test(text)) return Number(text) * 1000;
    const at = Date.parse(text);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  const base = Math.min(MAX_BACKOFF_MS, 500 * 2 ** attempt);
  return Math.round(base / 2 + Math.random() * (base / 2));
}

function unreachable(server: string, err: unknown): string {
  const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
  if (cause === "ECONNREFUSED")
    return `cannot reach ${server}: nothing is listening there. Start it with \`npm start\` (or \`openavail serve\`), or pass --server URL.`;
  if (cause === "TimeoutError") return `${server} did not answer within ${REQUEST_TIMEOUT_MS / 1000} s.`;
  const why = (err as { cause?: Error }).cause?.message ?? (err as Error).message;
  return `cannot reach ${server}: ${why}.`;
}
