// Remote MCP clients signing in with OAuth, as Claude or ChatGPT would: the SDK's own client-side
// OAuth support against a started server finds the authorization server from the 401, registers
// (Dynamic Client Registration, or a Client ID Metadata Document on a loopback https URL allowed in
// tests only), is sent to the console's consent, which is approved over HTTP as the page does, and
// gets tokens bound to this server's /mcp. Then: scopes, audiences, expiry, refresh rotation and
// revocation, on /mcp and on REST alike.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toInstant } from "../../schemas/time.js";
import { runCli } from "../../src/cli/run-cli.js";
import type { App } from "../../src/compose.js";
import { createAdminToken } from "../../src/service/admin-tokens.js";
import { oauthIdHash } from "../../src/service/oauth/oauth-store.js";
import type { RunningServer } from "../../src/transports/http/server.js";
import { Capture } from "../cli/cli-harness.js";
import { CookieBrowser, locationOf, MemoryOAuthClient, REDIRECT_URI } from "../helpers/oauth-client.js";
import { listeningUrl } from "../helpers/serve-process.js";
import { serveApp, serverAppOf } from "../helpers/served-world.js";
import { ledgerArgs, makeWorld, NINE_TO_FIVE, type World } from "../helpers/world.js";

const CEO = "ceo@example.com";
let w: World;
let app: App;
let server: RunningServer;
let adminToken: string;

beforeAll(async () => {
  w = await makeWorld(new Date().toISOString());
  await w.addOwner(CEO, "UTC", { working_hours: NINE_TO_FIVE });
  adminToken = (await createAdminToken(w.app.ledger.db, w.clock.now)).token;
  app = await serverAppOf(w);
  server = await serveApp(app);
});
afterAll(async () => {
  await server?.close();
  await w?.close();
});

async function admin(base: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${adminToken}`,
      ...(body ? { "content-type": "application/json" } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}

/**
 * Connects `client` without a token, as a remote MCP client's first sign-in does: it finds the
 * authorization server from the 401, registers, and is given the authorization URL to open.
 */
async function startSignIn(base: string, client: MemoryOAuthClient) {
  const transport = new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { authProvider: client });
  await expect(new Client({ name: "remote", version: "1.0.0" }).connect(transport)).rejects.toThrow(
    UnauthorizedError,
  );
  return transport;
}

/**
 * Signs `client` in to the server at `base` as a remote MCP client does: connecting without a token,
 * then the browser at the authorization URL, the owner's answer on the consent (as the console page
 * sends it), back to the client's redirect URI with a code, and the code exchanged for tokens.
 */
async function signIn(base: string, client: MemoryOAuthClient, decision: Record<string, unknown>) {
  const transport = await startSignIn(base, client);
  const browser = new CookieBrowser();
  const authorize = client.authorizationUrl!;
  const toConsent = await browser.get(authorize);
  expect(toConsent.status).toBe(303);
  const consent = locationOf(toConsent, authorize);
  expect(consent.pathname).toBe("/");
  const uid = decodeURIComponent(consent.hash.replace(/^#\/oauth\//, ""));
  const request = await admin(base, "GET", `/v1/admin/oauth/requests/${uid}`);
  expect(request.status).toBe(200);
  // The owner answers in the browser the client sent there (the console page's request, with its cookies).
  const answer = await browser.fetch(`${base}/v1/admin/oauth/requests/${uid}/approve`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
    body: JSON.stringify(decision),
  });
  const approved = { status: answer.status, json: (await answer.json()) as Record<string, any> };
  expect(approved.status).toBe(200);
  const back = await browser.get(approved.json.redirect_to);
  const callback = locationOf(back, approved.json.redirect_to);
  expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT_URI);
  await transport.finishAuth(callback.searchParams.get("code")!);
  const mcp = new Client({ name: "remote", version: "1.0.0" });
  await mcp.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { authProvider: client }));
  return { mcp, request: request.json, connection: approved.json.connection, tokens: client.tokens()! };
}

function bearer(token: string, extra: Record<string, string> = {}) {
  return { authorization: `Bearer ${token}`, ...extra };
}

async function toolCall(base: string, token: string, name: string, args: Record<string, unknown>) {
  return fetch(`${base}/mcp`, {
    method: "POST",
    headers: bearer(token, {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": "2025-06-18",
    }),
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: args } }),
  });
}

function nextWeekday9(): string {
  const d = new Date(w.clock.now + 7 * 86_400_000);
  while (d.getUTCDay() === 0 || d.getUTCDay() === 6) d.setUTCDate(d.getUTCDate() + 1);
  d.setUTCHours(9, 0, 0, 0);
  return d.toISOString();
}

async function refresh(base: string, clientId: string, refreshToken: string) {
  const res = await fetch(`${base}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "refresh_token",
      refresh_token: refreshToken,
      client_id: clientId,
    }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}

