// One decision, one transaction: BEGIN IMMEDIATE takes SQLite's write lock up front, so the
// snapshot a decision reads cannot be changed by another process before it commits.
import { type Kysely, sql } from "kysely";
import type { Database } from "./tables.js";

/**
 * Runs `work` inside `BEGIN IMMEDIATE ... COMMIT` on one connection, rolling back on any throw.
 * `work` must use the `trx` it is given: using the outer `db` inside would wait for itself.
 */
export async function immediate<T>(
  db: Kysely<Database>,
  work: (trx: Kysely<Database>) => Promise<T>,
): Promise<T> {
  return db.connection().execute(async (conn) => {
    await sql`BEGIN IMMEDIATE`.execute(conn);
    try {
      const result = await work(conn);
      await sql`COMMIT`.execute(conn);
      return result;
    } catch (err) {
      await sql`ROLLBACK`.execute(conn);
      throw err;
    }
  });
}
