// One decision, one transaction: BEGIN IMMEDIATE takes SQLite's write lock up front, so the
// snapshot a decision reads cannot be changed by another process before it commits. On PostgreSQL the
// same promise is a transaction under the ledger-wide advisory lock (postgres-transaction.ts).
import type { Kysely } from "kysely";
import { isPostgres } from "./dialect.js";
import { postgresTransaction } from "./postgres-transaction.js";
import { deferringSync, holdingConnection, runStatement } from "./prepared-query.js";
import type { Database } from "./tables.js";

export interface ImmediateOptions {
  /**
   * COMMIT without fsyncing the WAL (synchronous=NORMAL, until another statement comes: see
   * DriverHandle.deferringSync). Only for a caller that makes the commit durable itself before
   * acknowledging it (wal-flush.ts).
   */
  readonly deferSync?: boolean;
}

/**
 * Runs `work` inside `BEGIN IMMEDIATE ... COMMIT` on one connection, rolling back on any throw.
 * `work` must use the `trx` it is given: using the outer `db` inside would wait for itself. On
 * PostgreSQL, such transactions run one at a time among themselves (not beside decisions, which lock
 * their owner instead), and `deferSync` is moot: a COMMIT there is durable when acknowledged.
 */
export async function immediate<T>(
  db: Kysely<Database>,
  work: (trx: Kysely<Database>) => Promise<T>,
  options: ImmediateOptions = {},
): Promise<T> {
  if (isPostgres(db)) return postgresTransaction(db, work, { ledgerWide: true });
  return db.connection().execute((conn) =>
    // On the same held connection as the transaction, so no other statement runs in between.
    holdingConnection(db, conn, () => {
      const transaction = async () => {
        await runStatement(conn, "BEGIN IMMEDIATE");
        try {
          const result = await work(conn);
          await runStatement(conn, "COMMIT");
          return result;
        } catch (err) {
          await runStatement(conn, "ROLLBACK");
          throw err;
        }
      };
      return options.deferSync ? deferringSync(db, conn, transaction) : transaction();
    }),
  );
}
