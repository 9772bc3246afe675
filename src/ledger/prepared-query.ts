// Queries on a decision's hot path, built and compiled by kysely once per shape instead of on every
// call: building and compiling cost more than SQLite takes to run them (~0.3 ms of a ~0.75 ms
// decision, measured with --cpu-prof). The query is still written with kysely, so it stays portable;
// only its SQL text is reused, with the call's values bound in their places.
import type BetterSqlite3 from "better-sqlite3";
import { CompiledQuery, type Kysely } from "kysely";
import { isPostgres } from "./dialect.js";
import type { Database } from "./tables.js";

/** What kysely's SQLite dialect is given: better-sqlite3, through the ledger's statement cache. */
export interface DriverHandle {
  close(): void;
  prepare(sql: string): BetterSqlite3.Statement;
  /**
   * Runs `work`, a transaction whose commit the caller makes durable itself (wal-flush.ts), with
   * synchronous=NORMAL: its COMMIT writes the WAL without fsyncing it. Any other statement on the
   * connection runs under FULL again.
   */
  deferringSync<T>(work: () => Promise<T>): Promise<T>;
}

/** The driver handle behind each ledger's Kysely (set where the connection is made). */
const ledgerHandles = new WeakMap<Kysely<Database>, DriverHandle>();
/** The driver handle of each transaction's `trx`, for as long as it holds the one connection. */
const heldHandles = new WeakMap<Kysely<Database>, DriverHandle>();

/** Notes the driver handle kysely runs `db`'s queries on, for the transactions `immediate` opens on it. */
export function registerLedgerHandle(db: Kysely<Database>, handle: DriverHandle): void {
  ledgerHandles.set(db, handle);
}

/**
 * Lets prepared queries and `runStatement` on `trx` run straight on the driver while `work` runs:
 * `trx` holds the ledger's only connection (kysely's mutex), so nothing else can run on it
 * meanwhile. Through kysely's executor each query allocated ~3 KB of promises and result objects:
 * a third of a decision's garbage (96 KB, then 64), and so of its young-generation collections.
 * A direct query runs when it is called, a kysely one a few microtasks later: a unit of work must
 * await each write before a query that should see it (they all do).
 */
export async function holdingConnection<T>(
  db: Kysely<Database>,
  trx: Kysely<Database>,
  work: () => Promise<T>,
): Promise<T> {
  const handle = ledgerHandles.get(db);
  if (!handle) return work();
  heldHandles.set(trx, handle);
  try {
    return await work();
  } finally {
    heldHandles.delete(trx);
  }
}

/**
 * Runs `work` (a transaction on `db`) with its COMMIT not fsynced, for a caller that makes it durable
 * itself: through the ledger's handle when it has one, else by switching `synchronous` around it.
 */
export async function deferringSync<T>(
  db: Kysely<Database>,
  trx: Kysely<Database>,
  work: () => Promise<T>,
): Promise<T> {
  const handle = ledgerHandles.get(db);
  if (handle) return handle.deferringSync(work);
  await runStatement(trx, "PRAGMA synchronous = NORMAL");
  try {
    return await work();
  } finally {
    await runStatement(trx, "PRAGMA synchronous = FULL");
  }
}

/**
 * Runs a statement that returns nothing (BEGIN, COMMIT, SAVEPOINT, PRAGMA) on `trx`: straight on the
 * driver while `trx` holds the connection (see `holdingConnection`), else through kysely. A
 * transaction's own statements went through kysely's executor too: ~7 KB of a decision's ~57 KB of
 * garbage for BEGIN and COMMIT alone.
 */
export async function runStatement(trx: Kysely<Database>, text: string): Promise<void> {
  const held = heldHandles.get(trx);
  if (held) held.prepare(text).run();
  else await trx.executeQuery(CompiledQuery.raw(text));
}

/** Stands for argument `index` while the query is compiled the first time. */
class ArgSlot {
  constructor(readonly index: number) {}
}

/** Gives a stand-in for argument `i`, typed to fit any value position of a kysely builder. */
export type Arg = (i: number) => never;

interface Template {
  readonly sql: string;
  /** For each SQL parameter: the argument index it takes, or -1 for a constant compiled in. */
  readonly sources: readonly number[];
  readonly constants: readonly unknown[];
}

/**
 * Compiles `build` once, with stand-ins for its arguments, and afterwards only binds values.
 * `build` must use every argument as a plain value (no arrays of varying length, no argument-driven
 * branches): the SQL text is fixed after the first call. Runs on the `db` or `trx` it is given.
 */
