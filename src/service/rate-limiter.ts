// Per-API-key rate limiting: a sliding log of request instants, at most `limit` in any window.
//
// The state lives in memory, per process. On SQLite every `openavail serve` and every `openavail mcp`
// process counts on its own, so N processes sharing one key allow up to N x limit; that is acceptable
// for its purpose (stopping a runaway agent loop), and keeps the limiter off the database's write
// lock. On PostgreSQL, where instances are the way to scale, `peers` adds the other instances'
// counts (shared-rate-counts.ts), so the limit holds for all of them together.
import { hashApiKey } from "./api-keys.js";
import type { Caller } from "./caller.js";
import { OpenavailError } from "./errors.js";

/** What a transport reports to the caller (RateLimit headers, `retry_after`). */
export interface RateLimitState {
  /** Requests allowed per window. */
  readonly limit: number;
  /** Requests still allowed in the current window, after this one. */
  readonly remaining: number;
  /** Whole seconds (at least 1) until the oldest counted request leaves the window and frees a slot. */
  readonly resetSeconds: number;
}

/** Requests other processes counted, for a limit they share with this one. */
export interface PeerCounts {
  /** Requests for `keyId` the others counted in the window, as last heard. */
  countFor(keyId: string): number;
  /** Tells the others of `count` requests for `keyId` counted here. */
  record(keyId: string, count: number): void;
}

export interface RateLimiterOptions {
  /** Requests per window; 0 turns the limiter off. */
  readonly limit: number;
  /** Window length in ms (default one minute). */
  readonly windowMs?: number;
  /** The clock, epoch ms; tests inject their own. */
  readonly now: () => number;
  /** Who is limited, for the refusal message (default "this API key"). */
  readonly label?: string;
  /** Other processes' counts for the same keys, when the limit is shared with them. */
  readonly peers?: PeerCounts;
  /** The policy's name in RateLimit headers (default "per-key"). */
  readonly policy?: string;
  /** A raw API key's hash, the id its budget is kept under (default hashApiKey; a cache may know it). */
  readonly hashKey?: (raw: string) => string;
}

const MINUTE_MS = 60_000;
/** Forget idle keys every this many hits, so memory follows the keys in use, not every key ever seen. */
const SWEEP_EVERY = 1_000;

export class RateLimiter {
  readonly limit: number;
  readonly windowMs: number;
  readonly #now: () => number;
  readonly #label: string;
  readonly #peers: PeerCounts | undefined;
  readonly #policy: string;
  readonly #hashKey: (raw: string) => string;
  /** Request instants per key id, oldest first; never longer than `limit`. */
  readonly #log = new Map<string, number[]>();
  #hits = 0;

  constructor(options: RateLimiterOptions) {
    if (!Number.isInteger(options.limit) || options.limit < 0)
      throw new RangeError(`rate limit must be a whole number >= 0, got ${options.limit}`);
    this.limit = options.limit;
    this.windowMs = options.windowMs ?? MINUTE_MS;
    this.#now = options.now;
    this.#label = options.label ?? "this API key";
    this.#peers = options.peers;
    this.#policy = options.policy ?? "per-key";
    this.#hashKey = options.hashKey ?? hashApiKey;
  }

  get enabled(): boolean {
    return this.limit > 0;
  }