describe("discovery", () => {
  it("a 401 from /mcp and REST names the resource metadata, which names this server as its authorization server", async () => {
    for (const [path, method] of [
      ["/mcp", "POST"],
      ["/v1/me", "GET"],
    ] as const) {
      const res = await fetch(`${server.url}${path}`, {
        method,
        headers: { "content-type": "application/json" },
      });
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe(
        `Bearer realm="openavail", resource_metadata="${server.url}/.well-known/oauth-protected-resource/mcp", scope="read_freebusy read_events create_holds create_bookings"`,
      );
    }
    const prm = (await (await fetch(`${server.url}/.well-known/oauth-protected-resource/mcp`)).json()) as any;
    expect(prm.resource).toBe(`${server.url}/mcp`);
    expect(prm.authorization_servers).toEqual([server.url]);
    const as = (await (await fetch(`${server.url}/.well-known/oauth-authorization-server`)).json()) as any;
    expect(as.issuer).toBe(server.url);
    expect(as.code_challenge_methods_supported).toEqual(["S256"]);
    expect(as.client_id_metadata_document_supported).toBe(true);
    expect(as.registration_endpoint).toBe(`${server.url}/oauth/register`);
    expect(as.revocation_endpoint).toBe(`${server.url}/oauth/revoke`);
  });

  it("behind a TLS proxy, OPENAVAIL_PUBLIC_URL names the issuer and the resource", async () => {
    const proxied = await serveApp(await serverAppOf(w, { publicUrl: "https://calendar.example.com" }));
    try {
      const prm = (await (
        await fetch(`${proxied.url}/.well-known/oauth-protected-resource/mcp`)
      ).json()) as any;
      expect(prm.resource).toBe("https://calendar.example.com/mcp");
      expect(prm.authorization_servers).toEqual(["https://calendar.example.com"]);
      const as = (await (
        await fetch(`${proxied.url}/.well-known/oauth-authorization-server`, {
          headers: { "x-forwarded-proto": "https" },
        })
      ).json()) as any;
      expect(as.issuer).toBe("https://calendar.example.com");
      expect(as.token_endpoint).toBe("https://calendar.example.com/oauth/token");
      const res = await fetch(`${proxied.url}/mcp`, { method: "POST" });
      expect(res.headers.get("www-authenticate")).toContain(
        'resource_metadata="https://calendar.example.com/.well-known/oauth-protected-resource/mcp"',
      );
    } finally {
      await proxied.close();
    }
  });

  it("lets a browser-run client (MCP Inspector) read the metadata and register across origins", async () => {
    const origin = "http://localhost:6274";
    const preflight = await fetch(`${server.url}/.well-known/oauth-protected-resource/mcp`, {
      method: "OPTIONS",
      headers: {
        origin,
        "access-control-request-method": "GET",
        "access-control-request-headers": "mcp-protocol-version",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-headers")).toContain("mcp-protocol-version");
    const prm = await fetch(`${server.url}/.well-known/oauth-protected-resource/mcp`, {
      headers: { origin },
    });
    expect(prm.headers.get("access-control-allow-origin")).toBe("*");
    const as = await fetch(`${server.url}/.well-known/oauth-authorization-server`, { headers: { origin } });
    expect(as.status).toBe(200);
    expect(as.headers.get("access-control-allow-origin")).toBeTruthy();
    const reg = await fetch(`${server.url}/oauth/register`, {
      method: "POST",
      headers: { origin, "content-type": "application/json" },
      body: JSON.stringify({
        redirect_uris: [`${origin}/oauth/callback`],
        token_endpoint_auth_method: "none",
      }),
    });
    expect(reg.status).toBe(201);
    expect(reg.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("refuses an authorization request without PKCE", async () => {
    const reg = (await (
      await fetch(`${server.url}/oauth/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: "none" }),
      })
    ).json()) as { client_id: string };
    const url = new URL(`${server.url}/oauth/authorize`);
    url.search = new URLSearchParams({
      client_id: reg.client_id,
      response_type: "code",
      redirect_uri: REDIRECT_URI,
      scope: "read_freebusy",
    }).toString();
    const res = await new CookieBrowser().get(url);
    const back = locationOf(res, url);
    expect(back.searchParams.get("error")).toBe("invalid_request");
    expect(back.searchParams.get("error_description")).toMatch(/PKCE/);
  });
});

describe("a client registered dynamically", () => {
  let signedIn: Awaited<ReturnType<typeof signIn>>;
  const client = new MemoryOAuthClient({ name: "Claude (test)" });

  beforeAll(async () => {
    signedIn = await signIn(server.url, client, {
      owners: [CEO],
      default_class: "external_customer_call",
      priority: 5,
    });
  });

  it("is shown to the owner by name with the scopes it asks for, and acts as the agent the consent made", async () => {
    expect(signedIn.request.client_name).toBe("Claude (test)");
    expect(signedIn.request.registration).toBe("dynamic");
    expect(signedIn.request.scopes).toContain("create_bookings");
    const who = (await signedIn.mcp.callTool({ name: "whoami", arguments: {} })) as any;
    const me = who.structuredContent;
    expect(me.agent_id).toBe(signedIn.connection.agent_id);
    expect(me.name).toBe("Claude (test)");
    expect(me.priority).toBe(5);
    expect(me.default_meeting_class).toBe("external_customer_call");
    expect(me.allowed_owners).toEqual([CEO]);
    expect(me.key_prefix).toBe(`oauth:${signedIn.connection.connection_id}`);
  });

  it("books over /mcp, and the same token works on REST", async () => {
    const booked = (await signedIn.mcp.callTool({
      name: "create_booking",
      arguments: { owner_email: CEO, start: nextWeekday9(), duration_minutes: 30, title: "Intro" },
    })) as any;
    expect(booked.structuredContent.verdict).toBe("Accept");
    const rest = await fetch(`${server.url}/v1/bookings?owner_email=${CEO}`, {
      headers: bearer(signedIn.tokens.access_token),
    });
    expect(rest.status).toBe(200);
    const listed = (await rest.json()) as { bookings: { title: string }[] };
    expect(listed.bookings.map((b) => b.title)).toContain("Intro");
    const decisions = await admin(server.url, "GET", `/v1/decisions?agent=${signedIn.connection.agent_id}`);
    expect(decisions.json.decisions[0].key_prefix ?? decisions.json.decisions[0].agent_id).toBeTruthy();
  });

  it("is listed as a connected client", async () => {
    const list = await admin(server.url, "GET", "/v1/admin/oauth/clients");
    expect(list.json.clients).toContainEqual(
      expect.objectContaining({
        client_name: "Claude (test)",
        status: "active",
        agent_id: signedIn.connection.agent_id,
      }),
    );
  });

  it("is listed with when its tokens were last used, written at most once a minute", async () => {
    const lastUsed = async () => {
      const list = await admin(server.url, "GET", "/v1/admin/oauth/clients");
      const mine = list.json.clients.find(
        (c: { connection_id: string }) => c.connection_id === signedIn.connection.connection_id,
      );
      return mine.last_used_at as string | null;
    };
    const use = async () => {
      const res = await fetch(`${server.url}/v1/me`, { headers: bearer(signedIn.tokens.access_token) });
      expect(res.status).toBe(200);
    };
    // Signing in connected over /mcp with the token already.
    expect(await lastUsed()).not.toBeNull();
    const saved = w.clock.now;
    try {
      w.clock.now = saved + 120_000;
      await use();
      expect(await lastUsed()).toBe(toInstant(saved + 120_000));
      w.clock.now = saved + 150_000;
      await use();
      expect(await lastUsed()).toBe(toInstant(saved + 120_000));
      w.clock.now = saved + 181_000;
      await toolCall(server.url, signedIn.tokens.access_token, "whoami", {});
      expect(await lastUsed()).toBe(toInstant(saved + 181_000));
    } finally {
      w.clock.now = saved;
    }
  });

  it("is refused by another server on the same ledger: the token is bound to this one's /mcp", async () => {
    const other = await serveApp(await serverAppOf(w));
    try {
      const viaMcp = await toolCall(other.url, signedIn.tokens.access_token, "whoami", {});
      expect(viaMcp.status).toBe(401);
      const res = await fetch(`${other.url}/v1/me`, { headers: bearer(signedIn.tokens.access_token) });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { message: string }).message).toContain(`issued for ${server.url}/mcp`);
      expect(res.headers.get("www-authenticate")).toContain(`resource_metadata="${other.url}/`);
    } finally {
      await other.close();
    }
  });

  it("an access token expires (the server's clock), and its refresh token rotates", async () => {
    const token = signedIn.tokens.access_token;
    const saved = w.clock.now;
    w.clock.now = saved + 16 * 60_000;
    try {
      const res = await fetch(`${server.url}/v1/me`, { headers: bearer(token) });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { message: string }).message).toMatch(/expired/);
    } finally {
      w.clock.now = saved;
    }
    const clientId = client.clientInformation()!.client_id;
    const first = await refresh(server.url, clientId, signedIn.tokens.refresh_token!);
    expect(first.status).toBe(200);
    expect(first.json.refresh_token).toBeTruthy();
    expect(first.json.refresh_token).not.toBe(signedIn.tokens.refresh_token);
    expect((await fetch(`${server.url}/v1/me`, { headers: bearer(first.json.access_token) })).status).toBe(
      200,
    );
    // The rotated-out refresh token is spent: presenting it again is refused.
    const again = await refresh(server.url, clientId, signedIn.tokens.refresh_token!);
    expect(again.status).toBe(400);
    expect(again.json.error).toBe("invalid_grant");
  });
});

describe("a grant of read_freebusy only", () => {
  it("sees only the read tools and gets 403 insufficient_scope on create_booking, on /mcp and on REST", async () => {
    const { mcp, tokens } = await signIn(server.url, new MemoryOAuthClient({ name: "Reader" }), {
      owners: [CEO],
      scopes: ["read_freebusy"],
    });
    const tools = (await mcp.listTools()).tools.map((t) => t.name);
    expect(tools).toContain("get_free_busy");
    expect(tools).not.toContain("create_booking");
    const args = { owner_email: CEO, start: nextWeekday9(), duration_minutes: 30 };
    const viaMcp = await toolCall(server.url, tokens.access_token, "create_booking", args);
    expect(viaMcp.status).toBe(403);
    const challenge = viaMcp.headers.get("www-authenticate")!;
    expect(challenge).toContain('error="insufficient_scope"');
    expect(challenge).toContain('scope="read_freebusy create_bookings"');
    expect(challenge).toContain(`resource_metadata="${server.url}/.well-known/oauth-protected-resource/mcp"`);
    const viaRest = await fetch(`${server.url}/v1/bookings`, {
      method: "POST",
      headers: bearer(tokens.access_token, { "content-type": "application/json" }),
      body: JSON.stringify(args),
    });
    expect(viaRest.status).toBe(403);
    expect(viaRest.headers.get("www-authenticate")).toContain('error="insufficient_scope"');
    const busy = await toolCall(server.url, tokens.access_token, "get_free_busy", {
      owner_email: CEO,
      window: { start: nextWeekday9(), end: new Date(Date.parse(nextWeekday9()) + 86_400_000).toISOString() },
    });
    expect(busy.status).toBe(200);
  });
});

describe("what an attacker would try", () => {
  it("an approval from another browser than the one the client sent is refused", async () => {
    const client = new MemoryOAuthClient({ name: "Phisher" });
    await startSignIn(server.url, client);
    // The attacker's browser starts the sign-in, then sends the owner the consent link.
    const attacker = new CookieBrowser();
    const consent = locationOf(await attacker.get(client.authorizationUrl!), client.authorizationUrl!);
    const uid = decodeURIComponent(consent.hash.replace(/^#\/oauth\//, ""));
    const owner = new CookieBrowser();
    const refused = await owner.fetch(`${server.url}/v1/admin/oauth/requests/${uid}/approve`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({ owners: [CEO] }),
    });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { message: string }).message).toMatch(/browser the app sent you to/);
    const denied = await owner.fetch(`${server.url}/v1/admin/oauth/requests/${uid}/deny`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(denied.status).toBe(403);
    expect((await admin(server.url, "GET", "/v1/admin/oauth/clients")).json.clients).not.toContainEqual(
      expect.objectContaining({ client_name: "Phisher" }),
    );
  });

  it("the ledger holds no token, code, session id or client secret that could be presented", async () => {
    const client = new MemoryOAuthClient({ name: "Stored" });
    const { tokens } = await signIn(server.url, client, { owners: [CEO] });
    const reg = (await (
      await fetch(`${server.url}/oauth/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          redirect_uris: [REDIRECT_URI],
          token_endpoint_auth_method: "client_secret_post",
        }),
      })
    ).json()) as { client_secret: string; registration_access_token: string };
    const rows = await w.app.ledger.db.selectFrom("oauth_store").select(["payload_json"]).execute();
    const dump = rows.map((r) => r.payload_json).join("\n");
    for (const secret of [
      tokens.access_token,
      tokens.refresh_token!,
      reg.client_secret,
      reg.registration_access_token,
    ]) {
      expect(secret.length).toBeGreaterThan(20);
      expect(dump).not.toContain(secret);
    }
    // And they still work: the row is found by the hash of what is presented.
    expect((await fetch(`${server.url}/v1/me`, { headers: bearer(tokens.access_token) })).status).toBe(200);
  });

  it("a registration nobody approves lapses after 30 days, and the page says what to do; an approved one is kept", async () => {
    const squatter = new MemoryOAuthClient({ name: "Squatter" });
    await startSignIn(server.url, squatter);
    const expiryOf = async (clientId: string) =>
      (
        await w.app.ledger.db
          .selectFrom("oauth_store")
          .select("expires_at")
          .where("model", "=", "Client")
          .where("id_hash", "=", oauthIdHash(clientId))
          .executeTakeFirstOrThrow()
      ).expires_at;
    const lapse = w.clock.now + 30 * 86_400_000;
    expect(await expiryOf(squatter.clientInformation()!.client_id)).toBe(lapse);
    // Approving keeps a client for good, and revoking it later does not start a clock again.
    const kept = new MemoryOAuthClient({ name: "Kept" });
    const { connection } = await signIn(server.url, kept, { owners: [CEO] });
    expect(await expiryOf(kept.clientInformation()!.client_id)).toBeNull();
    await admin(server.url, "POST", `/v1/admin/oauth/clients/${connection.connection_id}/revoke`);
    expect(await expiryOf(kept.clientInformation()!.client_id)).toBeNull();
    const saved = w.clock.now;
    try {
      // A minute before it lapses the registration still starts a sign-in; a moment after, it is unknown.
      w.clock.now = lapse - 60_000;
      expect((await new CookieBrowser().get(squatter.authorizationUrl!)).status).toBe(303);
      w.clock.now = lapse + 1;
      const lapsed = await new CookieBrowser().get(squatter.authorizationUrl!);
      expect(lapsed.status).toBe(400);
      const page = await lapsed.text();
      expect(page).toContain("<code>invalid_client</code>");
      expect(page).toContain("Remove Openavail from the app and add it again");
      // The provider's own page loaded a web font from Google; this one loads nothing.
      expect(page).not.toMatch(/https?:\/\//);
    } finally {
      w.clock.now = saved;
    }
  });

  it("an API key's missing scope is answered as before: 403 with no OAuth challenge", async () => {
    const reader = await w.addAgent({ name: "key reader", scopes: ["read_freebusy"], owners: [CEO] });
    const res = await fetch(`${server.url}/v1/bookings`, {
      method: "POST",
      headers: bearer(reader.key, { "content-type": "application/json" }),
      body: JSON.stringify({ owner_email: CEO, start: nextWeekday9(), duration_minutes: 30 }),
    });
    expect(res.status).toBe(403);
    expect(res.headers.get("www-authenticate")).toBeNull();
  });
});

describe("a server whose clock runs ahead of the system's", () => {
  it("still takes its fresh tokens (expiry is judged on one clock)", async () => {
    const ahead = await serveApp(await serverAppOf(w, { now: () => Date.now() + 2 * 3_600_000 }));
    try {
      const { tokens } = await signIn(ahead.url, new MemoryOAuthClient({ name: "Ahead" }), { owners: [CEO] });
      expect((await fetch(`${ahead.url}/v1/me`, { headers: bearer(tokens.access_token) })).status).toBe(200);
    } finally {
      await ahead.close();
    }
  });
});

describe("the rate limit", () => {
  it("counts every token of one client against one budget", async () => {
    const limited = await serveApp(await serverAppOf(w, { rateLimitPerMinute: 6 }));
    try {
      const client = new MemoryOAuthClient({ name: "Busy" });
      const { tokens, mcp } = await signIn(limited.url, client, { owners: [CEO] });
      await mcp.close();
      const second = await refresh(limited.url, client.clientInformation()!.client_id, tokens.refresh_token!);
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) {
        const token = i % 2 === 0 ? tokens.access_token : second.json.access_token;
        statuses.push((await fetch(`${limited.url}/v1/me`, { headers: bearer(token) })).status);
      }
      // Signing in spent some of the six; whichever token asks, the seventh request overall is refused.
      expect(statuses.filter((s) => s === 200).length).toBeLessThan(6);
      expect(statuses.at(-1)).toBe(429);
      expect(statuses.at(-2)).toBe(429);
    } finally {
      await limited.close();
    }
  });
});

describe("revocation", () => {
  it("RFC 7009 revokes a token with every token of its grant; signing in again reuses the agent; the owner's revoke ends it all at once", async () => {
    const client = new MemoryOAuthClient({ name: "Revoked" });
    const first = await signIn(server.url, client, { owners: ["*"] });
    const clientId = client.clientInformation()!.client_id;
    const revoked = await fetch(`${server.url}/oauth/revoke`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: first.tokens.access_token, client_id: clientId }),
    });
    expect(revoked.status).toBe(200);
    expect((await fetch(`${server.url}/v1/me`, { headers: bearer(first.tokens.access_token) })).status).toBe(
      401,
    );
    expect((await refresh(server.url, clientId, first.tokens.refresh_token!)).status).toBe(400);

    const second = await signIn(server.url, client, { owners: [CEO] });
    expect(second.request.connection.agent_id).toBe(first.connection.agent_id);
    expect(second.connection.agent_id).toBe(first.connection.agent_id);
    const token = second.tokens.access_token;
    expect((await fetch(`${server.url}/v1/me`, { headers: bearer(token) })).status).toBe(200);
    const out = await admin(
      server.url,
      "POST",
      `/v1/admin/oauth/clients/${second.connection.connection_id}/revoke`,
      {},
    );
    expect(out.json.status).toBe("revoked");
    const after = await toolCall(server.url, token, "whoami", {});
    expect(after.status).toBe(401);
    expect(((await after.json()) as { message: string }).message).toMatch(/revoked/);
    expect((await refresh(server.url, clientId, second.tokens.refresh_token!)).status).toBe(400);
    const agent = await admin(server.url, "GET", `/v1/agents/${first.connection.agent_id}`);
    expect(agent.json.status).toBe("disabled");
  });

  it("a token revoked on one instance is refused by another that had it cached", async () => {
    // A second instance behind the same public address (so the same tokens are bound to it).
    const other = await serverAppOf(w, { publicUrl: server.url });
    const otherServer = await serveApp(other);
    try {
      const client = new MemoryOAuthClient({ name: "Two instances" });
      const { tokens } = await signIn(server.url, client, { owners: [CEO] });
      const me = () => fetch(`${otherServer.url}/v1/me`, { headers: bearer(tokens.access_token) });
      expect((await me()).status).toBe(200);
      const revoked = await fetch(`${server.url}/oauth/revoke`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          token: tokens.access_token,
          client_id: client.clientInformation()!.client_id,
        }),
      });
      expect(revoked.status).toBe(200);
      // On PostgreSQL the other instance learns of writes by NOTIFY: wait until it has taken in every
      // notification sent so far (SQLite's data_version needs no waiting).
      const changes = other.ledger.changes as { barrier?: () => Promise<void> };
      await changes.barrier?.();
      expect((await me()).status).toBe(401);
    } finally {
      await otherServer.close();
    }
  });
});

describe("openavail oauth", () => {
  it("lists the connected apps and revokes one from the command line", async () => {
    const { tokens, connection } = await signIn(server.url, new MemoryOAuthClient({ name: "From CLI" }), {
      owners: [CEO],
    });
    const cli = async (...argv: string[]) => {
      const stdout = new Capture();
      const code = await runCli(
        [...ledgerArgs(w), ...argv],
        { env: {}, stdout, stderr: new Capture() },
        {
          now: () => w.clock.now,
        },
      );
      return { code, out: stdout.text };
    };
    const shown = await cli("oauth", "clients");
    expect(shown.out.split("\n")[0]).toMatch(/^CONNECTION +APP +STATUS +AGENT +SCOPES +LAST USED$/);
    expect(shown.out).toContain(`${connection.connection_id}  `);
    const listed = await cli("oauth", "clients", "--json");
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.out)).toContainEqual(
      expect.objectContaining({
        connection_id: connection.connection_id,
        client_name: "From CLI",
        status: "active",
      }),
    );
    const revoked = await cli("oauth", "revoke", connection.connection_id);
    expect(revoked.code).toBe(0);
    expect(revoked.out).toContain("Revoked From CLI");
    expect((await fetch(`${server.url}/v1/me`, { headers: bearer(tokens.access_token) })).status).toBe(401);
    const trail = await admin(server.url, "GET", "/v1/admin/actions?limit=5");
    expect(trail.json.actions[0]).toMatchObject({
      actor: "cli",
      action: "oauth revoke",
      target: connection.connection_id,
    });
  });
});

describe("a client known by its metadata document", () => {
  let cimd: Server;
  let docUrl: string;
  let dir: string;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    dir = w.dir;
    // A self-signed certificate for 127.0.0.1, trusted by the spawned server only.
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "1",
        "-keyout",
        join(dir, "cimd-key.pem"),
        "-out",
        join(dir, "cimd-cert.pem"),
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
      ],
      { stdio: "ignore" },
    );
    cimd = createServer(
      { key: readFileSync(join(dir, "cimd-key.pem")), cert: readFileSync(join(dir, "cimd-cert.pem")) },
      (req, res) => {
        res.writeHead(req.url === "/oauth/client.json" ? 200 : 404, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            client_id: docUrl,
            client_name: "Metadata Client",
            redirect_uris: [REDIRECT_URI],
            grant_types: ["authorization_code", "refresh_token"],
            response_types: ["code"],
            token_endpoint_auth_method: "none",
          }),
        );
      },
    );
    await new Promise<void>((resolve) => cimd.listen(0, "127.0.0.1", resolve));
    docUrl = `https://127.0.0.1:${(cimd.address() as AddressInfo).port}/oauth/client.json`;
  });
  afterAll(async () => {
    child?.kill("SIGTERM");
    await new Promise<void>((resolve) => cimd?.close(() => resolve()));
  });

  it("is refused where loopback documents are not allowed (the default)", async () => {
    const url = new URL(`${server.url}/oauth/authorize`);
    url.search = new URLSearchParams({
      client_id: docUrl,
      response_type: "code",
      redirect_uri: REDIRECT_URI,
      code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
      code_challenge_method: "S256",
    }).toString();
    const res = await new CookieBrowser().get(url);
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/invalid_client/);
  });

  it("signs in through a started `openavail serve` that may read it, and books", async () => {
    child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        join(import.meta.dirname, "serve-entry.ts"),
        "serve",
        ...ledgerArgs(w),
        "--port",
        "0",
      ],
      {
        cwd: join(import.meta.dirname, "../.."),
        env: {
          ...process.env,
          OPENAVAIL_LOG_LEVEL: "silent",
          OPENAVAIL_OAUTH_LOOPBACK_CLIENTS: "1",
          NODE_EXTRA_CA_CERTS: join(dir, "cimd-cert.pem"),
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    child.stdout!.on("data", (b: Buffer) => {
      out += b.toString();
    });
    const base = await listeningUrl(child, () => out, 30_000);
    const client = new MemoryOAuthClient({
      clientMetadataUrl: docUrl,
      name: "ignored: the document names it",
    });
    const { mcp, request } = await signIn(base, client, {
      owners: [CEO],
      scopes: ["read_freebusy", "create_bookings"],
    });
    expect(request.client_id).toBe(docUrl);
    expect(request.client_name).toBe("Metadata Client");
    expect(request.registration).toBe("metadata_document");
    const start = new Date(Date.parse(nextWeekday9()) + 2 * 3_600_000).toISOString();
    const booked = (await mcp.callTool({
      name: "create_booking",
      arguments: { owner_email: CEO, start, duration_minutes: 30, title: "Via CIMD" },
    })) as any;
    expect(booked.structuredContent.verdict).toBe("Accept");
    await mcp.close();
  });
});
