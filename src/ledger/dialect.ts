// What differs between the ledger's two databases at the places a query cannot hide it: which one a
// `db` or `trx` runs on, and the locks PostgreSQL needs where SQLite's one writer makes them moot.
import { type Kysely, PostgresAdapter, sql } from "kysely";
import type { Database } from "./tables.js";

export type Dialect = "sqlite" | "postgres";

/** True when `db` (a ledger's Kysely or a transaction of it) runs on PostgreSQL. */
export function isPostgres(db: Kysely<Database>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

// Advisory lock classes (the first key of the two-key form), so an owner's lock never shares a key
// with an idempotency key's.
const OWNER_LOCK = 1;
const IDEMPOTENCY_LOCK = 2;
/** The one-key form: the lock `immediate` serialises its transactions with (transaction.ts). */
export const LEDGER_WIDE_LOCK = 7_420_001;

/**
 * Serialises the decisions of one owner until the transaction ends. SQLite's BEGIN IMMEDIATE already
 * serialises every writer; on PostgreSQL transactions run side by side, and without this two of them
 * could read the same snapshot and both book the same slot. Other owners' decisions are not held up.
 */
export async function lockOwner(trx: Kysely<Database>, ownerId: string): Promise<void> {
  if (!isPostgres(trx)) return;
  await sql`SELECT pg_advisory_xact_lock(${sql.lit(OWNER_LOCK)}, hashtext(${ownerId}))`.execute(trx);
}

/**
 * Serialises the calls that carry one agent's idempotency key: the second waits for the first to
 * commit and then finds its stored answer, instead of both running the operation. Taken before any
 * owner's lock, always, so the two never wait on each other in opposite orders.
 */
export async function lockIdempotencyKey(trx: Kysely<Database>, agentId: string, key: string): Promise<void> {
  if (!isPostgres(trx)) return;
  await sql`SELECT pg_advisory_xact_lock(${sql.lit(IDEMPOTENCY_LOCK)}, hashtext(${`${agentId}\n${key}`}))`.execute(
    trx,
  );
}

const SYNC_CLAIM = 3;
/**
 * Claims held at once per ledger: each keeps a pooled connection while its work needs others, so
 * claims must never take the whole pool (10 connections) or they would wait on each other for ever.
 */
const MAX_CLAIMS = 4;
const claimSlots = new WeakMap<Kysely<Database>, { held: number; waiting: (() => void)[] }>();

async function withClaimSlot<T>(db: Kysely<Database>, work: () => Promise<T>): Promise<T> {
  const s = claimSlots.get(db) ?? { held: 0, waiting: [] };
  claimSlots.set(db, s);
  if (s.held >= MAX_CLAIMS) await new Promise<void>((resolve) => s.waiting.push(resolve));
  else s.held++;
  try {
    return await work();
  } finally {
    // The slot passes straight to the next waiter, if any.
    const next = s.waiting.shift();
    if (next) next();
    else s.held--;
  }
}

/**
 * Runs `work` unless another process is already doing the same: on PostgreSQL, while holding a
 * session advisory lock on `id` (released after `work`, or when the connection dies with its
 * process); when another instance holds it, resolves null at once. `work` may take long and reach the
 * network, so no transaction is held open for it: one connection of the pool is. On SQLite (one
 * machine) `work` simply runs.
 */
export async function unlessClaimed<T>(
  db: Kysely<Database>,
  id: string,
  work: () => Promise<T>,
): Promise<T | null> {
  if (!isPostgres(db)) return work();
  return withClaimSlot(db, () => claimOn(db, id, work));
}

async function claimOn<T>(db: Kysely<Database>, id: string, work: () => Promise<T>): Promise<T | null> {
  return db.connection().execute(async (conn) => {
    const { rows } = await sql<{
      got: boolean;
    }>`SELECT pg_try_advisory_lock(${sql.lit(SYNC_CLAIM)}, hashtext(${id})) AS got`.execute(conn);
    if (!rows[0]?.got) return null;
    try {
      return await work();
    } finally {
      await sql`SELECT pg_advisory_unlock(${sql.lit(SYNC_CLAIM)}, hashtext(${id}))`.execute(conn);
    }
  });
}
