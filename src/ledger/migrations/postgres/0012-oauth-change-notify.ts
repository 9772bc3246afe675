// PostgreSQL only: the OAuth tables notify too (0010 left them out), so an access token revoked on one
// instance (RFC 7009, or its grant removed) is refused by the others that kept it (access-tokens.ts).
import { type Kysely, sql } from "kysely";

const CACHED = ["oauth_store", "oauth_connections"];

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema types
export async function up(db: Kysely<any>): Promise<void> {
  for (const table of CACHED) {
    await sql`CREATE TRIGGER ${sql.id(`${table}_notify_change`)}
      AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ${sql.table(table)}
      FOR EACH STATEMENT EXECUTE FUNCTION openavail_notify_change()`.execute(db);
  }
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema types
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of CACHED)
    await sql`DROP TRIGGER IF EXISTS ${sql.id(`${table}_notify_change`)} ON ${sql.table(table)}`.execute(db);
}
