// Lets the snapshot bound its look-back by the owner's longest live booking or hold instead of a
// fixed day: with these indexes that length is one index seek, and an owner whose meetings last
// half an hour has only half an hour of starts to scan before a range instead of a whole day.
import { type Kysely, sql } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema types
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE INDEX bookings_owner_span_length ON bookings (owner_id, status, (end_ms - start_ms))`.execute(
    db,
  );
  await sql`CREATE INDEX holds_owner_span_length ON holds (owner_id, status, (end_ms - start_ms))`.execute(
    db,
  );
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema types
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("holds_owner_span_length").ifExists().execute();
  await db.schema.dropIndex("bookings_owner_span_length").ifExists().execute();
}
