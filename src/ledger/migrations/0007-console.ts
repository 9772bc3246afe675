// The owner console: sign-in links (one-time, short-lived), sessions (a cookie's hash and its CSRF
// token), and the audit trail of admin actions (who created, changed, disabled or revoked what), which
// the decisions log does not cover because admin actions are not arbitrated.
import { type Kysely, sql } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema types
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE TABLE console_links (
    id TEXT PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
  )`.execute(db);
  await sql`CREATE TABLE console_sessions (
    id TEXT PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    csrf_token TEXT NOT NULL,
    signed_in_with TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    ended_at INTEGER
  )`.execute(db);
  await sql`CREATE TABLE admin_actions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT,
    details_json TEXT NOT NULL
  )`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema types
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("admin_actions").ifExists().execute();
  await db.schema.dropTable("console_sessions").ifExists().execute();
  await db.schema.dropTable("console_links").ifExists().execute();
}
