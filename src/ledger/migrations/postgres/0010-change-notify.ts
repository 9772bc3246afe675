// PostgreSQL only: a statement trigger on each table whose rows instances keep in caches notifies
// the channel openavail_changes with the table's name at COMMIT (NOTIFY is transactional and
// collapses repeats within one transaction), so every instance's caches drop what changed
// elsewhere (postgres-changes.ts).
import { type Kysely, sql } from "kysely";

const CACHED = ["owners", "calendars", "agents", "api_keys", "notifications", "webhook_subscriptions"];

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema types
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE FUNCTION openavail_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM pg_notify('openavail_changes', TG_TABLE_NAME); RETURN NULL; END $$`.execute(db);
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
  await sql`DROP FUNCTION IF EXISTS openavail_notify_change()`.execute(db);
}
