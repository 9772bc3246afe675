// Lets the snapshot find an owner's external events without scanning their whole history: events
// shorter than a week are found by start time (bounded look-back), the few longer ones by this index.
import { type Kysely, sql } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema types
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE INDEX external_events_owner_span_length ON external_events (owner_id, busy, (end_ms - start_ms))`.execute(
    db,
  );
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema types
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("external_events_owner_span_length").ifExists().execute();
}
