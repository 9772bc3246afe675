// Group commit: decisions that arrive while a transaction is open share the next one, so with
// synchronous=FULL one fsync covers a group of decisions instead of each paying for its own.
import type { Kysely } from "kysely";
import { runStatement } from "./prepared-query.js";
import type { Database } from "./tables.js";
import { immediate } from "./transaction.js";
import type { WalFlush } from "./wal-flush.js";

/** Bounds how long one group holds SQLite's write lock while other processes wait for it. */
const DEFAULT_MAX_GROUP = 32;
/**
 * After a unit of a group has failed, this many groups put each unit in a savepoint from the start
 * instead of trying the group without them first: where failures are common, at most one group in
 * this many runs twice.
 */
const DEFAULT_CAREFUL_GROUPS = 64;
/**
 * After a group of two or more, this many lone units still flush off the event loop: requests are
 * arriving together, and the next one may already wait in the socket while a lone unit's fsync
 * would hold the loop.
 */
const DEFAULT_COMPANY_MEMORY = 64;

/** What a unit says of itself when queued. */
export interface UnitOptions {
  /**
   * It is not expected to write (a read that may still mark a notification delivered). A group of
   * such units commits with SQLite's own fsync, which a COMMIT that wrote nothing skips, instead of
   * flushing the WAL on the thread pool for nothing.
   */
  readonly readOnly?: boolean;
}

interface Pending {
  readonly work: (trx: Kysely<Database>) => Promise<unknown>;
  readonly readOnly: boolean;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

type Outcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: unknown };

export interface GroupCommitOptions {
  /** Largest number of units in one transaction. */
  readonly maxGroup?: number;
  /**
   * When given, a group of two or more units commits without fsync and its units are answered once
   * this flush has made the WAL durable, off the event loop; the next group may run meanwhile
   * (see wal-flush.ts). A group of one commits with SQLite's own fsync.
   */
  readonly walFlush?: Pick<WalFlush, "flush" | "failure"> | null;
  /** How many lone units after a group of two or more still flush off the loop (default 64). */
  readonly companyMemory?: number;
  /** How many groups after a failed unit put every unit in a savepoint from the start (default 64). */
  readonly carefulGroups?: number;
}

/**
 * Runs units of work as if each had its own `BEGIN IMMEDIATE ... COMMIT`: in arrival order, one at
 * a time, each seeing the writes of those before it, each undone alone when it throws. Units queued
 * while a transaction runs go together into the next one, and none is answered before the COMMIT
 * that makes it durable; if that COMMIT fails, every unit of the group fails with it. A group is
 * tried whole first; if a unit throws, the group is rolled back and run again with a SAVEPOINT per
 * unit, so a unit may run twice and must be safe to (only what it did in the ledger counts). A unit
 * that arrives when nothing is running gets a transaction of its own, so an idle ledger answers as
 * fast as before. Like `immediate`, a unit must use only the `trx` it is given.
 */
export class GroupCommit {
  readonly #db: Kysely<Database>;
  readonly #maxGroup: number;
  readonly #walFlush: Pick<WalFlush, "flush" | "failure"> | null;
  readonly #companyMemory: number;
  readonly #carefulGroups: number;
  #queue: Pending[] = [];
  #running = false;
  /**
   * The flush of the last group committed without fsync, until it settles. Whatever runs meanwhile
   * may have read that group's writes (an idempotent replay, a conflict with them), so it is not
   * answered before they are durable either.
   */
  #pendingFlush: Promise<void> | null = null;
  /** Lone units left to flush off the loop since the last group of two or more. */
  #company = 0;
  /** Groups left to run with a savepoint per unit from the start, since a unit last failed. */
  #careful = 0;

  constructor(db: Kysely<Database>, options: GroupCommitOptions = {}) {
    this.#db = db;
    this.#maxGroup = options.maxGroup ?? DEFAULT_MAX_GROUP;
    this.#walFlush = options.walFlush ?? null;
    this.#companyMemory = options.companyMemory ?? DEFAULT_COMPANY_MEMORY;
    this.#carefulGroups = options.carefulGroups ?? DEFAULT_CAREFUL_GROUPS;
  }

