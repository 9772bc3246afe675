// Opens the ledger on PostgreSQL (DESIGN.md section 10): a pg pool behind kysely's PostgresDialect,
// and the PostgreSQL migrations. The repositories above are the same as on SQLite.
import { Kysely, type Migration, Migrator, PostgresDialect } from "kysely";
import pg from "pg";
import * as liveSpanBounds from "./migrations/0010-live-span-bounds.js";
import * as initial from "./migrations/postgres/0001-initial.js";
import * as oauth from "./migrations/postgres/0009-oauth.js";
import * as rateLimits from "./migrations/postgres/0009-rate-limits.js";
import * as changeNotify from "./migrations/postgres/0010-change-notify.js";
import * as oauthChangeNotify from "./migrations/postgres/0012-oauth-change-notify.js";
import { PostgresChanges, reportStatements } from "./postgres-changes.js";
import type { Database } from "./tables.js";

const MIGRATIONS: Record<string, Migration> = {
  "0001-initial": initial,
  "0009-oauth": oauth,
  // After 0009-oauth by name; a twin of a later SQLite migration takes that one's name.
  "0009-rate-limits": rateLimits,
  // PostgreSQL's own from here: names need only sort after the ones before (kysely runs them in name
  // order); a twin of a later SQLite migration gets the next free number.
  "0010-change-notify": changeNotify,
  // The same SQL as SQLite's 0010, under the next free number.
  "0011-live-span-bounds": liveSpanBounds,
  "0012-oauth-change-notify": oauthChangeNotify,
};

/** pg's type ids whose text the ledger reads as numbers: int8 (epoch ms, identities, counts). */
const INT8_OID = 20;

/** Connections one process keeps to the server: decisions of different owners run on them at once. */
const DEFAULT_POOL_SIZE = 10;

export interface PostgresLedgerOptions {
  /** postgres://user:password@host:port/database */
  readonly url: string;
  readonly poolSize?: number;
}

export interface PostgresConnection {
  readonly db: Kysely<Database>;
  readonly pool: pg.Pool;
  /** The URL without its password, for messages. */
  readonly label: string;
  /** Which cached tables may have changed, here or in another instance (LISTEN/NOTIFY). */
  readonly changes: PostgresChanges;
}

/**
 * Instants and identities are BIGINT, which pg hands over as strings lest a value pass 2^53; the
 * ledger's never come near (epoch ms reach 2^53 in the year 287,396), so they come back as numbers,
 * as SQLite gives them.
 */
function ledgerTypes(): pg.CustomTypesConfig {
  return {
    getTypeParser: ((oid: number, format?: "text" | "binary") =>
      oid === INT8_OID && format !== "binary"
        ? (text: string) => Number(text)
        : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig["getTypeParser"],
  };
}

/** `url` with its password replaced, safe to print. */
export function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "postgres://(unparsable URL)";
  }
}

/** Connects to the database at `options.url` and brings its schema up to date. */
export async function openPostgres(options: PostgresLedgerOptions): Promise<PostgresConnection> {
  const label = redactedUrl(options.url);
  const types = ledgerTypes();
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? DEFAULT_POOL_SIZE,
    types,
  });
  const changes = new PostgresChanges(options.url, types);
  // Before the first connection is made: every statement this process sends is seen.
  reportStatements(pool, changes);
  // An idle connection the server drops (a restart, a terminated backend) must not end the process:
  // the pool discards it and opens a new one for the next query.
  pool.on("error", () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  // kysely's migrator runs in one transaction under an advisory lock on PostgreSQL, so instances
  // starting together wait for the first one's migration and then find nothing to do.
  const { error, results } = await new Migrator({
    db,
    provider: { getMigrations: async () => MIGRATIONS },
  }).migrateToLatest();
  if (error) {
    await db.destroy();
    const failed = results?.find((r) => r.status === "Error")?.migrationName;
    // No migration ran: the server could not be reached or refused the role.
    throw new Error(
      failed
        ? `could not migrate the ledger at ${label} (migration ${failed}): ${String(error)}`
        : `could not open the ledger at ${label}: ${String(error)}`,
    );
  }
  try {
    await changes.start();
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return { db, pool, label, changes };
}
