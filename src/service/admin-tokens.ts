// Admin tokens for the admin REST surface and the console's sign-in: `adm_` + 43 base64url
// characters, stored as a SHA-256 hash and a 12-character prefix in `admin_tokens`.
import { hash, randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import { toInstant } from "../../schemas/time.js";
import { newId } from "../ledger/ids.js";
import type { Database } from "../ledger/tables.js";

const TOKEN_PATTERN = /^adm_[A-Za-z0-9_-]{43}$/;

/** The SHA-256 of a secret, hex: what the ledger keeps of admin tokens, sign-in links and sessions. */
export function hashSecret(raw: string): string {
  return hash("sha256", raw, "hex");
}

/** What `admin_tokens.hash` holds for a raw token. */
export const hashAdminToken = hashSecret;

/**
 * Creates a token for the admin REST surface: `adm_` + 43 base64url characters (32 random bytes).
 * Stored as the SHA-256 hex of the whole token plus its first 12 characters; the raw token is in the
 * result and nowhere else.
 */
export async function createAdminToken(
  db: Kysely<Database>,
  now: number,
): Promise<{ id: string; token: string; prefix: string; created_at: string }> {
  const token = `adm_${randomBytes(32).toString("base64url")}`;
  const id = newId("adm");
  const prefix = token.slice(0, 12);
  await db
    .insertInto("admin_tokens")
    .values({ id, prefix, hash: hashSecret(token), created_at: now, revoked_at: null })
    .execute();
  return { id, token, prefix, created_at: toInstant(now) };
}

/** The live (unrevoked) token row `raw` stands for, or undefined. */
export async function verifyAdminToken(
  db: Kysely<Database>,
  raw: string,
): Promise<{ id: string; prefix: string } | undefined> {
  if (!TOKEN_PATTERN.test(raw)) return undefined;
  return db
    .selectFrom("admin_tokens")
    .select(["id", "prefix"])
    .where("hash", "=", hashSecret(raw))
    .where("revoked_at", "is", null)
    .executeTakeFirst();
}

/** Revokes a token by id; false when there is no live token with that id. */
export async function revokeAdminToken(db: Kysely<Database>, id: string, now: number): Promise<boolean> {
  const res = await db
    .updateTable("admin_tokens")
    .set({ revoked_at: now })
    .where("id", "=", id)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}
