// Every per-address limit (failed authentications, console sign-ins, OAuth client registrations) goes
// by the address a request comes from. Behind a TLS proxy on the same machine (OPENAVAIL_TRUST_PROXY,
// the peer on loopback) that is the address the proxy appended to X-Forwarded-For, so one client
// cannot spend the budget of everyone behind the proxy; anywhere else the header is the client's own
// word and is ignored. IPv6 counts per /64. Refusals carry the RateLimit headers of the limit that
// refused, not the key's.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { App } from "../../src/compose.js";
import { limitKey } from "../../src/transports/http/request-guards.js";
import type { RunningServer } from "../../src/transports/http/server.js";
import { serveApp, serverAppOf } from "../helpers/served-world.js";
import { makeWorld, type World } from "../helpers/world.js";

let w: World;
let app: App;
let server: RunningServer;

beforeEach(async () => {
  w = await makeWorld("2026-12-07T09:00:00Z");
});
afterEach(async () => {
  await server.close();
  await app.close();
  await w.close();
});

async function serve(overrides: {
  trustProxy?: boolean;
  publicUrl?: string;
  authFailuresPerMinute?: number;
}): Promise<void> {
  app = await serverAppOf(w, { authFailuresPerMinute: 3, ...overrides });
  server = await serveApp(app);
}

const BAD_KEY = `ak_${"A".repeat(49)}`;

function me(key: string, forwardedFor?: string): Promise<Response> {
  return fetch(`${server.url}/v1/me`, {
    headers: {
      authorization: `Bearer ${key}`,
      ...(forwardedFor ? { "x-forwarded-for": forwardedFor } : {}),
    },
  });
}

async function statuses(count: number, send: () => Promise<Response>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const res = await send();
    await res.body?.cancel();
    out.push(res.status);
  }
  return out;
}

describe("behind a TLS proxy on this machine (OPENAVAIL_TRUST_PROXY)", () => {
  it("limits failed authentications per forwarded client, not for everyone behind the proxy", async () => {
    await serve({ trustProxy: true, publicUrl: "https://openavail.example" });
    const good = await w.addAgent({ name: "good" });
    expect(await statuses(3, () => me(BAD_KEY, "203.0.113.5"))).toEqual([401, 401, 401]);
    const refused = await me(BAD_KEY, "203.0.113.5");
    expect(refused.status).toBe(429);
    expect(refused.headers.get("ratelimit-policy")).toBe('"failed-authentications-per-address";q=3;w=60');
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    // Another client behind the same proxy is untouched.
    expect((await me(good.key, "198.51.100.7")).status).toBe(200);
    // Only the proxy's own (last) entry counts: what the client put before it does not get it out.
    expect((await me(good.key, "198.51.100.7, 203.0.113.5")).status).toBe(429);
    expect((await me(good.key, "203.0.113.5, 198.51.100.7")).status).toBe(200);
    // No header, or one that is not an address: the proxy's own address.
    expect((await me(good.key, "not-an-address")).status).toBe(200);
  });

  it("counts an IPv6 client per /64, and reads the forms proxies write", async () => {
    await serve({ trustProxy: true });
    const good = await w.addAgent({ name: "good" });
    for (const from of ["2001:db8:1:2::a", "[2001:db8:1:2::b]:443", "2001:db8:1:2:ffff::c"])
      expect((await me(BAD_KEY, from)).status).toBe(401);
    expect((await me(good.key, "2001:db8:1:2::d")).status).toBe(429);
    expect((await me(good.key, "2001:db8:1:3::d")).status).toBe(200);
    expect(limitKey("::ffff:203.0.113.5")).toBe("203.0.113.5");
    expect(limitKey("203.0.113.5:51234")).toBe("203.0.113.5");
    expect(limitKey("2001:db8::1.2.3.4")).toBe("2001:db8:0:0::/64");
    expect(limitKey("unknown")).toBeUndefined();
  });

  it("limits dynamic client registrations to 60 an hour per forwarded client", async () => {
    await serve({ trustProxy: true, publicUrl: "https://openavail.example" });
    const register = (forwardedFor: string) =>
      fetch(`${server.url}/oauth/register`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": forwardedFor },
        body: JSON.stringify({
          redirect_uris: ["http://127.0.0.1:9/callback"],
          token_endpoint_auth_method: "none",
        }),
      });
    expect(new Set(await statuses(60, () => register("203.0.113.5")))).toEqual(new Set([201]));
    const refused = await register("203.0.113.5");
    expect(refused.status).toBe(429);
    expect(refused.headers.get("ratelimit-policy")).toBe('"registrations-per-address";q=60;w=3600');
    const body = (await refused.json()) as { error: string; message: string };
    expect(body.error).toBe("rate_limited");
    expect(body.message).toContain("client registrations from this address");
    expect((await register("198.51.100.7")).status).toBe(201);
    // The hour passes on the server's clock, and the address may register again.
    w.clock.now += 3_600_001;
    expect((await register("203.0.113.5")).status).toBe(201);
  });

  it("limits console sign-in attempts per forwarded client", async () => {
    await serve({ trustProxy: true, publicUrl: "https://openavail.example", authFailuresPerMinute: 0 });
    const signIn = (forwardedFor: string) =>
      fetch(`${server.url}/console/session`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": forwardedFor },
        body: JSON.stringify({ admin_token: `adm_${"x".repeat(43)}` }),
      });
    expect(new Set(await statuses(10, () => signIn("203.0.113.5")))).toEqual(new Set([401]));
    const refused = await signIn("203.0.113.5");
    expect(refused.status).toBe(429);
    expect(refused.headers.get("ratelimit-policy")).toBe('"sign-ins-per-address";q=10;w=60');
    expect((await signIn("198.51.100.7")).status).toBe(401);
  });
});

describe("without OPENAVAIL_TRUST_PROXY", () => {
  it("ignores X-Forwarded-For, public URL or not: a client cannot name itself a new address", async () => {
    await serve({ publicUrl: "https://openavail.example" });
    const good = await w.addAgent({ name: "good" });
    expect(await statuses(3, () => me(BAD_KEY, "203.0.113.5"))).toEqual([401, 401, 401]);
    expect((await me(good.key, "198.51.100.7")).status).toBe(429);
  });
});
