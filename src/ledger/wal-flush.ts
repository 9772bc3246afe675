// Makes committed WAL frames durable without blocking the event loop. With synchronous=FULL, SQLite
// fsyncs the WAL inside COMMIT, and better-sqlite3 is synchronous: every group commit froze the
// event loop for the length of an fsync (0.3-2 ms here), during which no request could be read or
// answered. A group of decisions now commits with synchronous=NORMAL (frames written, not yet
// synced) and is answered only after this flush, an fdatasync of the WAL on libuv's thread pool, has
// returned: an acknowledged decision is on stable storage exactly as under FULL, and the event loop
// stays free. (A lone decision keeps SQLite's own fsync: see group-commit.ts.)
// Checkpoints are unaffected: SQLite syncs the WAL itself before copying frames into the database.
import { type FileHandle, open } from "node:fs/promises";

/** A failed fdatasync of the WAL: what was committed since the last durable write is in doubt. */
export class DurabilityError extends Error {
  constructor(cause: unknown) {
    super(
      "The ledger could not make this decision durable (an fsync of its write-ahead log failed: a full or " +
        "failing disk?). It may or may not have been kept; Openavail refuses bookings and admin changes " +
        "until it is restarted. Retry with the same idempotency key once it is back.",
      { cause },
    );
    this.name = "DurabilityError";
  }
}

export class WalFlush {
  readonly #walPath: string;
  #file: Promise<FileHandle> | null = null;
  /** The fdatasync running now, if any. */
  #running: Promise<void> | null = null;
  /** The next fdatasync, shared by every caller that arrives while one is running. */
  #next: Promise<void> | null = null;
  /** Set by a failed fdatasync: the kernel may have dropped the dirty pages, so nothing is acknowledged again. */
  #failure: DurabilityError | null = null;

  constructor(walPath: string) {
    this.#walPath = walPath;
  }

  /**
   * Resolves once everything written to the WAL before the call is on stable storage. A flush
   * already running may have started before the caller's commit, so callers arriving meanwhile
   * share the one that starts after it.
   */
  flush(): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (!this.#running) return this.#start();
    this.#next ??= this.#running.then(
      () => this.#start(),
      () => Promise.reject(this.#failure),
    );
    return this.#next;
  }

  /** The failed fsync that stopped this ledger's writes, if one has. */
  get failure(): DurabilityError | null {
    return this.#failure;
  }

  /** Waits for flushes under way, then closes the file. */
  async close(): Promise<void> {
    await Promise.allSettled([this.#running, this.#next]);
    const file = this.#file;
    this.#file = null;
    // A file that never opened (the failure already reported) has nothing to close.
    const handle = await file?.catch(() => null);
    await handle?.close();
  }

  #start(): Promise<void> {
    this.#next = null;
    const run = this.#sync();
    this.#running = run;
    void run.then(
      () => {
        if (this.#running === run) this.#running = null;
      },
      () => undefined,
    );
    return run;
  }

  async #sync(): Promise<void> {
    try {
      this.#file ??= open(this.#walPath, "r");
      await (await this.#file).datasync();
    } catch (err) {
      this.#failure = new DurabilityError(err);
      throw this.#failure;
    }
  }
}
