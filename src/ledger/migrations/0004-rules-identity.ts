// Gives a calendar's availability rules an identity: an id (avr_...) and when they were first set and
// last changed, so GET can answer them as a resource and a change can be told from the rules it replaced.
// Rules stored before this migration get a fresh id, and the migration's own time for both instants:
// nothing recorded when they were set, and "known since" is the one true statement left.
import { type Kysely, sql } from "kysely";
import { newId } from "../ids.js";

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("calendars").addColumn("rules_id", "text").execute();
  await db.schema.alterTable("calendars").addColumn("rules_created_at", "integer").execute();
  await db.schema.alterTable("calendars").addColumn("rules_updated_at", "integer").execute();
  const now = Date.now();
  const withRules = await db
    .selectFrom("calendars")
    .select("id")
    .where("rules_json", "is not", null)
    .execute();
  for (const { id } of withRules as { id: string }[]) {
    await db
      .updateTable("calendars")
      .set({ rules_id: newId("avr"), rules_created_at: now, rules_updated_at: now })
      .where("id", "=", id)
      .execute();
  }
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema types
export async function down(db: Kysely<any>): Promise<void> {
  for (const column of ["rules_updated_at", "rules_created_at", "rules_id"]) {
    await sql`ALTER TABLE calendars DROP COLUMN ${sql.ref(column)}`.execute(db);
  }
}
