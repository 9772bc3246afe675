// The rate limit across instances (DESIGN.md section 6, section 10): every `openavail serve` on one
// PostgreSQL ledger counts its own requests per key, and a few times a second writes its counts to the
// ledger and reads the others'. A key's limit then holds for all instances together, give or take
// what arrived since the last exchange (a quarter of a second); the limiter stays synchronous and off
// the decisions' transactions.
import { randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { Database } from "../ledger/tables.js";
import type { PeerCounts } from "./rate-limiter.js";

/** Counts are kept per bucket of this length; a bucket partly inside the window counts whole. */
const BUCKET_MS = 5_000;

export interface SharedRateCountsOptions {
  /** The limiter's window, ms. */
  readonly windowMs: number;
  /** The clock, epoch ms. */
  readonly now: () => number;
}

export class SharedRateCounts implements PeerCounts {
  /** This process, among the instances writing counts. */
  readonly instance = randomBytes(8).toString("hex");
  readonly #db: Kysely<Database>;
  readonly #windowMs: number;
  readonly #now: () => number;
  /** This instance's counts: key -> bucket start -> requests. */
  readonly #mine = new Map<string, Map<number, number>>();
  /** Keys whose counts changed since the last exchange. */
  readonly #dirty = new Set<string>();
  /** Keys asked about, with when they last were: their counts are read even before one is counted here. */
  readonly #watched = new Map<string, number>();
  /** The other instances' requests in the window, per key, as of the last exchange. */
  #others = new Map<string, number>();

  constructor(db: Kysely<Database>, options: SharedRateCountsOptions) {
    this.#db = db;
    this.#windowMs = options.windowMs;
    this.#now = options.now;
  }

  countFor(keyId: string): number {
    this.#watched.set(keyId, this.#now());
    return this.#others.get(keyId) ?? 0;
  }

  record(keyId: string, count: number): void {
    const bucket = Math.floor(this.#now() / BUCKET_MS) * BUCKET_MS;
    const buckets = this.#mine.get(keyId) ?? new Map<number, number>();
    this.#mine.set(keyId, buckets);
    buckets.set(bucket, (buckets.get(bucket) ?? 0) + count);
    this.#dirty.add(keyId);
  }

  /** Writes this instance's changed counts and reads the others' for every key it has seen lately. */
  async exchange(): Promise<void> {
    const now = this.#now();
    const since = now - this.#windowMs - BUCKET_MS;
    const rows: { key_id: string; bucket: number; instance: string; count: number }[] = [];
    for (const key of this.#dirty) {
      for (const [bucket, count] of this.#mine.get(key) ?? [])
        if (bucket > since) rows.push({ key_id: key, bucket, instance: this.instance, count });
    }
    this.#dirty.clear();
    for (const [key, buckets] of this.#mine) {
      for (const bucket of buckets.keys()) if (bucket <= since) buckets.delete(bucket);
      if (buckets.size === 0) this.#mine.delete(key);
    }
    for (const [key, at] of this.#watched) if (at <= since) this.#watched.delete(key);
    const keys = [...new Set([...this.#mine.keys(), ...this.#watched.keys()])];
    // An idle instance (no key seen in the window) has nothing to tell or to ask.
    if (rows.length === 0 && keys.length === 0) {
      this.#others = new Map();
      return;
    }
    if (rows.length > 0) {
      await this.#db
        .insertInto("rate_limit_counts")
        .values(rows)
        .onConflict((oc) =>
          oc
            .columns(["key_id", "bucket", "instance"])
            .doUpdateSet((eb) => ({ count: eb.ref("excluded.count") })),
        )
        .execute();
    }
    const others = new Map<string, number>();
    if (keys.length > 0) {
      const sums = await this.#db
        .selectFrom("rate_limit_counts")
        .select(["key_id", (eb) => eb.fn.sum<number>("count").as("n")])
        .where("key_id", "in", keys)
        .where("bucket", ">", now - this.#windowMs - BUCKET_MS)
        .where("instance", "<>", this.instance)
        .groupBy("key_id")
        .execute();
      for (const s of sums) others.set(s.key_id, Number(s.n));
    }
    this.#others = others;
    // Rows no window reaches any more; any instance may clear them.
    await this.#db
      .deleteFrom("rate_limit_counts")
      .where("bucket", "<", since - this.#windowMs)
      .execute();
  }
}

/** How often an instance exchanges its counts: what arrives in between may pass the limit. */
const EXCHANGE_EVERY_MS = 250;

export interface RunningRateCounts {
  readonly counts: SharedRateCounts;
  stop(): Promise<void>;
}

/**
 * Shares the counts of `db`'s instances, exchanging them every quarter second until stopped. A failed
 * exchange is logged and the next one tries again: the limiter meanwhile goes by what it last heard.
 */
export function startSharedRateCounts(
  db: Kysely<Database>,
  options: SharedRateCountsOptions & { readonly logger: Logger },
): RunningRateCounts {
  const counts = new SharedRateCounts(db, options);
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(() =>
      counts.exchange().catch((err: unknown) => {
        options.logger.warn(
          { err: err instanceof Error ? err.message : String(err) },
          "rate-limit exchange failed",
        );
      }),
    );
  }, EXCHANGE_EVERY_MS);
  // It must never keep a process alive that has nothing else to do.
  timer.unref();
  return {
    counts,
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
