// The owner's consent for `openavail connect microsoft`: authorization code with PKCE (S256) through
// msal-node's public client, the redirect received by a one-shot server on 127.0.0.1, the code
// exchanged by msal, and msal's token cache (holding the refresh token) returned as the grant.
import { randomBytes } from "node:crypto";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { CryptoProvider } from "@azure/msal-node";
import { ProviderError } from "../calendar-provider.js";
import { GRAPH_SCOPES, type MicrosoftClient, publicClient } from "./msal-tokens.js";

export interface MicrosoftConsent {
  /** Open this in the owner's browser. */
  readonly authUrl: string;
  readonly redirectUri: string;
  /** Settles once: the grant after the redirect, or an error (denied, timed out, closed). */
  readonly result: Promise<{ cache: string; homeAccountId: string; username: string | null }>;
  close(): void;
}

function page(res: ServerResponse, status: number, text: string, after?: () => void): void {
  res.writeHead(status, { "content-type": "text/html; charset=utf-8", connection: "close" });
  res.end(`<!doctype html><title>Openavail</title><p>${text}</p>`, after);
}

/** Listens on 127.0.0.1 (a port the OS picks) and builds the consent URL with PKCE and a random state. */
export async function startMicrosoftConsent(
  client: MicrosoftClient,
  options: { loginHint?: string; timeoutMs?: number } = {},
): Promise<MicrosoftConsent> {
  const cache = { value: "" };
  const app = publicClient(client, cache);
  const { verifier, challenge } = await new CryptoProvider().generatePkceCodes();
  const state = randomBytes(16).toString("base64url");
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const redirectUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const authUrl = await app.getAuthCodeUrl({
    scopes: GRAPH_SCOPES,
    redirectUri,
    codeChallenge: challenge,
    codeChallengeMethod: "S256",
    state,
    // The identity platform refuses select_account together with an account hint.
    ...(options.loginHint === undefined ? { prompt: "select_account" } : { loginHint: options.loginHint }),
  });

  let settle!: { resolve(v: Awaited<MicrosoftConsent["result"]>): void; reject(e: Error): void };
  const result = new Promise<Awaited<MicrosoftConsent["result"]>>((resolve, reject) => {
    settle = { resolve, reject };
  });
  result.catch(() => {});
  let done = false;
  const finish = (outcome: Awaited<MicrosoftConsent["result"]> | Error) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    server.close();
    server.closeIdleConnections();
    if (outcome instanceof Error) settle.reject(outcome);
    else settle.resolve(outcome);
  };
  const timer = setTimeout(
    () => finish(new ProviderError("invalid", "Microsoft sign-in timed out; run the connect command again")),
    options.timeoutMs ?? 300_000,
  );
  timer.unref();

  server.on("request", (req, res) => {
    const url = new URL(req.url ?? "/", redirectUri);
    // Anything but the redirect itself (a favicon, a forged request) leaves the flow waiting.
    if (done || req.method !== "GET" || url.pathname !== "/" || url.searchParams.get("state") !== state) {
      page(res, 404, "Not found.");
      return;
    }
    const code = url.searchParams.get("code");
    if (code === null) {
      const why = url.searchParams.get("error_description") ?? url.searchParams.get("error") ?? "no code";
      page(res, 400, "Microsoft sign-in was not completed. You can close this window.", () =>
        finish(new ProviderError("invalid", `Microsoft sign-in failed: ${why}`)),
      );
      return;
    }
    app
      .acquireTokenByCode({ code, scopes: GRAPH_SCOPES, redirectUri, codeVerifier: verifier, state })
      .then((tokens) => {
        const account = tokens.account;
        if (!account || cache.value === "")
          throw new ProviderError("invalid", "Microsoft returned no account");
        const granted = new Set(tokens.scopes.map((s) => s.toLowerCase()));
        if (!granted.has("calendars.readwrite")) {
          throw new ProviderError("invalid", "calendar access (Calendars.ReadWrite) was not granted");
        }
        return {
          cache: cache.value,
          homeAccountId: account.homeAccountId,
          username: account.username || null,
        };
      })
      .then(
        (grant) =>
          page(
            res,
            200,
            "Openavail is connected to your Microsoft calendar. You can close this window.",
            () => finish(grant),
          ),
        (err: unknown) => {
          // Only the message: msal's errors carry no tokens, but keep it short and plain.
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

  return { authUrl, redirectUri, result, close: () => finish(new Error("Microsoft sign-in cancelled")) };
}
