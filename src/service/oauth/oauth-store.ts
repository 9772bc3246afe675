// The authorization server's storage on the ledger: oidc-provider's adapter contract (one instance
// per model: AccessToken, AuthorizationCode, RefreshToken, Grant, Session, Interaction, Client...).
// Rows are keyed by the SHA-256 of each id, so a token, code or session id read out of the database
// cannot be presented; only whoever holds the id can find its row.
import { createHash } from "node:crypto";
import type { Kysely } from "kysely";
import type { Database } from "../../ledger/tables.js";

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
  return createHash("sha256").update(id).digest("hex");
}

/** Artefacts that belong to a grant, so revoking the grant removes them (the Grant row itself too). */
const GRANT_MEMBERS = new Set(["AccessToken", "AuthorizationCode", "RefreshToken", "Grant"]);

/**
 * An adapter factory for oidc-provider over `db`. `now` is the app's clock (ms): an expired row is
 * never returned, whatever the provider would make of it.
 */
export function oauthAdapterFactory(
  db: Kysely<Database>,
  now: () => number,
): (model: string) => OauthAdapter {
  return (model) => {
    const read = async (column: "id_hash" | "uid", value: string): Promise<StoredPayload | undefined> => {
      const row = await db
        .selectFrom("oauth_store")
        .select(["payload_json", "expires_at", "consumed_at"])
        .where("model", "=", model)
        .where(column, "=", value)
        .executeTakeFirst();
      if (!row || (row.expires_at !== null && row.expires_at <= now())) return undefined;
      const payload = JSON.parse(row.payload_json) as StoredPayload;
      if (row.consumed_at !== null) payload.consumed = Math.floor(row.consumed_at / 1000);
      return payload;
    };
    return {
      async upsert(id, payload, expiresIn) {
        const row = {
          model,
          id_hash: oauthIdHash(id),
          payload_json: JSON.stringify(payload),
          // A Grant's own id is its grant id, so one revocation removes it with its tokens.
          grant_id: model === "Grant" ? id : GRANT_MEMBERS.has(model) ? (payload.grantId ?? null) : null,
          uid: payload.uid ?? null,
          expires_at: typeof expiresIn === "number" ? now() + expiresIn * 1000 : null,
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
      find: (id) => read("id_hash", oauthIdHash(id)),
      findByUid: (uid) => read("uid", uid),
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

/** Drops rows past their expiry; the provider never reads them again. */
export async function sweepExpiredOauthRows(db: Kysely<Database>, now: number): Promise<number> {
  const result = await db.deleteFrom("oauth_store").where("expires_at", "<=", now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
