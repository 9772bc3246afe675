// Finds the provider adapter of a calendar: nothing for `local`; for `google`, `caldav` and
// `microsoft`, one adapter per stored credential, built from its grant (sealed at rest, opened with
// the owner id as context) and cached until the credential changes. Also where the secret box is
// opened, so `serve`, `mcp` and `connect` agree on it. Adapters load on first use: a local-only
// process never pays for googleapis, tsdav or msal.
import { randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import type { CalendarRow, Database } from "../ledger/tables.js";
import { decodeCalDavGrant } from "../providers/caldav/caldav-grant.js";
import { type CalendarProvider, ProviderError } from "../providers/calendar-provider.js";
import { decodeMicrosoftGrant, encodeMicrosoftGrant } from "../providers/microsoft/microsoft-grant.js";
import { resolveSecretKey, SecretBox } from "../providers/secret-box.js";
import type { ProviderResolver } from "./calendar-sync.js";
import {
  decodeGoogleGrant,
  GOOGLE_ENV,
  type GoogleClientConfig,
  type GoogleEndpoints,
  googleProviderFor,
} from "./google-grant.js";
import { ProviderConfigError } from "./provider-config-error.js";

export * from "./google-grant.js";
export { ProviderConfigError } from "./provider-config-error.js";

/**
 * A resolver that can also forget a credential's cached adapter (after a connect, a reconnect or a
 * revoke), counting each time in `generation`.
 */
export type ProviderRegistry = ProviderResolver & {
  invalidate(credentialId: string): void;
  readonly generation: () => number;
};

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
  readonly provider: CalendarProvider;
}

type RemoteKind = Exclude<CalendarRow["provider"], "local">;
const LABEL: Readonly<Record<RemoteKind, string>> = {
  google: "Google",
  caldav: "CalDAV",
  microsoft: "Microsoft",
};

export function createProviderRegistry(deps: ProviderRegistryDeps): ProviderRegistry {
  const cache = new Map<string, Cached>();
  let box: SecretBox | undefined;
  const secretBox = (): SecretBox => {
    box ??= typeof deps.secretBox === "function" ? deps.secretBox() : deps.secretBox;
    return box;
  };

  /** The adapter for an opened grant of a calendar of `kind`. */
  const build = async (
    kind: RemoteKind,
    calendarId: string,
    credential: { id: string; owner_id: string },
    plaintext: string,
  ): Promise<CalendarProvider> => {
    if (kind === "caldav") {
      const grant = decodeCalDavGrant(plaintext);
      const { CalDavProvider } = await import("../providers/caldav/caldav-provider.js");
      return new CalDavProvider({
        serverUrl: grant.url,
        username: grant.username,
        password: grant.password,
        now: deps.now,
      });
    }
    if (kind === "microsoft") {
      const grant = decodeMicrosoftGrant(plaintext);
      const [{ GraphProvider }, { GraphTokens }] = await Promise.all([
        import("../providers/microsoft/graph-provider.js"),
        import("../providers/microsoft/msal-tokens.js"),
      ]);
      // msal rotates the refresh token: each change to its cache is sealed back into the credential,
      // and the cached adapter is kept (it already holds the new cache).
      const tokens = new GraphTokens(grant, grant, async (tokenCache) => {
        const sealed = secretBox().seal(
          encodeMicrosoftGrant({ ...grant, cache: tokenCache }),
          credential.owner_id,
        );
        await deps.db
          .updateTable("credentials")
          .set({ sealed_token: sealed })
          .where("id", "=", credential.id)
          .where("status", "=", "active")
          .execute();
        const hit = cache.get(credential.id);
        if (hit) cache.set(credential.id, { sealed, provider: hit.provider });
      });
      return new GraphProvider({
        tokens,
        now: deps.now,
        ...(grant.graphUrl === undefined ? {} : { graphUrl: grant.graphUrl }),
      });
    }
    const grant = decodeGoogleGrant(plaintext);
    // An OAuth grant needs the client it was made with; a service account signs its own assertions.
    if (grant.kind === "refresh_token" && deps.google === null) {
      throw new ProviderConfigError(
        `calendar ${calendarId} is a Google calendar, but no Google OAuth client is configured: set ${GOOGLE_ENV.clientId} and ${GOOGLE_ENV.clientSecret} to the client it was connected with.`,
      );
    }
    return googleProviderFor(grant, deps.google ?? deps.googleEndpoints ?? {}, deps.now);
  };

  const resolve = async (calendar: CalendarRow): Promise<CalendarProvider | null> => {
    const kind = calendar.provider;
    if (kind === "local") return null;
    if (!Object.hasOwn(LABEL, kind)) {
      throw new ProviderConfigError(`calendar ${calendar.id} has unknown provider "${String(kind)}"`);
    }
    const label = LABEL[kind];
    const reconnect = () => reconnectHint(deps.db, calendar);
    if (calendar.credential_id === null) {
      throw new ProviderError(
        "auth_revoked",
        `calendar ${calendar.id} has no ${label} credential; ${await reconnect()}`,
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
        `the ${label} credential of calendar ${calendar.id} is ${credential ? "revoked" : "missing"}; ${await reconnect()}`,
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
        `cannot open the ${label} credential ${credential.id}: the secret key (OPENAVAIL_SECRET_KEY or the key file beside the database) is not the one it was sealed with; restore that key, or ${await reconnect()}`,
      );
    }
    let provider: CalendarProvider;
    try {
      provider = await build(kind, calendar.id, credential, plaintext);
    } catch (err) {
      if (err instanceof ProviderConfigError) throw err;
      throw new ProviderConfigError(
        `cannot read the ${label} credential ${credential.id} (${err instanceof Error ? err.message : String(err)}); ${await reconnect()}`,
      );
    }
    cache.set(credential.id, { sealed: credential.sealed_token, provider });
    return provider;
  };

  let generation = 0;
  return Object.assign(resolve, {
    invalidate(credentialId: string): void {
      cache.delete(credentialId);
      generation++;
    },
    generation: () => generation,
  });
}

/** The command that connects this calendar's provider again. */
async function reconnectHint(db: Kysely<Database>, calendar: CalendarRow): Promise<string> {
  const owner = await db
    .selectFrom("owners")
    .select("email")
    .where("id", "=", calendar.owner_id)
    .executeTakeFirst();
  const email = owner?.email ?? "EMAIL";
  if (calendar.provider === "caldav") {
    return `run \`openavail connect caldav --owner ${email} --url URL --username USER\` with a new app password`;
  }
  return `run \`openavail connect ${calendar.provider} --owner ${email}\``;
}
