// Opens the SQLite ledger: pragmas, kysely, migrations. The one place a database connection is made.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, type Migration, type MigrationProvider, Migrator, SqliteDialect } from "kysely";
import * as initial from "./migrations/0001-initial.js";
import type { Database } from "./tables.js";

/** `full` makes an acknowledged booking survive power loss; `normal` risks the last commits for ~2x throughput. */
export type Synchronous = "full" | "normal";

export interface LedgerOptions {
  /** File path, or ":memory:" for a private in-memory ledger. */
  readonly path: string;
  readonly synchronous?: Synchronous;
  /** How long a writer waits for another process's lock before failing (ms). */
  readonly busyTimeoutMs?: number;
}

export interface Ledger {
  readonly db: Kysely<Database>;
  readonly path: string;
  /** The raw driver, for statements kysely cannot express (pragmas, backups). */
  readonly sqlite: BetterSqlite3.Database;
  close(): Promise<void>;
}

const MIGRATIONS: Record<string, Migration> = {
  "0001-initial": initial,
};

const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};

/** Opens (creating if needed) the ledger at `path` and brings its schema up to date. */
export async function openLedger(options: LedgerOptions): Promise<Ledger> {
  if (options.path !== ":memory:") mkdirSync(dirname(options.path), { recursive: true });
  const sqlite = new BetterSqlite3(options.path);
  sqlite.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 15_000}`);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma(`synchronous = ${options.synchronous === "normal" ? "NORMAL" : "FULL"}`);
  sqlite.pragma("foreign_keys = ON");
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  const { error, results } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
  if (error) {
    await db.destroy();
    const failed = results?.find((r) => r.status === "Error")?.migrationName ?? "unknown";
    throw new Error(
      `could not migrate the ledger at ${options.path} (migration ${failed}): ${String(error)}`,
    );
  }
  return {
    db,
    path: options.path,
    sqlite,
    close: () => db.destroy(),
  };
}
