// One decision, one transaction: BEGIN IMMEDIATE takes SQLite's write lock up front, so the
// snapshot a decision reads cannot be changed by another process before it commits.
import { type Kysely, sql } from "kysely";
import { holdingConnection } from "./prepared-query.js";
import type { Database } from "./tables.js";

export interface ImmediateOptions {
  /**
   * COMMIT without fsyncing the WAL (synchronous=NORMAL for this one transaction; FULL again after
   * it). Only for a caller that makes the commit durable itself before acknowledging it (wal-flush.ts).
   */
  readonly deferSync?: boolean;
}

/**
 * Runs `work` inside `BEGIN IMMEDIATE ... COMMIT` on one connection, rolling back on any throw.
 * `work` must use the `trx` it is given: using the outer `db` inside would wait for itself.
 */
export async function immediate<T>(
  db: Kysely<Database>,
  work: (trx: Kysely<Database>) => Promise<T>,
  options: ImmediateOptions = {},
): Promise<T> {
  return db.connection().execute(async (conn) => {
    // On the same held connection as the transaction, so no other statement runs in between.
    if (options.deferSync) await sql`PRAGMA synchronous = NORMAL`.execute(conn);
    try {
      await sql`BEGIN IMMEDIATE`.execute(conn);
      try {
        const result = await holdingConnection(db, conn, () => work(conn));
        await sql`COMMIT`.execute(conn);
        return result;
      } catch (err) {
        await sql`ROLLBACK`.execute(conn);
        throw err;
      }
    } finally {
      if (options.deferSync) await sql`PRAGMA synchronous = FULL`.execute(conn);
    }
  });
}
