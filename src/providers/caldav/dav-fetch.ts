// The fetch every CalDAV request goes through (tsdav takes it as `fetch`): Basic credentials, a
// timeout, and the failures no caller can act on differently turned into the one ProviderError
// here, where the response headers (Retry-After) are still at hand. Statuses a caller must read
// itself (404, 403, 409, 412) pass through.
import { ProviderError } from "../calendar-provider.js";
import { parseRetryAfter } from "../retry-after.js";

export interface DavCredentials {
  readonly username: string;
  /** The app password (decrypted). */
  readonly password: string;
}

/** `Authorization` for HTTP Basic (RFC 7617), UTF-8. */
export function basicAuthorization(credentials: DavCredentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, "utf8").toString("base64")}`;
}

function transportFailure(err: unknown, what: string): ProviderError {
  const name = err instanceof Error ? err.name : "";
  const code = (err as { cause?: { code?: unknown } } | null)?.cause?.code;
  const why =
    name === "TimeoutError" || name === "AbortError"
      ? "timed out"
      : typeof code === "string"
        ? code
        : "no response";
  return new ProviderError("unavailable", `${what}: ${why}`);
}

/**
 * A fetch for tsdav: adds the credentials and a per-request timeout; throws ProviderError for a
 * refused login (401: the app password was revoked or changed), rate limiting (429), the server
 * being unavailable (408, 5xx, no answer), with Retry-After when the server sent one.
 */
export function davFetch(
  credentials: DavCredentials,
  options: { timeoutMs: number; now: () => number; fetch?: typeof fetch },
): typeof fetch {
  const authorization = basicAuthorization(credentials);
  const base = options.fetch ?? fetch;
  return async (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set("authorization", authorization);
    const method = init?.method ?? "GET";
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const what = `CalDAV ${method} ${new URL(url).pathname}`;
    let response: Response;
    try {
      response = await base(input, {
        ...init,
        headers,
        redirect: "follow",
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (err) {
      throw transportFailure(err, what);
    }
    const { status } = response;
    if (status === 401) {
      await response.body?.cancel();
      throw new ProviderError(
        "auth_revoked",
        `${what}: HTTP 401, the server refused the username and app password`,
        { status },
      );
    }
    if (status === 429 || status === 408 || status >= 500) {
      const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"), options.now());
      await response.body?.cancel();
      throw new ProviderError(status === 429 ? "rate_limited" : "unavailable", `${what}: HTTP ${status}`, {
        status,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      });
    }
    return response;
  };
}