  run<T>(work: (trx: Kysely<Database>) => Promise<T>, options: UnitOptions = {}): Promise<T> {
    // After a failed fsync the kernel may have dropped what was written: nothing runs any more.
    const failure = this.#walFlush?.failure;
    if (failure) return Promise.reject(failure);
    return new Promise<T>((resolve, reject) => {
      const readOnly = options.readOnly ?? false;
      this.#queue.push({ work, readOnly, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#running) {
        this.#running = true;
        void this.#drain();
      }
    });
  }

  async #drain(): Promise<void> {
    try {
      // better-sqlite3 is synchronous, so a transaction runs start to COMMIT in microtasks, and
      // requests whose bytes arrived meanwhile are only read after it. Yielding one macrotask before
      // each group lets every request already readable in this turn of the event loop join it.
      await yieldToIo();
      while (this.#queue.length > 0) {
        await this.#runGroup(this.#queue.splice(0, this.#maxGroup));
        await yieldToIo();
      }
    } finally {
      this.#running = false;
    }
  }

  async #runGroup(group: readonly Pending[]): Promise<void> {
    // Queued before a flush failed: they must not run either, nor read what it left in doubt.
    const failure = this.#walFlush?.failure;
    if (failure) {
      for (const unit of group) unit.reject(failure);
      return;
    }
    const outcomes: Outcome[] = [];
    let committed = true;
    // A unit alone since the last groups waits for its fsync either way: on the thread pool it would
    // only add the hop there and back (p50 1.07 against 0.73 ms for sequential decisions here, p99
    // 4.9 against 2.6). With company, now or lately, the event loop gets the fsync's time for the
    // next requests: at a paced 1,500 bookings/s half the groups were lone units, and their fsyncs
    // on the loop held it for ~0.2 ms each while the next request waited in its socket.
    if (group.length > 1) this.#company = this.#companyMemory;
    else if (this.#company > 0) this.#company--;
    const company = group.length > 1 || this.#company > 0;
    const flush = this.#walFlush && company && !group.every((unit) => unit.readOnly) ? this.#walFlush : null;
    const options = { deferSync: flush !== null };
    try {
      if (group.length === 1) {
        // Alone, a unit's failure rolls back the whole transaction: no savepoint is needed.
        await immediate(
          this.#db,
          async (trx) => {
            outcomes.push({ ok: true, value: await group[0]!.work(trx) });
          },
          options,
        );
      } else if (this.#careful > 0) {
        this.#careful--;
        await immediate(this.#db, (trx) => eachInSavepoint(group, trx, outcomes), options);
      } else if (!(await this.#wholeGroup(group, outcomes, options))) {
        // A unit failed, and nothing of the group was kept: each runs again in a savepoint of its own.
        this.#careful = this.#carefulGroups;
        await immediate(this.#db, (trx) => eachInSavepoint(group, trx, outcomes), options);
      }
    } catch (err) {
      // Nothing of the group was committed: its units all fail, successful or not.
      committed = false;
      outcomes.splice(0, outcomes.length, ...group.map((): Outcome => ({ ok: false, error: err })));
    }
    const answer = () =>
      group.forEach((unit, i) => {
        const outcome = outcomes[i]!;
        if (outcome.ok) unit.resolve(outcome.value);
        else unit.reject(outcome.error);
      });
    // A deferred group waits for its own flush, which starts after its COMMIT and so covers every
    // write before it. A group committed with SQLite's fsync waits for a deferred flush still under
    // way: if it wrote, its own fsync already covered those writes, and if it only read, it may have
    // read them. Failed units wait too: a refusal can rest on writes just as an answer can.
    const durable = flush && committed ? flush.flush() : this.#pendingFlush;
    if (flush && committed && durable) {
      this.#pendingFlush = durable;
      // A failed flush stays pending: whatever runs after it fails with it (a later group, durable()).
      durable.then(
        () => {
          if (this.#pendingFlush === durable) this.#pendingFlush = null;
        },
        () => undefined,
      );
    }
    // Not awaited: the next group runs while this one's flush is on the thread pool.
    if (durable) {
      durable.then(answer, (err: unknown) => {
        for (const unit of group) unit.reject(err);
      });
    } else answer();
  }

  /**
   * Runs a group's units in one transaction without a savepoint each, which cost a REST booking ~11
   * us under load: the two statements, and the pages SQLite copies into its statement journal at a
   * savepoint's first write to each. False, with nothing kept, if a unit threw: undoing that unit
   * alone needs the savepoints, so the caller runs the group again with them. A unit is safe to run
   * again, as after a PostgreSQL deadlock: what it did was rolled back.
   */
  async #wholeGroup(
    group: readonly Pending[],
    outcomes: Outcome[],
    options: { readonly deferSync: boolean },
  ): Promise<boolean> {
    let unitFailed = false;
    try {
      await immediate(
        this.#db,
        async (trx) => {
          for (const unit of group) {
            try {
              outcomes.push({ ok: true, value: await unit.work(trx) });
            } catch (error) {
              unitFailed = true;
              throw error;
            }
          }
        },
        options,
      );
      return true;
    } catch (err) {
      // BEGIN or COMMIT failed: the group fails as a whole, as with savepoints.
      if (!unitFailed) throw err;
      outcomes.length = 0;
      return false;
    }
  }

  /** Resolves once every commit made so far is durable: before acting on them outside the ledger. */
  async durable(): Promise<void> {
    await this.#pendingFlush;
  }
}

/** Runs each unit of `group` in a savepoint of its own, so that one that throws is undone alone. */
async function eachInSavepoint(
  group: readonly Pending[],
  trx: Kysely<Database>,
  outcomes: Outcome[],
): Promise<void> {
  for (const unit of group) {
    await runStatement(trx, "SAVEPOINT decision");
    try {
      const value = await unit.work(trx);
      await runStatement(trx, "RELEASE decision");
      outcomes.push({ ok: true, value });
    } catch (error) {
      await runStatement(trx, "ROLLBACK TO decision");
      await runStatement(trx, "RELEASE decision");
      outcomes.push({ ok: false, error });
    }
  }
}

function yieldToIo(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
