// The authorization server's storage on the ledger: oidc-provider's adapter contract (one instance
// per model: AccessToken, AuthorizationCode, RefreshToken, Grant, Session, Interaction, Client...).
// Rows are keyed by the SHA-256 of each id, and the id is not kept in the row: oidc-provider puts it
// in every payload as `jti` (an opaque token's value is its jti), so it is taken out before writing
// and put back from the id asked for. A Session is also looked up by its uid, without its id: its
// jti is kept sealed. A client's secret (DCR) is sealed too. So a token, code, session or secret read
// out of the database cannot be presented.
import { hash } from "node:crypto";
import type { Kysely } from "kysely";
import type { Database } from "../../ledger/tables.js";
import type { SecretBox } from "../../providers/secret-box.js";

/** What oidc-provider stores for one artefact; it reads back exactly what it wrote. */
export type StoredPayload = Record<string, unknown> & {
  readonly grantId?: string;
  readonly uid?: string;
  readonly userCode?: string;
  consumed?: number;
};

/** oidc-provider's adapter interface, as it calls it. */
export interface OauthAdapter {
  upsert(id: string, payload: StoredPayload, expiresIn?: number): Promise<void>;
  find(id: string): Promise<StoredPayload | undefined>;
  findByUid(uid: string): Promise<StoredPayload | undefined>;
  findByUserCode(userCode: string): Promise<StoredPayload | undefined>;
  consume(id: string): Promise<void>;
  destroy(id: string): Promise<void>;
  revokeByGrantId(grantId: string): Promise<void>;
}

/** The stored form of an id: what every lookup, ours and the provider's, goes by. */
export function oauthIdHash(id: string): string {
  return hash("sha256", id, "hex");
}

/**
 * How long a client that registered itself (DCR) is kept while no owner has approved it: registering
 * is open to anyone (within a per-address limit), and a registration nobody approves is never used.
 * Approval keeps the client for good, revoked or not. A client that returns after its registration
 * lapsed is refused at the authorization step (invalid_client, with what to do: error-page.ts): the
 * MCP SDK registers again only when the token endpoint says so.
 */
export const UNAPPROVED_CLIENT_TTL_MS = 30 * 86_400_000;

/**
 * What a registration leaves that oidc-provider stores without an expiry. A registration access token
 * only reads the registration back (management is off), so it lapses even once its client is approved.
 */
const LAPSING_REGISTRATIONS = new Set(["Client", "RegistrationAccessToken"]);

/** Artefacts that belong to a grant, so revoking the grant removes them (the Grant row itself too). */
const GRANT_MEMBERS = new Set(["AccessToken", "AuthorizationCode", "RefreshToken", "Grant"]);

/**
 * An adapter factory for oidc-provider over `db`. `now` is the app's clock (ms): an expired row is
 * never returned, whatever the provider would make of it.
 */
