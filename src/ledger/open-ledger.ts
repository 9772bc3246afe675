// Opens the ledger: SQLite (pragmas, kysely, migrations) by default, PostgreSQL when given a URL
// (open-postgres.ts). The one place a database connection is made.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import {
  Kysely,
  type Migration,
  type MigrationProvider,
  type MigrationResultSet,
  Migrator,
  SqliteDialect,
  sql,
} from "kysely";
import type pg from "pg";
import { startBackgroundCheckpoint } from "./background-checkpoint.js";
import { type Changes, ChangeTracker } from "./change-tracker.js";
import type { Dialect } from "./dialect.js";
import * as initial from "./migrations/0001-initial.js";
import * as longExternalEvents from "./migrations/0002-long-external-events.js";
import * as liveSpanLength from "./migrations/0003-live-span-length.js";
import * as rulesIdentity from "./migrations/0004-rules-identity.js";
import * as bookingDetails from "./migrations/0005-booking-details.js";
import * as checkHolds from "./migrations/0006-check-holds.js";
import * as consoleTables from "./migrations/0007-console.js";
import * as webhooks from "./migrations/0008-webhooks.js";
import * as oauth from "./migrations/0009-oauth.js";
import * as liveSpanBounds from "./migrations/0010-live-span-bounds.js";
import { openPostgres } from "./open-postgres.js";
import { type DriverHandle, registerLedgerHandle } from "./prepared-query.js";
import type { Database } from "./tables.js";
import { immediate } from "./transaction.js";
import { WalFlush } from "./wal-flush.js";

/** `full` makes an acknowledged booking survive power loss; `normal` risks the last commits for ~2x throughput. */
export type Synchronous = "full" | "normal";

export interface LedgerOptions {
  /** File path, or ":memory:" for a private in-memory ledger. */
  readonly path: string;
  /** A postgres:// URL: the ledger is on that PostgreSQL database, and `path` is not used. */
  readonly databaseUrl?: string | undefined;
  readonly synchronous?: Synchronous;
  /** How long a writer waits for another process's lock before failing (ms). */
  readonly busyTimeoutMs?: number;
  /**
   * Checkpoint the WAL on a worker thread instead of inside the commits that answer requests
   * (`background-checkpoint.ts`). For long-running processes; a short CLI command need not start a thread.
   */
  readonly backgroundCheckpoint?: boolean;
}

