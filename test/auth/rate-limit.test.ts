// Rate limit (DESIGN.md section 6): per API key, default 120 requests per minute, enforced by
// App.authenticate with the injected clock; over the limit is `rate_limited` (429) with retry_after.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { configFromEnv } from "../../src/compose.js";
import { createAgent } from "../../src/service/admin.js";
import { createKey } from "../../src/service/agents-admin.js";
import { OpenavailError } from "../../src/service/errors.js";
import { RateLimiter, rateLimitHeaders } from "../../src/service/rate-limiter.js";
import { makeWorld, type World } from "../helpers/world.js";

let w: World;
let keys: string[];
beforeEach(async () => {
  w = await makeWorld("2026-03-02T12:00:00Z", ":memory:");
  // Agents made directly, not with addAgent, which authenticates once and so would use up a request.
  const agent = await createAgent(
    w.app.ledger.db,
    { name: "loop", scopes: ["read_freebusy"], owners: ["*"] },
    w.clock.now,
  );
  keys = [
    (await createKey(w.app.ledger.db, agent.id, {}, w.clock.now)).key,
    (await createKey(w.app.ledger.db, agent.id, {}, w.clock.now)).key,
  ];
});
afterEach(async () => w.close());

async function refusal(p: Promise<unknown>): Promise<OpenavailError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OpenavailError);
  return err as OpenavailError;
}

describe("App.authenticate with the default 120 requests per minute", () => {
  it("defaults to 120 from the environment", () => {
    expect(configFromEnv({}).rateLimitPerMinute).toBe(120);
    expect(configFromEnv({ OPENAVAIL_RATE_LIMIT: "0" }).rateLimitPerMinute).toBe(0);
  });

  it("allows the 120th request, refuses the 121st with 429 and retry_after, and resets after the window", async () => {
    const [key] = keys as [string];
    const t0 = w.clock.now;
    for (let i = 1; i <= 120; i++) {
      const caller = await w.app.authenticate(key);
      expect(caller.rateLimit).toEqual({ limit: 120, remaining: 120 - i, resetSeconds: 60 });
    }
    const err = await refusal(w.app.authenticate(key));
    expect(err.type).toBe("rate_limited");
    expect(err.status).toBe(429);
    expect(err.retryAfter).toBe(60);
    expect(err.toJSON()).toMatchObject({ error: "rate_limited", retry_after: 60 });

    // A refused request is not counted, and a second before the window ends it is still full.
    w.clock.now = t0 + 59_000;
    expect((await refusal(w.app.authenticate(key))).retryAfter).toBe(1);
    w.clock.now = t0 + 59_999;
    expect((await refusal(w.app.authenticate(key))).retryAfter).toBe(1);

    // The window reset: a full quota again.
    w.clock.now = t0 + 60_000;
    expect((await w.app.authenticate(key)).rateLimit).toEqual({
      limit: 120,
      remaining: 119,
      resetSeconds: 60,
    });
  });

  it("is a sliding window: requests leave it one by one, 60 s after they were made", async () => {
    const [key] = keys as [string];
    const t0 = w.clock.now;
    for (let i = 0; i < 60; i++) await w.app.authenticate(key);
    w.clock.now = t0 + 30_000;
    for (let i = 0; i < 60; i++) await w.app.authenticate(key);
    // Across the minute boundary a fixed window would allow 240 in 60 s; this allows none more.
    w.clock.now = t0 + 45_000;
    expect((await refusal(w.app.authenticate(key))).retryAfter).toBe(15);
    w.clock.now = t0 + 60_000;
    const caller = await w.app.authenticate(key);
    expect(caller.rateLimit).toEqual({ limit: 120, remaining: 59, resetSeconds: 30 });
  });

  it("counts each key on its own", async () => {
    const [a, b] = keys as [string, string];
    for (let i = 0; i < 120; i++) await w.app.authenticate(a);
    expect((await refusal(w.app.authenticate(a))).type).toBe("rate_limited");
    expect((await w.app.authenticate(b)).rateLimit?.remaining).toBe(119);
  });

  it("does not count requests with a key that fails authentication", async () => {
    // Another last character, whatever the real one is (a fixed "x" is the real one 1 time in 64).
    const bogus = `${keys[0]!.slice(0, -1)}${keys[0]!.endsWith("x") ? "y" : "x"}`;
    for (let i = 0; i < 200; i++)
      expect((await refusal(w.app.authenticate(bogus))).type).toBe("unauthorized");
    expect((await w.app.authenticate(keys[0]!)).rateLimit?.remaining).toBe(119);
  });
});

