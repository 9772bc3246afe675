// Openavail as the OAuth 2.1 authorization server of its own MCP resource (DESIGN section 12), on
// oidc-provider: authorization code with PKCE (S256 only), Client ID Metadata Documents with Dynamic
// Client Registration beside them, RFC 8707 resource indicators binding every access token to this
// server's /mcp, short-lived opaque access tokens, rotating refresh tokens and RFC 7009 revocation.
// Tokens are random strings stored only as hashes (oauth-store.ts); consent is the console's.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Kysely } from "kysely";
import type { Configuration, KoaContextWithOIDC, default as Provider } from "oidc-provider";
import type { Database } from "../../ledger/tables.js";
import type { SecretBox } from "../../providers/secret-box.js";
import { isLoopbackName } from "../../transports/mcp/allowed-origin.js";
import { SCOPES } from "../caller.js";
import { renderOAuthError } from "./error-page.js";
import { oauthAdapterFactory } from "./oauth-store.js";
import { loadServerKeys } from "./server-keys.js";

/** Access tokens live this long (s); clients refresh them with their (rotating) refresh token. */
export const ACCESS_TOKEN_TTL_S = 15 * 60;
const REFRESH_TOKEN_TTL_S = 30 * 24 * 60 * 60;
const GRANT_TTL_S = 365 * 24 * 60 * 60;

/** The scopes a client is told to ask for when it knows nothing: what a scheduling agent needs. */
export const CHALLENGE_SCOPES = ["read_freebusy", "read_events", "create_holds", "create_bookings"] as const;

/**
 * Seconds until `exp`, an expiry oidc-provider stamped on an artefact: on its own clock (the
 * system's), which is why this reads the system clock rather than the app's.
 */
export function secondsLeft(exp: number): number {
  return Math.max(1, exp - Math.floor(Date.now() / 1000));
}

/** Where the console shows the consent for one authorization request. */
export function consentPath(uid: string): string {
  return `/#/oauth/${encodeURIComponent(uid)}`;
}

export const OAUTH_ROUTES = {
  authorization: "/oauth/authorize",
  token: "/oauth/token",
  registration: "/oauth/register",
  revocation: "/oauth/revoke",
  jwks: "/oauth/jwks",
  introspection: "/oauth/introspect",
  userinfo: "/oauth/userinfo",
  end_session: "/oauth/logout",
  pushed_authorization_request: "/oauth/par",
  code_verification: "/oauth/device",
  device_authorization: "/oauth/device/auth",
  backchannel_authentication: "/oauth/backchannel",
  challenge: "/oauth/challenge",
} as const;

export interface AuthorizationServer {
  readonly issuer: string;
  /** The resource (RFC 8707) every token this server issues is bound to: `<issuer>/mcp`. */
  readonly resource: string;
  readonly provider: Provider;
  /** Serves one request for the provider's routes, as Node's http server hands it over. */
  readonly handle: (req: IncomingMessage, res: ServerResponse) => void;
}

export interface AuthorizationServerDeps {
  readonly db: Kysely<Database>;
  readonly secretBox: () => SecretBox;
  readonly now: () => number;
  /** Behind a TLS proxy: trust X-Forwarded-Proto and -For, as the issuer is https there. */
  readonly behindProxy: boolean;
  /** Tests only: client metadata documents on loopback https URLs may be fetched. */
  readonly loopbackClients: boolean;
}

export async function createAuthorizationServer(
  issuer: string,
  deps: AuthorizationServerDeps,
): Promise<AuthorizationServer> {
  const resource = `${issuer}/mcp`;
  // Loaded on the first OAuth request, not at start: a server only API keys use never pays for it.
  const { default: Provider, errors } = await import("oidc-provider");
  const box = deps.secretBox();
  const keys = await loadServerKeys(deps.db, box);
  const configuration: Configuration = {
    adapter: oauthAdapterFactory(deps.db, deps.now, box),
    clients: [],
    clientDefaults: {
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
      // The one key this server holds is ES256 (server-keys.ts); no ID token is issued without openid.
      id_token_signed_response_alg: "ES256",
    },
    clientAuthMethods: ["none", "client_secret_basic", "client_secret_post"],
    cookies: { keys: [...keys.cookieKeys] },
    jwks: { keys: [keys.signingKey] },
    scopes: ["offline_access", ...SCOPES],
    responseTypes: ["code"],
    routes: OAUTH_ROUTES,
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true },
      revocation: { enabled: true },
      userinfo: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      clientIdMetadataDocument: {
        enabled: true,
        ack: "draft-02",
        allowFetch: async (_ctx: KoaContextWithOIDC, clientId: string) =>
          deps.loopbackClients || !isLoopbackName(new URL(clientId).hostname),
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => resource,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: KoaContextWithOIDC, indicator: string) => {
          if (indicator !== resource) {
            throw new errors.InvalidTarget(`this server issues tokens only for ${resource}`);
          }
          return {
            scope: SCOPES.join(" "),
            audience: resource,
            accessTokenTTL: ACCESS_TOKEN_TTL_S,
            accessTokenFormat: "opaque",
          };
        },
      },
    } as Configuration["features"],
    interactions: { url: (_ctx, interaction) => consentPath(interaction.uid) },
    renderError: renderOAuthError,
    // The browser that consents is the owner's: one account, whatever client asks.
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
    // Every code grant of a client allowed to refresh gets a refresh token, rotated on each use;
    // tokens outlive the consent page's browser session.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed("refresh_token"),
    rotateRefreshToken: true,
    expiresWithSession: async () => false,
    ttl: {
      AccessToken: ACCESS_TOKEN_TTL_S,
      AuthorizationCode: 60,
      RefreshToken: REFRESH_TOKEN_TTL_S,
      Grant: GRANT_TTL_S,
      Interaction: 30 * 60,
      Session: 14 * 24 * 60 * 60,
    },
    ...(deps.loopbackClients ? { fetch: loopbackFetch } : {}),
  };
  const provider = new Provider(issuer, configuration);
  provider.proxy = deps.behindProxy;
  return { issuer, resource, provider, handle: provider.callback() };
}

/**
 * Tests only: the provider's fetch refuses loopback addresses (its SSRF guard, a dispatcher on each
 * request); with OPENAVAIL_OAUTH_LOOPBACK_CLIENTS a metadata document on 127.0.0.1 may be read.
 */
function loopbackFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const url = input instanceof Request ? input.url : input;
  const options = { ...init } as RequestInit & { dispatcher?: unknown };
  if (isLoopbackName(new URL(url).hostname)) delete options.dispatcher;
  return fetch(input, options);
}
