// Bookings carry what a meeting needs besides its slot (issue 15, point 7): a description, and
// attendees as objects `{email, name, time_zone}` where they were plain emails. Stored emails become
// such objects here, so every reader meets one shape. And a cancelled or moved booking finds the
// bookings it displaced (to tell their agents the slot is free) through the Preempt decisions that
// name it: a partial index, so the Accept decisions of the hot path pay nothing for it.
import { type Kysely, sql } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("bookings").addColumn("description", "text").execute();
  // In array order (ORDER BY key); an entry that is already an object is kept as it is.
  await sql`UPDATE bookings SET attendees_json = (
      SELECT json_group_array(
        CASE WHEN type = 'text' THEN json_object('email', value, 'name', NULL, 'time_zone', NULL)
        ELSE json(value) END ORDER BY key)
      FROM json_each(bookings.attendees_json))
    WHERE EXISTS (SELECT 1 FROM json_each(bookings.attendees_json) WHERE type = 'text')`.execute(db);
  await sql`CREATE INDEX decisions_preempt_booking ON decisions (booking_id) WHERE verdict = 'Preempt'`.execute(
    db,
  );
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema types
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("decisions_preempt_booking").ifExists().execute();
  await sql`UPDATE bookings SET attendees_json = (
      SELECT json_group_array(json_extract(value, '$.email') ORDER BY key) FROM json_each(bookings.attendees_json))`.execute(
    db,
  );
  await db.schema.alterTable("bookings").dropColumn("description").execute();
}
