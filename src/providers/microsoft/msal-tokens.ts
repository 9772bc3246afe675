// Access tokens for Microsoft Graph through msal-node: a public client (authorization code + PKCE,
// no secret) whose token cache is the grant Openavail seals. msal refreshes from the cached refresh
// token and rotates it; every change to the cache is handed back to be sealed again, so the grant
// never ages out. A refused refresh (invalid_grant) is auth_revoked: the owner must connect again.
import {
  type AccountInfo,
  type ICachePlugin,
  InteractionRequiredAuthError,
  PublicClientApplication,
} from "@azure/msal-node";
import { ProviderError } from "../calendar-provider.js";

/** Delegated permissions Openavail asks for: read and write the owner's calendars, know who they are. */
export const GRAPH_SCOPES = ["Calendars.ReadWrite", "User.Read"];
export const DEFAULT_LOGIN_URL = "https://login.microsoftonline.com";

/** Openavail's app registration (a public client) and where the identity platform is. */
export interface MicrosoftClient {
  readonly clientId: string;
  /** `common`, `organizations`, `consumers` or a tenant id; default `common`. */
  readonly tenant?: string;
  /** The identity platform's origin; default https://login.microsoftonline.com. Tests: a loopback fake. */
  readonly loginUrl?: string;
}

/**
 * The identity platform's endpoints, given to msal so it never fetches them: msal insists on an
 * https authority, and with the metadata given the authority is only a name while the endpoints may
 * be anywhere (a sovereign cloud, or a test's loopback fake).
 */
function msalAuth(client: MicrosoftClient) {
  const login = (client.loginUrl ?? DEFAULT_LOGIN_URL).replace(/\/+$/, "");
  const tenant = client.tenant ?? "common";
  const authority = login.startsWith("https://") ? `${login}/${tenant}` : `${DEFAULT_LOGIN_URL}/${tenant}`;
  const base = `${login}/${tenant}`;
  return {
    clientId: client.clientId,
    authority,
    knownAuthorities: [new URL(authority).host],
    authorityMetadata: JSON.stringify({
      issuer: `${base}/v2.0`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      token_endpoint: `${base}/oauth2/v2.0/token`,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_types_supported: ["code"],
    }),
  };
}

/** A public client application whose cache lives in `cache.value` and is reported through `onChange`. */
export function publicClient(
  client: MicrosoftClient,
  cache: { value: string; onChange?: (serialized: string) => Promise<void> },
): PublicClientApplication {
  const plugin: ICachePlugin = {
    beforeCacheAccess: async (ctx) => {
      if (cache.value !== "") ctx.tokenCache.deserialize(cache.value);
    },
    afterCacheAccess: async (ctx) => {
      if (!ctx.cacheHasChanged) return;
      cache.value = ctx.tokenCache.serialize();
      await cache.onChange?.(cache.value);
    },
  };
  return new PublicClientApplication({ auth: msalAuth(client), cache: { cachePlugin: plugin } });
}

/** True for msal's "the user must sign in again" answers (invalid_grant, consent withdrawn, ...). */
export function isInteractionRequired(err: unknown): boolean {
  if (err instanceof InteractionRequiredAuthError) return true;
  const code = (err as { errorCode?: unknown } | null)?.errorCode;
  return code === "invalid_grant" || code === "interaction_required" || code === "no_tokens_found";
}

/** Gives Graph access tokens for one account, refreshing (and re-sealing the cache) as needed. */
export class GraphTokens {
  readonly #app: PublicClientApplication;
  readonly #homeAccountId: string;
  #account: AccountInfo | null = null;

  constructor(
    client: MicrosoftClient,
    grant: { cache: string; homeAccountId: string },
    onChange?: (serialized: string) => Promise<void>,
  ) {
    this.#app = publicClient(client, { value: grant.cache, ...(onChange === undefined ? {} : { onChange }) });
    this.#homeAccountId = grant.homeAccountId;
  }

  /** A valid access token; `fresh` skips the cached one (after Graph said 401). */
  async accessToken(fresh = false): Promise<string> {
    try {
      this.#account ??= await this.#app.getTokenCache().getAccountByHomeId(this.#homeAccountId);
      if (this.#account === null) {
        throw new ProviderError("auth_revoked", "the Microsoft grant holds no account; connect again");
      }
      const result = await this.#app.acquireTokenSilent({
        account: this.#account,
        scopes: GRAPH_SCOPES,
        forceRefresh: fresh,
      });
      return result.accessToken;
    } catch (err) {
      if (err instanceof ProviderError) throw err;
      if (isInteractionRequired(err)) {
        throw new ProviderError(
          "auth_revoked",
          "Microsoft refused the grant (invalid_grant: a revoked or expired refresh token, or withdrawn consent)",
        );
      }
      // Only msal's code and message: its errors never carry the tokens themselves.
      const code = (err as { errorCode?: unknown } | null)?.errorCode;
      throw new ProviderError(
        "unavailable",
        `Microsoft token request failed${typeof code === "string" ? ` (${code})` : ""}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
}
