// PostgreSQL only: each instance's request counts per API key in short buckets, so instances sharing
// the ledger enforce one rate limit per key between them (service/shared-rate-counts.ts). SQLite has
// no such table: there the limit is per process, as documented.
import { type Kysely, sql } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema types
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE TABLE rate_limit_counts (
    key_id TEXT NOT NULL,
    bucket BIGINT NOT NULL,
    instance TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (key_id, bucket, instance)
  )`.execute(db);
  await sql`CREATE INDEX rate_limit_counts_bucket ON rate_limit_counts (bucket)`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema types
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("rate_limit_counts").ifExists().execute();
}
