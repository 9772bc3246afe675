// Marks the holds check_availability places, so a new check by the same agent for the same owner can
// release the one before: looking must never pile up holds.
import { type Kysely, sql } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema types
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE holds ADD COLUMN from_check INTEGER NOT NULL DEFAULT 0`.execute(db);
  await sql`CREATE INDEX holds_agent_checks ON holds (agent_id, owner_id) WHERE from_check = 1 AND status = 'active'`.execute(
    db,
  );
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema types
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("holds_agent_checks").ifExists().execute();
  await sql`ALTER TABLE holds DROP COLUMN from_check`.execute(db);
}
