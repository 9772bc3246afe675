// What a remote MCP client brings to an OAuth sign-in, for tests: the SDK's OAuthClientProvider kept
// in memory, and a browser reduced to what the flow needs (cookies, redirects followed by hand).
import type { OAuthClientProvider } from "@modelcontextprotocol/sdk/client/auth.js";
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from "@modelcontextprotocol/sdk/shared/auth.js";

export const REDIRECT_URI = "http://127.0.0.1:33418/callback";

/** The SDK's client-side OAuth state, in memory; `authorizationUrl` is where it sent the user. */
export class MemoryOAuthClient implements OAuthClientProvider {
  authorizationUrl: URL | undefined;
  #client: OAuthClientInformationMixed | undefined;
  #tokens: OAuthTokens | undefined;
  #verifier = "";
  readonly clientMetadataUrl: string | undefined;
  readonly #scope: string | undefined;

  readonly #name: string;
  readonly #redirectUri: string;

  constructor(
    options: { clientMetadataUrl?: string; scope?: string; name?: string; redirectUri?: string } = {},
  ) {
    this.clientMetadataUrl = options.clientMetadataUrl;
    this.#scope = options.scope;
    this.#name = options.name ?? "Test agent";
    this.#redirectUri = options.redirectUri ?? REDIRECT_URI;
  }

  get redirectUrl(): string {
    return this.#redirectUri;
  }
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: this.#name,
      redirect_uris: [this.#redirectUri],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
      ...(this.#scope ? { scope: this.#scope } : {}),
    };
  }
  clientInformation(): OAuthClientInformationMixed | undefined {
    return this.#client;
  }
  saveClientInformation(info: OAuthClientInformationMixed): void {
    this.#client = info;
  }
  tokens(): OAuthTokens | undefined {
    return this.#tokens;
  }
  saveTokens(tokens: OAuthTokens): void {
    this.#tokens = tokens;
  }
  redirectToAuthorization(url: URL): void {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string): void {
    this.#verifier = verifier;
  }
  codeVerifier(): string {
    return this.#verifier;
  }
}

/** A browser as far as the flow needs one: it keeps cookies and follows no redirect by itself. */
export class CookieBrowser {
  readonly #cookies = new Map<string, string>();

  get(url: string | URL): Promise<Response> {
    return this.fetch(url);
  }

  /** A request from this browser: its cookies sent, the ones it is given kept, no redirect followed. */
  async fetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set("cookie", this.#cookieHeader());
    const res = await fetch(url, { ...init, redirect: "manual", headers });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (value === "" || /expires=Thu, 01 Jan 1970/i.test(line)) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
    return res;
  }

  #cookieHeader(): string {
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
}

/** Where a redirect response sends the browser, resolved against the URL it answered. */
export function locationOf(res: Response, base: string | URL): URL {
  const location = res.headers.get("location");
  if (!location) throw new Error(`expected a redirect, got ${res.status}`);
  return new URL(location, base);
}
