// Who may use the admin REST surface: a bearer admin token (adm_..., made in admin-tokens.ts) or the
// console's session cookie with its CSRF token.
import type { Kysely } from "kysely";
import type { Database } from "../../ledger/tables.js";
import { verifyAdminToken } from "../../service/admin-tokens.js";
import { sessionOf } from "../../service/console-sessions.js";
import { OpenavailError } from "../../service/errors.js";
import { bearerToken } from "../rest/agent-auth.js";

export {
  createAdminToken,
  hashAdminToken,
  revokeAdminToken,
  verifyAdminToken,
} from "../../service/admin-tokens.js";

/** Who made an admin request, as the audit trail of admin actions names them. */
export interface AdminActor {
  /** The admin token's prefix (adm_...), or "session:ses_..." for the console. */
  readonly actor: string;
}

export interface AdminCredentials {
  readonly authorization: string | undefined;
  /** The console's session cookie value, if the request carries one. */
  readonly session: string | undefined;
  /** The X-CSRF-Token header, which a console write must carry. */
  readonly csrf: string | undefined;
  readonly method: string;
}

/**
 * An admin request is authorized by a bearer admin token (scripts, the CLI's peers) or by a console
 * session cookie; with the cookie, every method but GET and HEAD must also echo the session's CSRF
 * token in X-CSRF-Token, which another site's form or fetch cannot read or send.
 */
export async function authenticateAdminRequest(
  db: Kysely<Database>,
  creds: AdminCredentials,
  now: number,
): Promise<AdminActor> {
  if (creds.authorization !== undefined || creds.session === undefined) {
    const row = await authenticateAdmin(db, creds.authorization);
    return { actor: row.prefix };
  }
  const session = await sessionOf(db, creds.session, now);
  if (!session) {
    throw new OpenavailError("unauthorized", "Your console session has ended; sign in again.");
  }
  if (creds.method !== "GET" && creds.method !== "HEAD" && creds.csrf !== session.csrfToken) {
    throw new OpenavailError(
      "forbidden",
      "This console request lacks its CSRF token (X-CSRF-Token); reload the console and try again.",
    );
  }
  return { actor: `session:${session.id}` };
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
