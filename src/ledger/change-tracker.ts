// Knows whether tables may have changed since a moment, so that what a request reads about its
// caller and its owner (rows that change rarely) can be kept between requests instead of read again:
// four of a booking's ~14 statements, a fifth of a REST booking's CPU.
// A change made through this process's connection is seen in the statement it runs: every statement
// kysely runs is prepared through the ledger's statement cache, which reports it here. A change made
// by any other connection (another process, another ledger on the file) moves SQLite's data_version.
// The answer errs one way only: "may have changed" when in doubt.
// While this connection holds the write lock (BEGIN IMMEDIATE until COMMIT or ROLLBACK) no other
// connection can commit, so data_version is read once per transaction there, not once per cache
// lookup: four of a booking's five reads of it, ~3 us each, and once for a whole group commit.
import type BetterSqlite3 from "better-sqlite3";

/** A moment, for the tables it was taken for; compare with `ChangeTracker.unchangedSince`. */
export interface ChangeStamp {
  readonly dataVersion: number;
  readonly writes: readonly number[];
}

// The table a write statement changes: kysely writes `insert into "t"`, `update "t"`, `delete from "t"`.
const WRITE_TARGET =
  /^\s*(?:insert\s+(?:or\s+\w+\s+)?into|replace\s+into|update(?:\s+or\s+\w+)?|delete\s+from)\s+"?(\w+)"?/i;
// Statements that return no rows and change no table's rows. Not ROLLBACK: it undoes writes, which a
// stamp taken between them and the rollback would otherwise vouch for (those of the transaction a
// noted BEGIN IMMEDIATE began, else of any table).
const CONTROL = /^\s*(?:begin|commit|end|savepoint|release|pragma)\b/i;
// A statement that returns rows may still write: INSERT ... RETURNING, or a WITH in front of a write.
const MAY_WRITE = /\b(?:insert|update|delete|replace)\b/i;

/** How many statement texts' classifications are kept; the statement cache holds 256 statements. */
const CLASSIFIED_LIMIT = 1_024;
const UNATTRIBUTED = Symbol("unattributed");
// Savepoints: a ROLLBACK TO undoes only the writes since its SAVEPOINT, so it changes only their
// tables. Counted as a write to every table it made every later unit of a group that failed one
// unit look at SQLite again, and the mirror refresher's check send each of them round once more.
const SAVEPOINT = Symbol("savepoint");
const RELEASE = Symbol("release");
const ROLLBACK_TO = Symbol("rollback to");
type Classified =
  | string
  | typeof UNATTRIBUTED
  | typeof SAVEPOINT
  | typeof RELEASE
  | typeof ROLLBACK_TO
  | null;
const TAKES_WRITE_LOCK = /^\s*begin\s+immediate\b/i;
/** `ROLLBACK [TRANSACTION] TO name`: undoes the writes since a savepoint, and leaves the transaction open. */
const ROLLS_BACK_TO = /^\s*rollback\s+(?:transaction\s+)?to\b/i;
/** A ROLLBACK, whole or to a savepoint: among the statements that end a transaction, the one that undoes it. */
const ROLLS_BACK = /^\s*rollback\b/i;
// The whole transaction's end; not ROLLBACK TO.
const ENDS_TRANSACTION = /^\s*(?:commit|end|rollback)\b/i;

/** What caches ask of a ledger: whether some tables may have changed since a moment. */
export interface Changes {
  /** The moment now, for `tables`. Take it before reading what it will vouch for. */
  stamp(tables: readonly string[]): ChangeStamp;
  /** True when none of `tables` can have changed since `stamp` (taken for the same tables). */
  unchangedSince(stamp: ChangeStamp, tables: readonly string[]): boolean;
  /**
   * True when no write of this process can have changed `tables` since `stamp`; another process's
   * writes are not looked for. Outside a transaction SQLite's data_version is a statement of its own
   * (a read lock taken and let go, ~20 us of a request under load), so a check that can wait for
   * the decision's transaction asks this first and `unchangedSince` inside it, where it is free.
   */
  unchangedHere(stamp: ChangeStamp, tables: readonly string[]): boolean;
}

export class ChangeTracker implements Changes {
  readonly #sqlite: BetterSqlite3.Database;
  readonly #dataVersion: BetterSqlite3.Statement<[], number>;
  /** True from a BEGIN IMMEDIATE noted to the end of its transaction. */
  #holdingWriteLock = false;
  /** data_version as read while holding the write lock, until the transaction ends. */
  #lockedVersion: number | undefined;
  readonly #writes = new Map<string, number>();
  /** Per statement text: the table it writes, UNATTRIBUTED, a savepoint statement, or null. */
  readonly #classified = new Map<string, Classified>();
  /** Writes whose table could not be told: they count against every table. */
  #unattributed = 0;
  /** What each write since the outermost open savepoint changed, in order. */
  readonly #sinceSavepoint: (string | typeof UNATTRIBUTED)[] = [];
  /** For each open savepoint, innermost last: how many of those writes came before it. */
  readonly #savepoints: number[] = [];
  /**
   * What the transaction begun by the noted BEGIN IMMEDIATE has written. A ROLLBACK of it changes
   * only these: counted against every table, the rollback of a group commit tried whole (one unit
   * failed) made every request queued behind it refresh its provider mirrors and run again.
   */
  readonly #sinceBegin = new Set<string | typeof UNATTRIBUTED>();

  constructor(sqlite: BetterSqlite3.Database) {
    this.#sqlite = sqlite;
    this.#dataVersion = sqlite.prepare<[], number>("PRAGMA data_version").pluck();
  }