export interface Ledger {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  /** The SQLite file, or the PostgreSQL URL without its password. */
  readonly path: string;
  /**
   * SQLite's raw driver, for reads kysely cannot express (pragmas, backups). Never write through
   * it: a write must pass the statement cache, which tracks what changed and restores
   * synchronous=FULL after a group commit flushed off the loop. Reading it on a PostgreSQL ledger
   * throws: use `pool` there.
   */
  readonly sqlite: BetterSqlite3.Database;
  /** PostgreSQL's connection pool, for what kysely cannot express (LISTEN, COPY); null on SQLite. */
  readonly pool: pg.Pool | null;
  /**
   * With synchronous=FULL on a file, the off-event-loop fsync that group commits use instead of
   * SQLite's own at COMMIT (wal-flush.ts); null otherwise.
   */
  readonly walFlush: WalFlush | null;
  /**
   * Whether tables may have changed since a moment, for caches of rarely changed rows: SQLite's
   * data_version and this connection's statements (change-tracker.ts); on PostgreSQL, this process's
   * statements and the other instances' notifications (postgres-changes.ts).
   */
  readonly changes: Changes;
  /** Resolves when the database answers a trivial query (health checks). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

const MIGRATIONS: Record<string, Migration> = {
  "0001-initial": initial,
  "0002-long-external-events": longExternalEvents,
  "0003-live-span-length": liveSpanLength,
  "0004-rules-identity": rulesIdentity,
  "0005-booking-details": bookingDetails,
  "0006-check-holds": checkHolds,
  "0007-console": consoleTables,
  "0008-webhooks": webhooks,
  "0009-oauth": oauth,
  "0010-live-span-bounds": liveSpanBounds,
};

const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};

/** Prepared statements kept per SQL text; a decision runs the same dozen queries every time. */
const STATEMENT_CACHE_SIZE = 256;

/**
 * The driver handle kysely gets: kysely prepares every query it runs, and preparing costs more than
 * running the small queries of a decision, so statements are reused by SQL text (least recently used
 * dropped first). A statement still busy in an iteration is never handed out twice.
 */
function withStatementCache(sqlite: BetterSqlite3.Database, changes: ChangeTracker): DriverHandle {
  const cache = new Map<string, BetterSqlite3.Statement>();
  const prepare = (text: string): BetterSqlite3.Statement => {
    const hit = cache.get(text);
    if (hit && !hit.busy) {
      cache.delete(text);
      cache.set(text, hit);
      return hit;
    }
    const stmt = sqlite.prepare(text);
    if (!hit) {
      cache.set(text, stmt);
      if (cache.size > STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
    }
    return stmt;
  };
  // A group commit flushed off the event loop runs under synchronous=NORMAL (deferringSync). The
  // connection stays so until another statement comes, which switches it back to FULL first: groups
  // in a row under load skip two PRAGMAs each (~30 us), and nothing else ever commits without fsync.
  let relaxed = false;
  // For the whole connection, which the group's transaction holds (kysely's lock) while it is set.
  let deferring = false;
  return {
    close: () => sqlite.close(),
    // kysely prepares each statement right before running it: the moment to note what it changes.
    prepare: (text: string) => {
      // Never inside a transaction (SQLite refuses to): only a failed ROLLBACK could leave one open.
      if (relaxed && !deferring && !sqlite.inTransaction) {
        sqlite.pragma("synchronous = FULL");
        relaxed = false;
      }
      const stmt = prepare(text);
      changes.noteStatement(text, stmt.reader);
      return stmt;
    },
    deferringSync: async (work) => {
      if (!relaxed) {
        sqlite.pragma("synchronous = NORMAL");
        relaxed = true;
      }
      deferring = true;
      try {
        return await work();
      } finally {
        deferring = false;
      }
    },
  };
}

/** Carries a failed migration's result set out of the transaction so that it rolls back. */
class MigrationFailed extends Error {
  constructor(readonly outcome: MigrationResultSet) {
    super("migration failed");
  }
}

/**
 * The ledger holds titles, attendees and sealed provider tokens: only its owner may read it. SQLite
 * creates the -wal and -shm files with the database file's mode, so a database file made 0600 here,
 * before SQLite would make it 0644 under the usual umask, keeps all three private without touching
 * the process umask. An existing file keeps the mode its operator gave it.
 */
function createPrivately(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  // "a" creates without truncating: a file another process made a moment ago is left as it is.
  closeSync(openSync(path, "a", 0o600));
}

/** -wal and -shm files left by a database deleted without them would keep their old, wider mode. */
function tightenSidecars(path: string): void {
  for (const sidecar of [`${path}-wal`, `${path}-shm`]) {
    try {
      chmodSync(sidecar, 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }
}

/**
 * Opens (creating if needed) the ledger at `path`, or on the PostgreSQL database at `databaseUrl`,
 * and brings its schema up to date.
 */
export async function openLedger(options: LedgerOptions): Promise<Ledger> {
  if (options.databaseUrl) return openPostgresLedger(options.databaseUrl);
  return openSqliteLedger(options);
}

async function openPostgresLedger(url: string): Promise<Ledger> {
  const { db, pool, label, changes } = await openPostgres({ url });
  return {
    db,
    dialect: "postgres",
    path: label,
    get sqlite(): never {
      throw new Error(`the ledger is on PostgreSQL (${label}): there is no SQLite connection`);
    },
    pool,
    walFlush: null,
    changes,
    ping: async () => {
      await sql`SELECT 1`.execute(db);
    },
    close: async () => {
      await changes.close();
      await db.destroy();
    },
  };
}

async function openSqliteLedger(options: LedgerOptions): Promise<Ledger> {
  const onDisk = options.path !== ":memory:" && options.path !== "";
  const fresh = onDisk && !existsSync(options.path);
  if (fresh) createPrivately(options.path);
  else if (onDisk) mkdirSync(dirname(options.path), { recursive: true });
  const sqlite = new BetterSqlite3(options.path);
  sqlite.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 15_000}`);
  sqlite.pragma("journal_mode = WAL");
  if (fresh) tightenSidecars(options.path);
  const synchronous = options.synchronous === "normal" ? "NORMAL" : "FULL";
  sqlite.pragma(`synchronous = ${synchronous}`);
  sqlite.pragma("foreign_keys = ON");
  const changes = new ChangeTracker(sqlite);
  const handle = withStatementCache(sqlite, changes);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: handle }) });
  registerLedgerHandle(db, handle);
  // Several processes may open a fresh file at once: migrating inside one BEGIN IMMEDIATE makes the
  // others wait and then find nothing to do, instead of racing to create the same tables.
  let outcome: MigrationResultSet;
  try {
    outcome = await immediate(db, async (trx) => {
      const migrator = new Migrator({ db: trx, provider: migrationProvider, disableTransactions: true });
      const result = await migrator.migrateToLatest();
      if (result.error) throw new MigrationFailed(result);
      return result;
    });
  } catch (err) {
    outcome = err instanceof MigrationFailed ? err.outcome : { error: err };
  }
  const { error, results } = outcome;
  if (error) {
    await db.destroy();
    const failed = results?.find((r) => r.status === "Error")?.migrationName ?? "unknown";
    throw new Error(
      `could not migrate the ledger at ${options.path} (migration ${failed}): ${String(error)}`,
    );
  }
  const checkpoint =
    options.backgroundCheckpoint && options.path !== ":memory:"
      ? startBackgroundCheckpoint(sqlite, options.path, synchronous)
      : null;
  const walFlush =
    synchronous === "FULL" && options.path !== ":memory:" ? new WalFlush(`${options.path}-wal`) : null;
  return {
    db,
    dialect: "sqlite",
    path: options.path,
    sqlite,
    pool: null,
    walFlush,
    changes,
    ping: async () => {
      sqlite.prepare("SELECT 1").get();
    },
    close: async () => {
      await checkpoint?.stop();
      await walFlush?.close();
      await db.destroy();
    },
  };
}