describe("RateLimiter", () => {
  it("is off at 0: no state, no limit", () => {
    const limiter = new RateLimiter({ limit: 0, now: () => 0 });
    for (let i = 0; i < 1000; i++) expect(limiter.hit("k")).toBeNull();
    expect(limiter.enabled).toBe(false);
  });

  it("honours a configured limit and window", () => {
    let now = 1_000_000;
    const limiter = new RateLimiter({ limit: 3, windowMs: 10_000, now: () => now });
    expect(limiter.hit("k")).toEqual({ limit: 3, remaining: 2, resetSeconds: 10 });
    now += 4_000;
    limiter.hit("k");
    expect(limiter.hit("k")).toEqual({ limit: 3, remaining: 0, resetSeconds: 6 });
    let err: unknown;
    try {
      limiter.hit("k");
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ type: "rate_limited", retryAfter: 6 });
    now += 6_000;
    // The first request left the window; the two made at +4 s leave it 4 s from now.
    expect(limiter.hit("k")).toEqual({ limit: 3, remaining: 0, resetSeconds: 4 });
  });

  it("refuses a negative or fractional limit", () => {
    expect(() => new RateLimiter({ limit: -1, now: () => 0 })).toThrow(RangeError);
    expect(() => new RateLimiter({ limit: 1.5, now: () => 0 })).toThrow(RangeError);
  });

  it("forgets idle keys so memory follows the keys in use", () => {
    let now = 0;
    const limiter = new RateLimiter({ limit: 5, windowMs: 1_000, now: () => now });
    for (let i = 0; i < 999; i++) limiter.hit(`k${i}`);
    now = 10_000;
    limiter.hit("fresh"); // the 1000th hit sweeps
    expect(limiter.hit("k0")?.remaining).toBe(4);
  });

  it("formats RateLimit-Policy and RateLimit headers (draft-ietf-httpapi-ratelimit-headers)", () => {
    expect(rateLimitHeaders({ limit: 120, remaining: 7, resetSeconds: 42 })).toEqual({
      "RateLimit-Policy": '"per-key";q=120;w=60',
      RateLimit: '"per-key";r=7;t=42',
    });
  });
});

describe("RateLimiter counting several requests at once, and checking without counting (issue 14)", () => {
  it("admits a message of n requests only when all n fit, and counts none of a refused one", () => {
    const clock = { now: 0 };
    const limiter = new RateLimiter({ limit: 10, now: () => clock.now });
    expect(limiter.hit("k", 8)?.remaining).toBe(2);
    clock.now = 20_000;
    const refused = (() => {
      try {
        limiter.hit("k", 3);
      } catch (err) {
        return err as OpenavailError;
      }
    })();
    expect(refused).toMatchObject({ type: "rate_limited", retryAfter: 40 });
    expect(refused?.message).toContain("3 requests");
    expect(limiter.hit("k", 2)?.remaining).toBe(0);
    // Larger than the whole limit: never fits, and is told to wait one window.
    expect(() => limiter.hit("other", 11)).toThrow(/11 requests/);
  });

  it("check() refuses at the limit without counting, and lets through once the window moves", () => {
    const clock = { now: 0 };
    const limiter = new RateLimiter({ limit: 3, now: () => clock.now, label: "failures from this address" });
    limiter.check("a");
    limiter.hit("a");
    limiter.hit("a");
    limiter.check("a");
    limiter.check("a");
    limiter.hit("a");
    expect(() => limiter.check("a")).toThrow(/failures from this address; retry in 60 s/);
    clock.now = 60_001;
    limiter.check("a");
  });

  it("reads the failed-authentication limit from OPENAVAIL_AUTH_FAILURE_LIMIT (default 30, 0 off)", () => {
    expect(configFromEnv({}).authFailuresPerMinute).toBe(30);
    expect(configFromEnv({ OPENAVAIL_AUTH_FAILURE_LIMIT: "0" }).authFailuresPerMinute).toBe(0);
  });
});
