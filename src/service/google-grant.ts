// Google's side of the provider registry: the OAuth client and endpoints (from the environment, so
// `serve`, `mcp` and `connect` agree), what a Google credential seals (a refresh token or a service
// account key), and the GoogleProvider built from one.
import type { GoogleProvider } from "../providers/google/google-provider.js";
import { ProviderConfigError } from "./provider-config-error.js";

/** Where Google is: endpoint overrides for a proxy or a test fake, and the request timeout. */
export interface GoogleEndpoints {
  /** Calendar API root (googleapis `rootUrl`); default Google's. Tests point it at the fake. */
  readonly rootUrl?: string;
  /** OAuth token endpoint; default Google's. */
  readonly tokenUrl?: string;
  /** OAuth consent page (used by `connect google` only); default Google's. */
  readonly authUrl?: string;
  /** Per-request timeout in ms; default 10 000. */
  readonly timeoutMs?: number;
}

/** The OAuth client Openavail's Google connections were made with, and where Google is. */
export interface GoogleClientConfig extends GoogleEndpoints {
  readonly clientId: string;
  readonly clientSecret: string;
}

/**
 * What a Google credential row grants, as sealed in its `sealed_token` column (no separate column:
 * the schema is unchanged). A refresh-token grant seals the bare refresh token; a service-account
 * grant seals the JSON object `{"type":"service_account","client_email","private_key","subject"}`.
 * Google refresh tokens never start with `{`, so the first character tells the two apart.
 */
export type GoogleGrant =
  | { readonly kind: "refresh_token"; readonly refreshToken: string }
  | {
      readonly kind: "service_account";
      readonly clientEmail: string;
      readonly privateKey: string;
      /** The impersonated user: the owner's email. */
      readonly subject: string;
    };

/** The plaintext a grant is sealed as (see {@link GoogleGrant}). */
export function encodeGoogleGrant(grant: GoogleGrant): string {
  if (grant.kind === "refresh_token") return grant.refreshToken;
  return JSON.stringify({
    type: "service_account",
    client_email: grant.clientEmail,
    private_key: grant.privateKey,
    subject: grant.subject,
  });
}

/** The grant in an opened `sealed_token`; throws on a service-account payload it cannot read. */
export function decodeGoogleGrant(plaintext: string): GoogleGrant {
  if (!plaintext.startsWith("{")) return { kind: "refresh_token", refreshToken: plaintext };
  const data = JSON.parse(plaintext) as Record<string, unknown>;
  const { type, client_email, private_key, subject } = data;
  if (
    type !== "service_account" ||
    typeof client_email !== "string" ||
    typeof private_key !== "string" ||
    typeof subject !== "string"
  ) {
    throw new Error("sealed Google grant is JSON but not a service account grant");
  }
  return { kind: "service_account", clientEmail: client_email, privateKey: private_key, subject };
}

export const GOOGLE_ENV = {
  clientId: "OPENAVAIL_GOOGLE_CLIENT_ID",
  clientSecret: "OPENAVAIL_GOOGLE_CLIENT_SECRET",
  rootUrl: "OPENAVAIL_GOOGLE_API_URL",
  tokenUrl: "OPENAVAIL_GOOGLE_TOKEN_URL",
  authUrl: "OPENAVAIL_GOOGLE_AUTH_URL",
} as const;

/**
 * The Google OAuth client from OPENAVAIL_GOOGLE_CLIENT_ID / OPENAVAIL_GOOGLE_CLIENT_SECRET (explicit
 * values win), with endpoint overrides OPENAVAIL_GOOGLE_API_URL / _TOKEN_URL / _AUTH_URL for a proxy or
 * a test fake. null when no client id and secret are given; throws when only one of them is.
 */
export function googleClientFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  explicit: { clientId?: string | undefined; clientSecret?: string | undefined } = {},
): GoogleClientConfig | null {
  const clientId = (explicit.clientId ?? env[GOOGLE_ENV.clientId])?.trim() || undefined;
  const clientSecret = (explicit.clientSecret ?? env[GOOGLE_ENV.clientSecret])?.trim() || undefined;
  if (clientId === undefined && clientSecret === undefined) return null;
  if (clientId === undefined || clientSecret === undefined) {
    throw new Error(
      `Google OAuth client incomplete: set both ${GOOGLE_ENV.clientId} and ${GOOGLE_ENV.clientSecret} (or --client-id and --client-secret).`,
    );
  }
  return { clientId, clientSecret, ...googleEndpointsFromEnv(env) };
}

/** The endpoint overrides OPENAVAIL_GOOGLE_API_URL / _TOKEN_URL / _AUTH_URL (none set: Google's). */
export function googleEndpointsFromEnv(env: Readonly<Record<string, string | undefined>>): GoogleEndpoints {
  const url = (name: string): string | undefined => env[name]?.trim() || undefined;
  const rootUrl = url(GOOGLE_ENV.rootUrl);
  const tokenUrl = url(GOOGLE_ENV.tokenUrl);
  const authUrl = url(GOOGLE_ENV.authUrl);
  return {
    ...(rootUrl === undefined ? {} : { rootUrl }),
    ...(tokenUrl === undefined ? {} : { tokenUrl }),
    ...(authUrl === undefined ? {} : { authUrl }),
  };
}

/** A GoogleProvider for a grant, against `endpoints` (the OAuth client is needed for refresh tokens). */
export async function googleProviderFor(
  grant: GoogleGrant,
  endpoints: GoogleEndpoints & { readonly clientId?: string; readonly clientSecret?: string },
  now: () => number,
): Promise<GoogleProvider> {
  // Loaded on first use: googleapis costs ~100 ms of start-up that local-only processes never need.
  const { GoogleProvider } = await import("../providers/google/google-provider.js");
  const common = {
    now,
    ...(endpoints.rootUrl === undefined ? {} : { rootUrl: endpoints.rootUrl }),
    ...(endpoints.tokenUrl === undefined ? {} : { tokenUrl: endpoints.tokenUrl }),
    ...(endpoints.timeoutMs === undefined ? {} : { timeoutMs: endpoints.timeoutMs }),
  };
  if (grant.kind === "service_account") {
    const { kind, clientEmail, privateKey, subject } = grant;
    return new GoogleProvider({ ...common, auth: { kind, clientEmail, privateKey, subject } });
  }
  if (endpoints.clientId === undefined || endpoints.clientSecret === undefined) {
    throw new ProviderConfigError("a refresh-token grant needs the Google OAuth client");
  }
  return new GoogleProvider({
    ...common,
    clientId: endpoints.clientId,
    clientSecret: endpoints.clientSecret,
    refreshToken: grant.refreshToken,
  });
}
