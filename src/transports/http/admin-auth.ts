// Admin tokens for the admin REST surface: `adm_` + 43 base64url characters, stored as a SHA-256 hash
// and a 12-character prefix in `admin_tokens`. Creation lives with the rest of administration in
// src/service/agents-admin.ts (the CLI mints tokens too) and is re-exported here beside verification.
import type { Kysely } from "kysely";
import type { Database } from "../../ledger/tables.js";
import { hashAdminToken } from "../../service/agents-admin.js";
import { OpenavailError } from "../../service/errors.js";
import { bearerToken } from "../rest/agent-auth.js";

export { createAdminToken, hashAdminToken } from "../../service/agents-admin.js";

const TOKEN_PATTERN = /^adm_[A-Za-z0-9_-]{43}$/;

/** The live (unrevoked) token row `raw` stands for, or undefined. */
export async function verifyAdminToken(
  db: Kysely<Database>,
  raw: string,
): Promise<{ id: string; prefix: string } | undefined> {
  if (!TOKEN_PATTERN.test(raw)) return undefined;
  return db
    .selectFrom("admin_tokens")
    .select(["id", "prefix"])
    .where("hash", "=", hashAdminToken(raw))
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

/**
 * Checks `Authorization: Bearer adm_...`. Missing or unknown -> `unauthorized`; an agent key ->
 * `forbidden` (it is a real credential, just not an admin one).
 */
export async function authenticateAdmin(
  db: Kysely<Database>,
  authorization: string | undefined,
): Promise<{ id: string; prefix: string }> {
  const token = bearerToken(authorization);
  if (token === undefined) {
    throw new OpenavailError(
      "unauthorized",
      "Admin routes need Authorization: Bearer adm_... (printed by `openavail serve` on first start).",
    );
  }
  if (token.startsWith("ak_")) {
    throw new OpenavailError(
      "forbidden",
      "Agent keys cannot use the admin routes; send an admin token (adm_...).",
    );
  }
  const row = await verifyAdminToken(db, token);
  if (!row) throw new OpenavailError("unauthorized", "Unknown or revoked admin token.");
  return row;
}