  /**
   * Counts `count` requests for `keyId` (any stable id of the API key, never the raw key) and returns
   * the state after them, or null when the limiter is off. When they do not all fit it throws
   * `rate_limited` with `retryAfter` in whole seconds, and none of them is counted.
   */
  hit(keyId: string, count = 1): RateLimitState | null {
    if (!this.enabled) return null;
    const now = this.#now();
    if (++this.#hits % SWEEP_EVERY === 0) this.#sweep(now);
    let live = this.#log.get(keyId);
    if (!live) {
      live = [];
      this.#log.set(keyId, live);
    }
    // Oldest first, so what left the window is a prefix: trimmed in place, not copied every request
    // (a copy of the whole log each time costs in proportion to the limit).
    let expired = 0;
    while (expired < live.length && live[expired]! <= now - this.windowMs) expired++;
    if (expired > 0) live.splice(0, expired);
    const others = this.#peers?.countFor(keyId) ?? 0;
    if (others + live.length + count > this.limit) {
      // The oldest entries that must leave the window first; a message larger than the whole limit
      // never fits, and is told to wait one window.
      const freeing =
        live[Math.max(0, Math.min(live.length - 1, others + live.length + count - this.limit - 1))];
      const retryAfter = secondsUntil((freeing ?? now) + this.windowMs, now);
      throw this.#refusal(retryAfter, count);
    }
    // Never before the newest entry, so the log stays in order (and its prefix trim right) when the
    // wall clock steps back: such requests count as made a little later, which errs strict.
    const at = Math.max(now, live[live.length - 1] ?? now);
    for (let i = 0; i < count; i++) live.push(at);
    this.#peers?.record(keyId, count);
    return {
      limit: this.limit,
      remaining: Math.max(0, this.limit - others - live.length),
      resetSeconds: secondsUntil(live[0]! + this.windowMs, now),
    };
  }

  /** Throws `rate_limited` when `keyId` has no request left in the window; counts nothing. */
  check(keyId: string): void {
    if (!this.enabled) return;
    const now = this.#now();
    const log = this.#log.get(keyId);
    const allowed = this.limit - (this.#peers?.countFor(keyId) ?? 0);
    if (!log || log.length < allowed) return;
    const oldest = log[log.length - Math.max(1, allowed)]!;
    if (oldest <= now - this.windowMs) return;
    const retryAfter = secondsUntil(oldest + this.windowMs, now);
    throw this.#refusal(retryAfter, 1);
  }

  /**
   * Counts `count` requests for an authenticated caller and returns the caller with its `rateLimit`.
   * An API key has its own budget; an OAuth client's tokens share one (they rotate every 15 minutes,
   * and a client may hold several at once), kept under its connection.
   */
  admit(caller: Caller, rawKey: string, count = 1): Caller {
    if (!this.enabled) return caller;
    const state = this.hit(caller.oauth ? `${caller.keyPrefix}` : this.#hashKey(rawKey), count);
    return state ? { ...caller, rateLimit: state } : caller;
  }

  #refusal(retryAfter: number, count: number): OpenavailError {
    const limit = `rate limit of ${this.limit} requests per ${this.windowMs / 1000} s`;
    const message =
      count > 1
        ? `A message of ${count} requests does not fit in the ${limit} for ${this.#label}; retry in ${retryAfter} s, or send fewer at once.`
        : `Rate limit of ${this.limit} requests per ${this.windowMs / 1000} s reached for ${this.#label}; retry in ${retryAfter} s.`;
    return new OpenavailError("rate_limited", message, {
      retryAfter,
      rateLimit: { policy: this.#policy, limit: this.limit, windowMs: this.windowMs },
    });
  }

  #sweep(now: number): void {
    for (const [key, log] of this.#log) {
      const last = log[log.length - 1];
      if (last === undefined || last <= now - this.windowMs) this.#log.delete(key);
    }
  }
}

/** At least 1: a client told "retry in 0 s" would retry at once and be refused again. */
function secondsUntil(at: number, now: number): number {
  return Math.max(1, Math.ceil((at - now) / 1000));
}

/**
 * Response headers per draft-ietf-httpapi-ratelimit-headers (structured-field form):
 * `RateLimit-Policy: "per-key";q=120;w=60` and `RateLimit: "per-key";r=119;t=60`.
 */
export function rateLimitHeaders(
  state: RateLimitState,
  windowMs = MINUTE_MS,
  policy = "per-key",
): Record<string, string> {
  return {
    "RateLimit-Policy": `"${policy}";q=${state.limit};w=${Math.round(windowMs / 1000)}`,
    RateLimit: `"${policy}";r=${state.remaining};t=${state.resetSeconds}`,
  };
}