export function oauthAdapterFactory(
  db: Kysely<Database>,
  now: () => number,
  box: SecretBox,
): (model: string) => OauthAdapter {
  return (model) => {
    const context = `oauth:${model}`;
    /** The payload as stored: no id in it, and what must stay secret sealed. */
    const stored = (payload: StoredPayload): Record<string, unknown> => {
      const { jti, client_secret, ...rest } = payload as StoredPayload & {
        jti?: string;
        client_secret?: string;
      };
      const out: Record<string, unknown> = rest;
      // Remembered, so only payloads that carried their id get it back (a Client's carries none).
      if (typeof jti === "string") out["had_jti"] = true;
      if (model === "Session" && typeof jti === "string") out["sealed_jti"] = box.seal(jti, context);
      if (typeof client_secret === "string") out["sealed_client_secret"] = box.seal(client_secret, context);
      return out;
    };
    const restored = (raw: Record<string, unknown>, id: string | undefined): StoredPayload => {
      const { had_jti, sealed_jti, sealed_client_secret, ...rest } = raw;
      const payload = rest as StoredPayload & { jti?: string; client_secret?: string };
      if (had_jti === true && id !== undefined) payload.jti = id;
      else if (typeof sealed_jti === "string") payload.jti = box.open(sealed_jti, context);
      if (typeof sealed_client_secret === "string")
        payload.client_secret = box.open(sealed_client_secret, context);
      return payload;
    };
    const read = async (
      column: "id_hash" | "uid",
      value: string,
      id: string | undefined,
    ): Promise<StoredPayload | undefined> => {
      const row = await db
        .selectFrom("oauth_store")
        .select(["payload_json", "expires_at", "consumed_at"])
        .where("model", "=", model)
        .where(column, "=", value)
        .executeTakeFirst();
      if (!row || (row.expires_at !== null && row.expires_at <= now())) return undefined;
      const payload = restored(JSON.parse(row.payload_json) as Record<string, unknown>, id);
      if (row.consumed_at !== null) payload.consumed = Math.floor(row.consumed_at / 1000);
      return payload;
    };
    return {
      async upsert(id, payload, expiresIn) {
        const row = {
          model,
          id_hash: oauthIdHash(id),
          payload_json: JSON.stringify(stored(payload)),
          // A Grant's own id is its grant id, so one revocation removes it with its tokens.
          grant_id: model === "Grant" ? id : GRANT_MEMBERS.has(model) ? (payload.grantId ?? null) : null,
          uid: payload.uid ?? null,
          expires_at:
            typeof expiresIn === "number"
              ? now() + expiresIn * 1000
              : LAPSING_REGISTRATIONS.has(model)
                ? now() + UNAPPROVED_CLIENT_TTL_MS
                : null,
          consumed_at: null,
        };
        await db
          .insertInto("oauth_store")
          .values(row)
          .onConflict((oc) =>
            oc.columns(["model", "id_hash"]).doUpdateSet({
              payload_json: row.payload_json,
              grant_id: row.grant_id,
              uid: row.uid,
              expires_at: row.expires_at,
            }),
          )
          .execute();
      },
      find: (id) => read("id_hash", oauthIdHash(id), id),
      findByUid: (uid) => read("uid", uid, undefined),
      // The device flow is off: no artefact carries a user code.
      findByUserCode: async () => undefined,
      async consume(id) {
        await db
          .updateTable("oauth_store")
          .set({ consumed_at: now() })
          .where("model", "=", model)
          .where("id_hash", "=", oauthIdHash(id))
          .execute();
      },
      async destroy(id) {
        await db
          .deleteFrom("oauth_store")
          .where("model", "=", model)
          .where("id_hash", "=", oauthIdHash(id))
          .execute();
      },
      // Called once per model: each call removes only this model's rows of the grant.
      async revokeByGrantId(grantId) {
        await db
          .deleteFrom("oauth_store")
          .where("model", "=", model)
          .where("grant_id", "=", grantId)
          .execute();
      },
    };
  };
}

/** Removes a grant and every code and token issued under it, whatever their model. */
export async function revokeGrant(db: Kysely<Database>, grantId: string): Promise<void> {
  await db.deleteFrom("oauth_store").where("grant_id", "=", grantId).execute();
}

/**
 * Keeps the client `clientId` registered for good: the owner approved it. A client known by its
 * metadata document has no row, and nothing changes.
 */
export async function keepClient(db: Kysely<Database>, clientId: string): Promise<void> {
  await db
    .updateTable("oauth_store")
    .set({ expires_at: null })
    .where("model", "=", "Client")
    .where("id_hash", "=", oauthIdHash(clientId))
    .execute();
}

/** Drops rows past their expiry; the provider never reads them again. */
export async function sweepExpiredOauthRows(db: Kysely<Database>, now: number): Promise<number> {
  const result = await db.deleteFrom("oauth_store").where("expires_at", "<=", now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
