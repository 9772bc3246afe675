// The installed-app OAuth flow (`openavail connect google`): a one-shot HTTP server on a loopback
// port receives Google's redirect, and the code is exchanged (with PKCE) for a refresh token.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { CodeChallengeMethod, OAuth2Client } from "google-auth-library";
import { ProviderError } from "../calendar-provider.js";
import { GOOGLE_CALENDAR_SCOPE } from "./google-provider.js";

const CALLBACK_PATH = "/oauth2callback";

export interface LoopbackOAuthOptions {
  clientId: string;
  clientSecret: string;
  /** Consent page; default `https://accounts.google.com/o/oauth2/v2/auth`. */
  authUrl?: string;
  /** Token endpoint; default `https://oauth2.googleapis.com/token`. */
  tokenUrl?: string;
  /** Default: the full calendar scope. */
  scopes?: string[];
  /** Pre-fills the account chooser, e.g. the owner's email. */
  loginHint?: string;
  /** How long to wait for the browser, in ms; default 5 minutes. */
  timeoutMs?: number;
}

export interface LoopbackOAuthResult {
  refreshToken: string;
  accessToken: string | null;
  /** Access token expiry, epoch ms. */
  expiryDate: number | null;
  /** Space-separated scopes actually granted. */
  scope: string | null;
}

export interface LoopbackOAuthSession {
  /** Open this in the owner's browser. */
  authUrl: string;
  redirectUri: string;
  /**
   * Settles once: with the tokens after the redirect; or rejects on denial, a missing refresh token,
   * a scope not granted, the timeout, or close().
   */
  result: Promise<LoopbackOAuthResult>;
  /** Stops waiting and frees the port. */
  close(): void;
}

function page(res: ServerResponse, status: number, text: string, after?: () => void): void {
  res.writeHead(status, { "content-type": "text/html; charset=utf-8", connection: "close" });
  res.end(`<!doctype html><title>Openavail</title><p>${text}</p>`, after);
}

/**
 * Listens on 127.0.0.1 (port chosen by the OS) and builds the consent URL: offline access with
 * `prompt=consent` (so Google returns a refresh token even on a repeat grant), PKCE S256, and a
 * random `state` that the redirect must echo.
 */
export async function startLoopbackOAuth(options: LoopbackOAuthOptions): Promise<LoopbackOAuthSession> {
  const scopes = options.scopes ?? [GOOGLE_CALENDAR_SCOPE];
  const state = randomBytes(16).toString("base64url");
  let settle: { resolve(r: LoopbackOAuthResult): void; reject(e: Error): void } | undefined;
  const result = new Promise<LoopbackOAuthResult>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // The caller may close() without awaiting; that rejection must not surface as unhandled.
  result.catch(() => {});

  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const redirectUri = `http://127.0.0.1:${port}${CALLBACK_PATH}`;

  const client = new OAuth2Client({
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    redirectUri,
    endpoints: {
      ...(options.authUrl === undefined ? {} : { oauth2AuthBaseUrl: options.authUrl }),
      ...(options.tokenUrl === undefined ? {} : { oauth2TokenUrl: options.tokenUrl }),
    },
  });
  const { codeVerifier, codeChallenge } = await client.generateCodeVerifierAsync();
  const authUrl = client.generateAuthUrl({
    access_type: "offline",
    prompt: "consent",
    scope: scopes,
    state,
    code_challenge: codeChallenge,
    code_challenge_method: CodeChallengeMethod.S256,
    ...(options.loginHint === undefined ? {} : { login_hint: options.loginHint }),
  });

  let done = false;
  const finish = (outcome: LoopbackOAuthResult | Error) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    server.close();
    server.closeIdleConnections();
    if (outcome instanceof Error) settle?.reject(outcome);
    else settle?.resolve(outcome);
  };
  const timer = setTimeout(
    () => finish(new ProviderError("invalid", "Google sign-in timed out; run the connect command again")),
    options.timeoutMs ?? 300_000,
  );
  timer.unref();

  const exchange = async (code: string): Promise<LoopbackOAuthResult> => {
    const { tokens } = await client.getToken({ code, codeVerifier, redirect_uri: redirectUri });
    if (!tokens.refresh_token) {
      throw new ProviderError(
        "invalid",
        "Google returned no refresh token; revoke Openavail's access and try again",
      );
    }
    const granted = new Set((tokens.scope ?? "").split(" "));
    const missing = tokens.scope ? scopes.filter((s) => !granted.has(s)) : [];
    if (missing.length > 0) {
      throw new ProviderError("invalid", `calendar access was not granted (missing ${missing.join(", ")})`);
    }
    return {
      refreshToken: tokens.refresh_token,
      accessToken: tokens.access_token ?? null,
      expiryDate: tokens.expiry_date ?? null,
      scope: tokens.scope ?? null,
    };
  };

  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", redirectUri);
    // Anything but the redirect itself (a favicon, a stray or forged request) leaves the flow waiting.
    if (
      done ||
      req.method !== "GET" ||
      url.pathname !== CALLBACK_PATH ||
      url.searchParams.get("state") !== state
    ) {
      page(res, 404, "Not found.");
      return;
    }
    const error = url.searchParams.get("error");
    const code = url.searchParams.get("code");
    if (error !== null || code === null) {
      page(res, 400, "Google sign-in was not completed. You can close this window.", () =>
        finish(new ProviderError("invalid", `Google sign-in failed: ${error ?? "no code in the redirect"}`)),
      );
      return;
    }
    exchange(code).then(
      (tokens) =>
        page(res, 200, "Openavail is connected to Google Calendar. You can close this window.", () =>
          finish(tokens),
        ),
      (err: unknown) => {
        // Only the message: a GaxiosError's config holds the code verifier and client secret.
        const failure =
          err instanceof ProviderError
            ? err
            : new ProviderError(
                "invalid",
                `token exchange failed: ${err instanceof Error ? err.message : String(err)}`,
              );
        page(res, 502, "Openavail could not finish connecting. See the terminal.", () => finish(failure));
      },
    );
  });

  return { authUrl, redirectUri, result, close: () => finish(new Error("Google sign-in cancelled")) };
}
