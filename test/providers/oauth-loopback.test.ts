// The installed-app OAuth flow end to end: the test plays the browser with fetch, following the fake
// consent page's redirect to the loopback server, which exchanges the code at the fake token endpoint.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ProviderError } from "../../src/providers/calendar-provider.js";
import { GOOGLE_CALENDAR_SCOPE, GoogleProvider } from "../../src/providers/google/google-provider.js";
import { type LoopbackOAuthSession, startLoopbackOAuth } from "../../src/providers/google/oauth-loopback.js";
import { type FakeGoogle, startFakeGoogle } from "../fakes/google-calendar.js";

describe("startLoopbackOAuth", () => {
  let fake: FakeGoogle;
  let session: LoopbackOAuthSession | undefined;
  beforeEach(async () => {
    fake = await startFakeGoogle();
  });
  afterEach(async () => {
    session?.close();
    await fake.close();
  });

  const start = async (timeoutMs?: number) => {
    session = await startLoopbackOAuth({
      clientId: fake.clientId,
      clientSecret: fake.clientSecret,
      authUrl: fake.authUrl,
      tokenUrl: fake.tokenUrl,
      loginHint: "owner@example.com",
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    });
    return session;
  };

  it("asks for offline calendar access with PKCE and returns a working refresh token", async () => {
    const { authUrl, redirectUri, result } = await start();
    expect(redirectUri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/oauth2callback$/);
    const query = new URL(authUrl).searchParams;
    expect(Object.fromEntries(query)).toMatchObject({
      client_id: fake.clientId,
      redirect_uri: redirectUri,
      response_type: "code",
      access_type: "offline",
      prompt: "consent",
      scope: GOOGLE_CALENDAR_SCOPE,
      code_challenge_method: "S256",
      login_hint: "owner@example.com",
    });
    expect(query.get("code_challenge")).toMatch(/^[\w-]{43}$/);
    expect(query.get("state")).toMatch(/^[\w-]{16,}$/);

    const browser = await fetch(authUrl); // follows the redirect to the loopback server
    expect(browser.status).toBe(200);
    expect(await browser.text()).toContain("connected");

    const tokens = await result;
    expect(tokens).toMatchObject({
      refreshToken: expect.stringMatching(/^1\/\//),
      scope: GOOGLE_CALENDAR_SCOPE,
    });
    // The fake checked the code verifier against the challenge; the token now works for the adapter.
    const provider = new GoogleProvider({
      clientId: fake.clientId,
      clientSecret: fake.clientSecret,
      refreshToken: tokens.refreshToken,
      rootUrl: fake.url,
      tokenUrl: fake.tokenUrl,
    });
    expect((await provider.listCalendars()).map((c) => c.id)).toEqual(["owner@example.com"]);
  });

  it("ignores a redirect with the wrong state and keeps waiting", async () => {
    const { redirectUri, authUrl, result } = await start();
    const forged = await fetch(`${redirectUri}?code=stolen&state=forged`);
    expect(forged.status).toBe(404);
    await fetch(authUrl);
    await expect(result).resolves.toMatchObject({ refreshToken: expect.any(String) });
  });

  it("rejects when the owner denies consent", async () => {
    fake.setConsent({ deny: true });
    const { authUrl, result } = await start();
    const browser = await fetch(authUrl);
    expect(browser.status).toBe(400);
    const err = await result.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as Error).message).toContain("access_denied");
  });

  it("rejects when the calendar scope was not granted", async () => {
    fake.setConsent({ scope: "openid email" });
    const { authUrl, result } = await start();
    await fetch(authUrl);
    await expect(result).rejects.toThrow(/calendar access was not granted/);
  });

  it("gives up after the timeout and frees the port", async () => {
    const { redirectUri, result } = await start(50);
    await expect(result).rejects.toThrow(/timed out/);
    await expect(fetch(redirectUri)).rejects.toThrow();
  });
});
