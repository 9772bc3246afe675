// OAuth for remote MCP clients (DESIGN section 12). oauth_store is the authorization server's
// storage (oidc-provider's adapter): every artefact by model and the SHA-256 of its id, so a token
// read from the database is no token. oauth_connections is the owner's consent to one client: the
// agent its tokens act as, until revoked.
import { type Kysely, sql } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema types
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE TABLE oauth_store (
    model TEXT NOT NULL,
    id_hash TEXT NOT NULL,
    payload_json TEXT NOT NULL,
    grant_id TEXT,
    uid TEXT,
    expires_at INTEGER,
    consumed_at INTEGER,
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
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at INTEGER
  )`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema types
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("oauth_connections").ifExists().execute();
  await db.schema.dropTable("oauth_store").ifExists().execute();
}
