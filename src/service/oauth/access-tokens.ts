// An OAuth access token to the Caller it acts as: the agent the owner's consent made for its client
// (connections.ts), with the token's scopes narrowed to what that agent holds. The same arbitration,
// owner scoping, rate limit and audit then apply as to an API key. Looked up by the token's hash.
import type { Kysely } from "kysely";
import { findAgent } from "../../ledger/agents.repository.js";
import { StampedCache } from "../../ledger/change-tracker.js";
import type { AgentRow, Database } from "../../ledger/tables.js";
import { type Caller, lastUseDue } from "../caller.js";
import { OpenavailError } from "../errors.js";
import { oauthIdHash } from "./oauth-store.js";

/** The shape of the opaque access tokens oidc-provider issues here: 256 random bits, base64url. */
const ACCESS_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function looksLikeAccessToken(raw: string): boolean {
  return ACCESS_TOKEN_PATTERN.test(raw);
}

interface TokenPayload {
  readonly aud?: string | readonly string[];
  readonly clientId?: string;
  readonly scope?: string;
}

interface Resolved {
  readonly expiresAt: number;
  readonly audience: readonly string[];
  readonly clientId: string;
  readonly connectionId: string | null;
  /** When the connection's tokens were last used (written at most once a minute), epoch ms. */
  readonly lastUsedAt: number | null;
  readonly revoked: boolean;
  readonly agent: AgentRow | undefined;
  readonly scope: readonly string[];
}

/** Resolved tokens, kept while none of the tables they were read from can have changed. */
export class AccessTokenCache extends StampedCache<Resolved> {
  constructor(changes: ConstructorParameters<typeof StampedCache>[0]) {
    super(changes, ["oauth_store", "oauth_connections", "agents"], 1_000);
  }
}

async function resolve(db: Kysely<Database>, hash: string): Promise<Resolved> {
  const row = await db
    .selectFrom("oauth_store")
    .select(["payload_json", "expires_at"])
    .where("model", "=", "AccessToken")
    .where("id_hash", "=", hash)
    .executeTakeFirst();
  // Unknown tokens are never kept: a guesser cannot fill the cache.
  if (!row) {
    throw new OpenavailError(
      "unauthorized",
      "Unknown or revoked access token; sign in again (your client starts the OAuth flow anew).",
    );
  }
  const payload = JSON.parse(row.payload_json) as TokenPayload;
  const clientId = payload.clientId ?? "";
  const connection = await db
    .selectFrom("oauth_connections")
    .select(["id", "agent_id", "revoked_at", "last_used_at"])
    .where("client_id", "=", clientId)
    .executeTakeFirst();
  const aud = payload.aud ?? [];
  return {
    // The row's expiry is on the app's clock, as `now` is; the payload's exp is on oidc-provider's.
    expiresAt: row.expires_at ?? Number.POSITIVE_INFINITY,
    audience: typeof aud === "string" ? [aud] : aud,
    clientId,
    connectionId: connection?.id ?? null,
    lastUsedAt: connection?.last_used_at ?? null,
    revoked: !connection || connection.revoked_at !== null,
    agent: connection ? await findAgent(db, connection.agent_id) : undefined,
    scope: (payload.scope ?? "").split(" ").filter((s) => s !== ""),
  };
}

/**
 * The Caller an access token acts as, or `unauthorized` saying why not: unknown (never issued, or
 * revoked), expired, or its client's connection revoked or agent disabled.
 */
export async function authenticateAccessToken(
  db: Kysely<Database>,
  raw: string,
  now: number,
  cache: AccessTokenCache | undefined,
  callerOf: (agent: AgentRow, prefix: string) => Caller,
): Promise<Caller> {
  const hash = oauthIdHash(raw);
  const found = cache ? await cache.readThrough(hash, () => resolve(db, hash)) : await resolve(db, hash);
  if (found.expiresAt <= now) {
    throw new OpenavailError("unauthorized", "The access token expired; refresh it or sign in again.");
  }
  if (found.revoked || !found.agent || found.agent.status !== "active" || !found.connectionId) {
    throw new OpenavailError(
      "unauthorized",
      "The owner revoked this client's access; sign in again to ask for it anew.",
    );
  }
  // As for API keys: the write makes the kept entry stale, so the next request reads the new time.
  if (lastUseDue(found.lastUsedAt, now)) {
    await db
      .updateTable("oauth_connections")
      .set({ last_used_at: now })
      .where("id", "=", found.connectionId)
      .execute();
  }
  const base = callerOf(found.agent, `oauth:${found.connectionId}`);
  const granted = new Set(found.scope);
  return {
    ...base,
    scopes: new Set([...base.scopes].filter((s) => granted.has(s))),
    oauth: { clientId: found.clientId, audience: found.audience },
  };
}

/**
 * Refuses a token bound to another resource (RFC 8707): `resourceOf()` is the /mcp URL of the server
 * the request reached, undefined where there is none. API keys carry no audience and pass without
 * it being worked out (a URL parse every request paid for).
 */
export function requireAudience(caller: Caller, resourceOf: () => string | undefined): void {
  if (!caller.oauth) return;
  const resource = resourceOf();
  if (resource === undefined || !caller.oauth.audience.includes(resource)) {
    throw new OpenavailError(
      "unauthorized",
      `This access token was issued for ${caller.oauth.audience.join(", ") || "another server"}, not ${resource ?? "this transport"}; sign in to this server.`,
    );
  }
}
