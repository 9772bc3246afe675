// Finds the provider adapter of a calendar: nothing for `local`, and for `google` one GoogleProvider
// per stored credential, built from its grant (sealed at rest, opened with the owner id as context:
// a refresh token, or a service account key impersonating the owner) and cached until the
// credential changes. Also the one place the Google OAuth client and
// the secret box are read from the environment, so `serve`, `mcp` and `connect` agree on both.
import { randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import type { CalendarRow, Database } from "../ledger/tables.js";
import { type CalendarProvider, ProviderError } from "../providers/calendar-provider.js";
import type { GoogleProvider } from "../providers/google/google-provider.js";
import { resolveSecretKey, SecretBox } from "../providers/secret-box.js";
import type { ProviderResolver } from "./calendar-sync.js";

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

/** A resolver that can also forget a credential's cached adapter (after a reconnect or a revoke). */
export interface ProviderRegistry extends ProviderResolver {
  invalidate(credentialId: string): void;
}

export interface ProviderRegistryDeps {
  readonly db: Kysely<Database>;
  /** The box, or a function giving it on first use (so a local-only setup never creates a key file). */
  readonly secretBox: SecretBox | (() => SecretBox);
  /**
   * null when no Google OAuth client is configured: calendars connected with OAuth then fail with a
   * clear error. Calendars connected with a service account need no OAuth client.
   */
  readonly google: GoogleClientConfig | null;
  /** Where Google is when `google` is null (service-account grants); default Google's. */
  readonly googleEndpoints?: GoogleEndpoints;
  readonly now: () => number;
}

/**
 * A failure of Openavail's own configuration (no Google OAuth client, a secret key that does not open
 * the stored token). Deliberately not a ProviderError: the calendar is not marked needs_reconnect
 * (the grant itself is fine), and a queued write stays queued, retried with backoff, until the
 * operator fixes the configuration.
 */
export class ProviderConfigError extends Error {
  override readonly name = "ProviderConfigError";
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

/** The key file beside the database: `<db>.key` (mode 0600, created on first use). */
export function secretKeyFileFor(dbPath: string): string {
  return `${dbPath}.key`;
}

/**
 * The box provider tokens are sealed with: the key from OPENAVAIL_SECRET_KEY when set, else from the
 * key file beside the database. An in-memory ledger gets a random key (its tokens die with it).
 */
export function openSecretBox(source: { dbPath: string; secretKey?: string | undefined }): SecretBox {
  if (source.dbPath === ":memory:" && !source.secretKey?.trim()) return new SecretBox(randomBytes(32));
  return new SecretBox(
    resolveSecretKey({ envValue: source.secretKey, keyFile: secretKeyFileFor(source.dbPath) }),
  );
}

interface Cached {
  readonly sealed: string;
  readonly provider: GoogleProvider;
}

export function createProviderRegistry(deps: ProviderRegistryDeps): ProviderRegistry {
  const cache = new Map<string, Cached>();
  let box: SecretBox | undefined;
  const secretBox = (): SecretBox => {
    box ??= typeof deps.secretBox === "function" ? deps.secretBox() : deps.secretBox;
    return box;
  };

  const resolve = async (calendar: CalendarRow): Promise<CalendarProvider | null> => {
    if (calendar.provider === "local") return null;
    if (calendar.provider !== "google") {
      throw new ProviderConfigError(
        `calendar ${calendar.id} has unknown provider "${String(calendar.provider)}"`,
      );
    }
    const google = deps.google;
    const noClient = () =>
      new ProviderConfigError(
        `calendar ${calendar.id} is a Google calendar, but no Google OAuth client is configured: set ${GOOGLE_ENV.clientId} and ${GOOGLE_ENV.clientSecret} to the client it was connected with.`,
      );
    const reconnect = () => reconnectHint(deps.db, calendar.owner_id);
    if (calendar.credential_id === null) {
      throw new ProviderError(
        "auth_revoked",
        `calendar ${calendar.id} has no Google credential; ${await reconnect()}`,
      );
    }
    const credential = await deps.db
      .selectFrom("credentials")
      .select(["id", "owner_id", "sealed_token", "status"])
      .where("id", "=", calendar.credential_id)
      .executeTakeFirst();
    if (credential?.status !== "active") {
      cache.delete(calendar.credential_id);
      throw new ProviderError(
        "auth_revoked",
        `the Google credential of calendar ${calendar.id} is ${credential ? "revoked" : "missing"}; ${await reconnect()}`,
      );
    }
    if (credential.owner_id !== calendar.owner_id) {
      throw new ProviderConfigError(
        `calendar ${calendar.id} points at credential ${credential.id} of another owner; ${await reconnect()}`,
      );
    }
    const hit = cache.get(credential.id);
    if (hit && hit.sealed === credential.sealed_token) return hit.provider;
    let opener: SecretBox;
    try {
      opener = secretBox();
    } catch (err) {
      throw new ProviderConfigError(
        `cannot load the secret key for provider tokens: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    let plaintext: string;
    try {
      plaintext = opener.open(credential.sealed_token, credential.owner_id);
    } catch {
      throw new ProviderConfigError(
        `cannot open the Google credential ${credential.id}: the secret key (OPENAVAIL_SECRET_KEY or the key file beside the database) is not the one it was sealed with; restore that key, or ${await reconnect()}`,
      );
    }
    let grant: GoogleGrant;
    try {
      grant = decodeGoogleGrant(plaintext);
    } catch (err) {
      throw new ProviderConfigError(
        `cannot read the Google credential ${credential.id} (${err instanceof Error ? err.message : String(err)}); ${await reconnect()}`,
      );
    }
    // An OAuth grant needs the client it was made with; a service account signs its own assertions.
    if (grant.kind === "refresh_token" && google === null) throw noClient();
    const provider = await googleProviderFor(grant, google ?? deps.googleEndpoints ?? {}, deps.now);
    cache.set(credential.id, { sealed: credential.sealed_token, provider });
    return provider;
  };

  return Object.assign(resolve, {
    invalidate(credentialId: string): void {
      cache.delete(credentialId);
    },
  });
}

async function reconnectHint(db: Kysely<Database>, ownerId: string): Promise<string> {
  const owner = await db.selectFrom("owners").select("email").where("id", "=", ownerId).executeTakeFirst();
  return `run \`openavail connect google --owner ${owner?.email ?? "EMAIL"}\``;
}
