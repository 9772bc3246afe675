// Signing in to the owner console: with an admin token, or with a one-time link (`openavail
// console-link`, also printed on first start). A session is a random cookie value stored only as its
// SHA-256, with a CSRF token that every write must echo in a header; it expires, and signing out ends it.
import { randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import { toInstant } from "../../schemas/time.js";
import { newId } from "../ledger/ids.js";
import type { Database } from "../ledger/tables.js";
import { hashSecret as sha256Hex, verifyAdminToken } from "./admin-tokens.js";
import { OpenavailError } from "./errors.js";

/** How long a sign-in link works, once. */
export const LINK_TTL_MS = 15 * 60_000;
/** How long a session lasts; the console then asks to sign in again. */
export const SESSION_TTL_MS = 12 * 3_600_000;
export const SESSION_COOKIE = "openavail_session";
const LINK_PATTERN = /^cl_[A-Za-z0-9_-]{43}$/;
const SESSION_PATTERN = /^cs_[A-Za-z0-9_-]{43}$/;

export interface ConsoleSession {
  readonly id: string;
  readonly csrfToken: string;
  /** "admin_token:adm_..." or "link:cln_...", the actor the audit trail names. */
  readonly signedInWith: string;
  readonly expiresAt: number;
}

/** A new one-time sign-in link token; only its hash is stored. */
export async function createConsoleLink(
  db: Kysely<Database>,
  now: number,
): Promise<{ token: string; expires_at: string }> {
  const token = `cl_${randomBytes(32).toString("base64url")}`;
  await db
    .insertInto("console_links")
    .values({
      id: newId("cln"),
      hash: sha256Hex(token),
      created_at: now,
      expires_at: now + LINK_TTL_MS,
      used_at: null,
    })
    .execute();
  return { token, expires_at: toInstant(now + LINK_TTL_MS) };
}

/** Starts a session from an admin token or an unused, unexpired link (which is then used up). */
export async function signIn(
  db: Kysely<Database>,
  credential: { admin_token?: string; link?: string },
  now: number,
): Promise<{ cookie: string; session: ConsoleSession }> {
  let signedInWith: string | undefined;
  if (typeof credential.admin_token === "string") {
    const row = await verifyAdminToken(db, credential.admin_token.trim());
    if (row) signedInWith = `admin_token:${row.prefix}`;
  } else if (typeof credential.link === "string" && LINK_PATTERN.test(credential.link)) {
    // One statement claims the link, so two tabs racing with it cannot both sign in.
    const claimed = await db
      .updateTable("console_links")
      .set({ used_at: now })
      .where("hash", "=", sha256Hex(credential.link))
      .where("used_at", "is", null)
      .where("expires_at", ">", now)
      .returning("id")
      .executeTakeFirst();
    if (claimed) signedInWith = `link:${claimed.id}`;
  }
  if (!signedInWith) {
    throw new OpenavailError(
      "unauthorized",
      credential.link !== undefined
        ? "This sign-in link is used up or expired; print a new one with `openavail console-link`."
        : "Unknown or revoked admin token; make one with `openavail admin-token create`.",
    );
  }
  const cookie = `cs_${randomBytes(32).toString("base64url")}`;
  const session: ConsoleSession = {
    id: newId("ses"),
    csrfToken: randomBytes(32).toString("base64url"),
    signedInWith,
    expiresAt: now + SESSION_TTL_MS,
  };
  await db
    .insertInto("console_sessions")
    .values({
      id: session.id,
      hash: sha256Hex(cookie),
      csrf_token: session.csrfToken,
      signed_in_with: signedInWith,
      created_at: now,
      expires_at: session.expiresAt,
      ended_at: null,
    })
    .execute();
  return { cookie, session };
}

/** The live session a cookie value stands for, or undefined (unknown, expired or signed out). */
export async function sessionOf(
  db: Kysely<Database>,
  cookie: string | undefined,
  now: number,
): Promise<ConsoleSession | undefined> {
  if (cookie === undefined || !SESSION_PATTERN.test(cookie)) return undefined;
  const row = await db
    .selectFrom("console_sessions")
    .select(["id", "csrf_token", "signed_in_with", "expires_at"])
    .where("hash", "=", sha256Hex(cookie))
    .where("ended_at", "is", null)
    .where("expires_at", ">", now)
    .executeTakeFirst();
  return (
    row && {
      id: row.id,
      csrfToken: row.csrf_token,
      signedInWith: row.signed_in_with,
      expiresAt: row.expires_at,
    }
  );
}

export async function endSession(db: Kysely<Database>, id: string, now: number): Promise<void> {
  await db.updateTable("console_sessions").set({ ended_at: now }).where("id", "=", id).execute();
}
