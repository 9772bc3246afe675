// Responses of the REST transport: JSON bodies as the service produced them, the error object of
// DESIGN.md section 6 with its status, and the rate-limit and authentication headers that go with them.
import type { App } from "../../compose.js";
import type { Caller } from "../../service/caller.js";
import { OpenavailError, toErrorBody } from "../../service/errors.js";
import { type RateLimitState, rateLimitHeaders } from "../../service/rate-limiter.js";

const JSON_TYPE = "application/json";

/** A JSON response from text already serialized (replays must return the stored bytes unchanged). */
export function jsonText(text: string, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(text, {
    status,
    headers: { "content-type": JSON_TYPE, "cache-control": "no-store", ...headers },
  });
}

export function jsonBody(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return jsonText(JSON.stringify(body), status, headers);
}

/** The caller's rate-limit state, when the limiter attached one (it is absent when limiting is off). */
export function rateLimitOf(caller: Caller): RateLimitState | undefined {
  const state: unknown = caller.rateLimit;
  if (typeof state !== "object" || state === null) return undefined;
  const { limit, remaining, resetSeconds } = state as Record<string, unknown>;
  return typeof limit === "number" && typeof remaining === "number" && typeof resetSeconds === "number"
    ? { limit, remaining, resetSeconds }
    : undefined;
}

/** `RateLimit-Policy` and `RateLimit` for a caller, or nothing when no limiter is on. */
export function callerHeaders(caller: Caller): Record<string, string> {
  const state = rateLimitOf(caller);
  return state ? rateLimitHeaders(state) : {};
}

/**
 * Any thrown value as the error object and status. `internal` never carries a stack or a cause: the
 * error is logged here, and the caller sees one sentence. 429 adds `Retry-After` and the RateLimit
 * headers; 401 adds `WWW-Authenticate`.
 */
export function errorResponse(err: unknown, app: App, headers: Record<string, string> = {}): Response {
  const error = toErrorBody(err);
  if (error.type === "internal") app.logger.error({ err }, "request failed");
  const extra: Record<string, string> = { ...headers };
  if (error.type === "unauthorized") extra["www-authenticate"] = 'Bearer realm="openavail"';
  // RFC 6750: which scopes would do, so an OAuth client can ask the owner for them.
  if (err instanceof OpenavailError && err.scopeChallenge) {
    extra["www-authenticate"] =
      `Bearer realm="openavail", error="insufficient_scope", scope="${err.scopeChallenge.join(" ")}"`;
  }
  // The rest of an oversized body may still be in flight: a fresh connection is the safe next step.
  if (error.type === "payload_too_large") extra["connection"] = "close";
  if (error.type === "rate_limited" && error.retryAfter !== undefined) {
    extra["retry-after"] = String(error.retryAfter);
    // The headers of the limit that refused, if a limiter did: a bound on open streams, or on
    // failed sign-ins from an address, says nothing of the per-key budget.
    const refusing = err instanceof OpenavailError ? err.rateLimit : undefined;
    if (refusing) {
      Object.assign(
        extra,
        rateLimitHeaders(
          { limit: refusing.limit, remaining: 0, resetSeconds: error.retryAfter },
          refusing.windowMs,
          refusing.policy,
        ),
      );
    }
  }
  return jsonBody(error.toJSON(), error.status, extra);
}
