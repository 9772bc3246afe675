// Bounds the snapshot's look-back by a fixed span instead of each owner's longest live booking or
// hold (busy-time.repository.ts): the span-length indexes of 0003 go, the live indexes gain the end
// so a bounded scan tests overlap without reading rows, and the rare longer rows get partial
// indexes by end and by length, which no shorter row enters. The predicates' literal must be the
// one the queries write (LIVE_SHORT_MS).
// Plain SQL that reads the same on SQLite and PostgreSQL; both ledgers run this module.
import { type Kysely, sql } from "kysely";

const LIVE_SHORT_MS = 4 * 3_600_000;

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema types
export async function up(db: Kysely<any>): Promise<void> {
  for (const table of ["bookings", "holds"]) {
    await sql`DROP INDEX ${sql.id(`${table}_owner_span_length`)}`.execute(db);
    await sql`DROP INDEX ${sql.id(`${table}_owner_live`)}`.execute(db);
    await sql`CREATE INDEX ${sql.id(`${table}_owner_live`)} ON ${sql.table(table)} (owner_id, status, start_ms, end_ms)`.execute(
      db,
    );
    await sql`CREATE INDEX ${sql.id(`${table}_owner_long`)} ON ${sql.table(table)} (owner_id, status, end_ms)
      WHERE end_ms - start_ms > ${sql.lit(LIVE_SHORT_MS)}`.execute(db);
    await sql`CREATE INDEX ${sql.id(`${table}_owner_long_span`)} ON ${sql.table(table)} (owner_id, status, (end_ms - start_ms))
      WHERE end_ms - start_ms > ${sql.lit(LIVE_SHORT_MS)}`.execute(db);
  }
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema types
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ["bookings", "holds"]) {
    await sql`DROP INDEX ${sql.id(`${table}_owner_long_span`)}`.execute(db);
    await sql`DROP INDEX ${sql.id(`${table}_owner_long`)}`.execute(db);
    await sql`DROP INDEX ${sql.id(`${table}_owner_live`)}`.execute(db);
    await sql`CREATE INDEX ${sql.id(`${table}_owner_live`)} ON ${sql.table(table)} (owner_id, status, start_ms)`.execute(
      db,
    );
    await sql`CREATE INDEX ${sql.id(`${table}_owner_span_length`)} ON ${sql.table(table)} (owner_id, status, (end_ms - start_ms))`.execute(
      db,
    );
  }
}
