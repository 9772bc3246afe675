// Classifies what googleapis / google-auth-library throw (GaxiosError and the fetch errors inside it)
// into the one ProviderError. Read structurally: two gaxios copies live in node_modules, so
// `instanceof` against either one would miss errors from the other. The GaxiosError is deliberately
// not kept as `cause`: its config holds the request body, which for the token endpoint is the
// refresh token, and gaxios's redactor does not remove it. Secrets must never reach a log line.
import { ProviderError } from "../calendar-provider.js";
import { parseRetryAfter } from "../retry-after.js";

export { parseRetryAfter };

const RATE_LIMIT_REASONS = new Set([
  "rateLimitExceeded",
  "userRateLimitExceeded",
  "quotaExceeded",
  "dailyLimitExceeded",
]);

// Failures with no response: the request may never have reached Google, so it is safe to retry.
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "ESOCKETTIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
]);
const TIMEOUT_NAMES = new Set(["AbortError", "TimeoutError"]);

interface ResponseLike {
  status?: unknown;
  data?: unknown;
  headers?: unknown;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function responseOf(err: unknown): ResponseLike | undefined {
  if (!isObject(err) || !isObject(err["response"])) return undefined;
  return err["response"] as ResponseLike;
}

/** The HTTP status of a googleapis error, or undefined when there was no response. */
export function httpStatusOf(err: unknown): number | undefined {
  const status = responseOf(err)?.status;
  return typeof status === "number" ? status : undefined;
}

/** Every `reason` in a Google error body, old style (`error.errors[]`) and AIP-193 (`error.details[]`). */
export function errorReasonsOf(err: unknown): string[] {
  const data = responseOf(err)?.data;
  if (!isObject(data) || !isObject(data["error"])) return [];
  const body = data["error"];
  const reasons: string[] = [];
  for (const list of [body["errors"], body["details"]]) {
    if (!Array.isArray(list)) continue;
    for (const item of list) {
      if (isObject(item) && typeof item["reason"] === "string") reasons.push(item["reason"]);
    }
  }
  return reasons;
}

/** The OAuth token endpoint's `{"error": "invalid_grant"}` (revoked or expired refresh token). */
function isInvalidGrant(err: unknown): boolean {
  const data = responseOf(err)?.data;
  if (isObject(data) && data["error"] === "invalid_grant") return true;
  return err instanceof Error && err.message === "invalid_grant";
}

function header(headers: unknown, name: string): string | undefined {
  // gaxios hands back node-fetch's Headers, which is not the global Headers class.
  if (isObject(headers) && typeof headers["get"] === "function") {
    const value: unknown = (headers as { get(n: string): unknown }).get(name);
    return typeof value === "string" ? value : undefined;
  }
  if (isObject(headers)) {
    for (const [key, value] of Object.entries(headers)) {
      if (key.toLowerCase() === name && typeof value === "string") return value;
    }
  }
  return undefined;
}

function networkCause(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && isObject(current); depth++) {
    const code = current["code"];
    if (typeof code === "string" && (NETWORK_CODES.has(code) || TIMEOUT_NAMES.has(code))) return code;
    const name = current["name"];
    if (typeof name === "string" && TIMEOUT_NAMES.has(name)) return name;
    // GaxiosError keeps the underlying error in `error` as well as `cause`.
    current = current["error"] ?? current["cause"];
  }
  return undefined;
}

/**
 * Maps an error from a googleapis call to a ProviderError (returned unchanged if it already is one).
 * `what` names the operation for the message. Errors that are neither HTTP nor transport failures
 * are bugs and are rethrown as they are.
 */
export function toProviderError(err: unknown, what: string, now: number = Date.now()): ProviderError {
  if (err instanceof ProviderError) return err;
  const status = httpStatusOf(err);
  if (isInvalidGrant(err)) {
    return new ProviderError(
      "auth_revoked",
      `${what}: Google refused the grant (a revoked or expired refresh token, or a withdrawn service-account delegation)`,
      {
        ...(status === undefined ? {} : { status }),
      },
    );
  }
  if (status === undefined) {
    const code = networkCause(err);
    // A GaxiosError (it carries the request `config`) without a response is a transport failure.
    if (code === undefined && !(isObject(err) && isObject(err["config"]))) throw err;
    const why = code === undefined ? "no response" : TIMEOUT_NAMES.has(code) ? "timed out" : code;
    return new ProviderError("unavailable", `${what}: ${why}`);
  }
  const reasons = errorReasonsOf(err);
  const detail = err instanceof Error && err.message !== "" ? `: ${err.message}` : "";
  const message = `${what}: HTTP ${status}${reasons.length > 0 ? ` (${reasons.join(", ")})` : ""}${detail}`;
  if (status === 429 || (status === 403 && reasons.some((r) => RATE_LIMIT_REASONS.has(r)))) {
    const retryAfterMs = parseRetryAfter(header(responseOf(err)?.headers, "retry-after"), now);
    return new ProviderError("rate_limited", message, {
      status,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }
  if (status === 401) return new ProviderError("auth_revoked", message, { status });
  if (status === 404 || status === 410) return new ProviderError("not_found", message, { status });
  if (status === 408 || status >= 500) return new ProviderError("unavailable", message, { status });
  return new ProviderError("invalid", message, { status });
}
