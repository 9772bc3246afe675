// PostgreSQL's twin of migrations/0009-oauth.ts: the authorization server's storage and the owners'
// consents to OAuth clients, with BIGINT epoch ms instants.
import { type Kysely, sql } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema types
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE TABLE oauth_store (
    model TEXT NOT NULL,
    id_hash TEXT NOT NULL,
    payload_json TEXT NOT NULL,
    grant_id TEXT,
    uid TEXT,
    expires_at BIGINT,
    consumed_at BIGINT,
    PRIMARY KEY (model, id_hash)
  )`.execute(db);
  await sql`CREATE INDEX oauth_store_grant ON oauth_store (grant_id) WHERE grant_id IS NOT NULL`.execute(db);
  await sql`CREATE INDEX oauth_store_uid ON oauth_store (uid) WHERE uid IS NOT NULL`.execute(db);
  await sql`CREATE INDEX oauth_store_expiry ON oauth_store (expires_at) WHERE expires_at IS NOT NULL`.execute(
    db,
  );
  await sql`CREATE TABLE oauth_connections (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL UNIQUE,
    client_name TEXT NOT NULL,
    client_uri TEXT,
    agent_id TEXT NOT NULL,
    scopes_json TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
  )`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema types
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("oauth_connections").ifExists().execute();
  await db.schema.dropTable("oauth_store").ifExists().execute();
}
