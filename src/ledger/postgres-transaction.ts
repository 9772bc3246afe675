// One transaction on PostgreSQL: READ COMMITTED, so each statement sees what others committed before
// it, and the locks a decision takes (dialect.ts) make sure what it read cannot change before COMMIT.
// A deadlock between two transactions is broken by the server aborting one; that one runs again.
import { type Kysely, sql } from "kysely";
import { LEDGER_WIDE_LOCK } from "./dialect.js";
import type { UnitOptions } from "./group-commit.js";
import type { Database } from "./tables.js";

/** SQLSTATEs after which the whole transaction may simply run again: deadlock, serialization failure. */
const RETRYABLE = new Set(["40P01", "40001"]);
/** A transaction is run at most this many times; a deadlock every time is a bug, not bad luck. */
const MAX_ATTEMPTS = 5;

export interface PostgresTransactionOptions {
  /**
   * Hold the ledger-wide lock too, so that this transaction runs alone among those that ask for it:
   * what SQLite's BEGIN IMMEDIATE gives every transaction (first-run setup, syncs, sweeps).
   */
  readonly ledgerWide?: boolean;
}

/**
 * Runs `work` in one transaction on a connection of the pool, committing when it returns and rolling
 * back when it throws; run again, from the start, after a deadlock. `work` must use only `trx` and be
 * safe to run again (it is: what it did was rolled back).
 */
export async function postgresTransaction<T>(
  db: Kysely<Database>,
  work: (trx: Kysely<Database>) => Promise<T>,
  options: PostgresTransactionOptions = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(async (trx) => {
        if (options.ledgerWide)
          await sql`SELECT pg_advisory_xact_lock(${sql.lit(LEDGER_WIDE_LOCK)})`.execute(trx);
        return work(trx);
      });
    } catch (err) {
      if (attempt >= MAX_ATTEMPTS || !RETRYABLE.has(sqlState(err))) throw err;
    }
  }
}

/** The SQLSTATE of a pg error, or "". */
export function sqlState(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "";
}

/**
 * The decisions' transactions on PostgreSQL, in the shape of GroupCommit: each unit its own
 * transaction, run at once on a pooled connection. Units of different owners run side by side; units
 * of one owner queue on its lock, inside the server. A COMMIT PostgreSQL acknowledged is durable
 * (synchronous_commit), so there is nothing to wait for afterwards.
 */
export class PostgresCommits {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** `_options`: GroupCommit's hints, moot here (a COMMIT is durable when acknowledged). */
  run<T>(work: (trx: Kysely<Database>) => Promise<T>, _options?: UnitOptions): Promise<T> {
    return postgresTransaction(this.#db, work);
  }

  async durable(): Promise<void> {}
}