export function preparedQuery<A extends readonly unknown[], R>(
  build: (db: Kysely<Database>, arg: Arg) => { compile(): CompiledQuery<R> },
): (db: Kysely<Database>, ...args: A) => Promise<R[]> {
  let template: Template | undefined;
  // The same query in PostgreSQL's SQL ($1 placeholders), for a process with ledgers on both.
  let postgresTemplate: Template | undefined;
  let toRow: RowBuilder | undefined;
  return async (db, ...args) => {
    const held = heldHandles.get(db);
    let t: Template;
    if (held || !isPostgres(db)) t = template ??= compileTemplate(db, build, args.length);
    else t = postgresTemplate ??= compileTemplate(db, build, args.length);
    const parameters = t.sources.map((source, j) => (source >= 0 ? args[source] : t.constants[j]));
    if (held) {
      // What kysely's SQLite connection does with a compiled query, without the executor around it.
      const stmt = held.prepare(t.sql);
      if (!stmt.reader) {
        stmt.run(parameters);
        return [];
      }
      // The statement is shared with kysely's path, which wants objects: raw only for this call.
      stmt.raw(true);
      try {
        const rows = stmt.all(parameters) as unknown[][];
        if (rows.length === 0) return [];
        // Built for the statement's columns; a `SELECT *` widened by a later migration rebuilds it.
        if (toRow?.width !== rows[0]!.length) toRow = rowBuilder(stmt.columns().map((c) => c.name));
        return rows.map(toRow.build) as R[];
      } finally {
        stmt.raw(false);
      }
    }
    const result = await db.executeQuery<R>(CompiledQuery.raw(t.sql, parameters));
    return result.rows;
  };
}

interface RowBuilder {
  readonly width: number;
  readonly build: (row: unknown[]) => Record<string, unknown>;
}

/**
 * Makes objects keyed by `columns` out of the driver's raw rows (arrays). better-sqlite3 builds a
 * row object by setting one property after another, ~2.4 us a row of 6 columns here; an object
 * literal compiled once per query costs a fraction of that. It matters where a decision reads a
 * whole day: a conflict in the ledger bench reads ~900 rows, and took half the time with this.
 * Later columns of the same name win, as in the driver's own objects. Column names come from the
 * queries and the schema, never from a request, and are quoted as JSON strings.
 */
function rowBuilder(columns: readonly string[]): RowBuilder {
  const fields = columns.map((name, i) => `${JSON.stringify(name)}: row[${i}]`).join(", ");
  let build: RowBuilder["build"];
  try {
    build = new Function("row", `return { ${fields} };`) as RowBuilder["build"];
  } catch {
    // Node started with --disallow-code-generation-from-strings: the same objects, built slower.
    build = (row) => {
      const out: Record<string, unknown> = {};
      columns.forEach((name, i) => {
        out[name] = row[i];
      });
      return out;
    };
  }
  return { width: columns.length, build };
}

function compileTemplate<R>(
  db: Kysely<Database>,
  build: (db: Kysely<Database>, arg: Arg) => { compile(): CompiledQuery<R> },
  arity: number,
): Template {
  const slots = Array.from({ length: arity }, (_, i) => new ArgSlot(i));
  const arg = ((i: number) => slots[i]) as unknown as Arg;
  const compiled = build(db, arg).compile();
  const sources = compiled.parameters.map((p) => (p instanceof ArgSlot ? p.index : -1));
  for (let i = 0; i < arity; i++) {
    if (!sources.includes(i)) throw new Error(`prepared query never uses argument ${i}: ${compiled.sql}`);
  }
  return { sql: compiled.sql, sources, constants: compiled.parameters };
}

/**
 * An INSERT of `columns` into `table`, prepared once; the returned function takes a row and binds
 * its values in column order (missing optional columns as NULL).
 */
export function preparedInsert<T extends keyof Database>(
  table: T,
  columns: readonly (keyof Database[T] & string)[],
): (db: Kysely<Database>, row: Readonly<Record<string, unknown>>) => Promise<void> {
  const query = preparedQuery<unknown[], unknown>((db, arg) =>
    db
      .insertInto(table)
      // biome-ignore lint/suspicious/noExplicitAny: the column list is checked against the table above
      .values(Object.fromEntries(columns.map((c, i) => [c, arg(i)])) as any),
  );
  return async (db, row) => {
    await query(db, ...columns.map((c) => row[c] ?? null));
  };
}