  /** Called with every statement about to run on the connection; `reader` if it returns rows. */
  noteStatement(text: string, reader: boolean): void {
    if (!reader) {
      const takes = TAKES_WRITE_LOCK.test(text);
      if (takes || (ENDS_TRANSACTION.test(text) && !ROLLS_BACK_TO.test(text))) {
        const undone =
          !takes && this.#holdingWriteLock && ROLLS_BACK.test(text) ? [...this.#sinceBegin] : null;
        this.#holdingWriteLock = takes;
        this.#lockedVersion = undefined;
        this.#savepoints.length = 0;
        this.#sinceSavepoint.length = 0;
        this.#sinceBegin.clear();
        if (undone) {
          for (const written of undone) this.#count(written);
          return;
        }
      }
    }
    let target = this.#classified.get(text);
    if (target === undefined) {
      target = classify(text, reader);
      if (this.#classified.size >= CLASSIFIED_LIMIT) this.#classified.clear();
      this.#classified.set(text, target);
    }
    if (target === SAVEPOINT) this.#savepoints.push(this.#sinceSavepoint.length);
    else if (target === RELEASE) {
      this.#savepoints.pop();
      if (this.#savepoints.length === 0) this.#sinceSavepoint.length = 0;
    } else if (target === ROLLBACK_TO) {
      const from = this.#savepoints.at(-1);
      if (from === undefined) this.#unattributed++;
      else for (const undone of this.#sinceSavepoint.splice(from)) this.#count(undone);
    } else if (target !== null) {
      this.#count(target);
      if (this.#savepoints.length > 0) this.#sinceSavepoint.push(target);
      if (this.#holdingWriteLock) this.#sinceBegin.add(target);
    }
  }

  #count(target: string | typeof UNATTRIBUTED): void {
    if (target === UNATTRIBUTED) this.#unattributed++;
    else this.#writes.set(target, (this.#writes.get(target) ?? 0) + 1);
  }

  /** The moment now, for `tables`. Take it before reading what it will vouch for. */
  stamp(tables: readonly string[]): ChangeStamp {
    return { dataVersion: this.#currentDataVersion(), writes: this.#counts(tables) };
  }

  /** True when none of `tables` can have changed since `stamp` (taken for the same tables). */
  unchangedSince(stamp: ChangeStamp, tables: readonly string[]): boolean {
    return this.#currentDataVersion() === stamp.dataVersion && this.unchangedHere(stamp, tables);
  }

  unchangedHere(stamp: ChangeStamp, tables: readonly string[]): boolean {
    // Compared in place: every cached read asks this, and two arrays a call were garbage for nothing.
    const { writes } = stamp;
    for (let i = 0; i < tables.length; i++)
      if ((this.#writes.get(tables[i]!) ?? 0) !== writes[i]) return false;
    return this.#unattributed === writes[tables.length];
  }

  #currentDataVersion(): number {
    // A BEGIN IMMEDIATE that failed (busy) was noted all the same, and SQLite may end a transaction
    // on its own (a full disk): the driver says whether one is open.
    if (this.#holdingWriteLock && !this.#sqlite.inTransaction) {
      this.#holdingWriteLock = false;
      this.#lockedVersion = undefined;
    }
    if (!this.#holdingWriteLock) return this.#dataVersion.get()!;
    this.#lockedVersion ??= this.#dataVersion.get()!;
    return this.#lockedVersion;
  }

  #counts(tables: readonly string[]): number[] {
    return [...tables.map((t) => this.#writes.get(t) ?? 0), this.#unattributed];
  }
}

function classify(text: string, reader: boolean): Classified {
  if (/^\s*savepoint\b/i.test(text)) return SAVEPOINT;
  if (/^\s*release\b/i.test(text)) return RELEASE;
  if (ROLLS_BACK_TO.test(text)) return ROLLBACK_TO;
  const table = WRITE_TARGET.exec(text)?.[1];
  if (table) return table;
  const writes = reader ? /^\s*with\b/i.test(text) && MAY_WRITE.test(text) : !CONTROL.test(text);
  return writes ? UNATTRIBUTED : null;
}

/**
 * Values read from `tables`, by key, each served only while none of those tables can have changed
 * since it was read; at most `limit` of them, the oldest dropped first.
 */
export class StampedCache<V> {
  readonly #changes: Changes;
  readonly #tables: readonly string[];
  readonly #limit: number;
  readonly #entries = new Map<string, { stamp: ChangeStamp; value: V }>();

  constructor(changes: Changes, tables: readonly string[], limit: number) {
    this.#changes = changes;
    this.#tables = tables;
    this.#limit = limit;
  }

  /** The value kept for `key`, if it is still current. */
  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (this.#changes.unchangedSince(entry.stamp, this.#tables)) return entry.value;
    this.#entries.delete(key);
    return undefined;
  }

  /**
   * The value kept for `key` if no write of this process can have changed it; whether another
   * process's has is left to the caller, who must ask `get` before relying on it (`unchangedHere`).
   */
  peek(key: string): V | undefined {
    const entry = this.#entries.get(key);
    return entry && this.#changes.unchangedHere(entry.stamp, this.#tables) ? entry.value : undefined;
  }

  /** The moment to keep a value with: take it before reading the value. */
  stamp(): ChangeStamp {
    return this.#changes.stamp(this.#tables);
  }

  set(key: string, stamp: ChangeStamp, value: V): void {
    this.#entries.delete(key);
    if (this.#entries.size >= this.#limit) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(key, { stamp, value });
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  /** The current value for `key`, or what `read` returns, kept; nothing is kept if `read` throws. */
  async readThrough(key: string, read: () => Promise<V>): Promise<V> {
    const kept = this.get(key);
    if (kept !== undefined) return kept;
    const stamp = this.stamp();
    const value = await read();
    this.set(key, stamp, value);
    return value;
  }
}
