// The outbox: provider writes owed for committed bookings, drained by the outbox worker.
import type { Kysely } from "kysely";
import { isPostgres } from "./dialect.js";
import type { Database, OutboxTable } from "./tables.js";

export type OutboxRow = Omit<OutboxTable, "seq"> & { seq: number };

/** Queues a provider write; called inside the decision's transaction so it commits with the booking. */
export async function enqueueOutbox(
  db: Kysely<Database>,
  entry: { booking_id: string; calendar_id: string; op: "upsert" | "cancel"; now: number },
): Promise<void> {
  await db
    .insertInto("outbox")
    .values({
      booking_id: entry.booking_id,
      calendar_id: entry.calendar_id,
      op: entry.op,
      attempts: 0,
      next_attempt_at: entry.now,
      last_error: null,
      created_at: entry.now,
      done_at: null,
    })
    .execute();
}

/** Entries due at `now`, oldest first. */
export async function dueOutbox(db: Kysely<Database>, now: number, limit: number): Promise<OutboxRow[]> {
  return db
    .selectFrom("outbox")
    .selectAll()
    .where("done_at", "is", null)
    .where("next_attempt_at", "<=", now)
    .orderBy("seq")
    .limit(limit)
    .execute();
}

export async function completeOutbox(db: Kysely<Database>, seq: number, now: number): Promise<void> {
  await db.updateTable("outbox").set({ done_at: now, last_error: null }).where("seq", "=", seq).execute();
}

export async function retryOutbox(
  db: Kysely<Database>,
  seq: number,
  attempts: number,
  nextAttemptAt: number,
  error: string,
): Promise<void> {
  await db
    .updateTable("outbox")
    .set({ attempts, next_attempt_at: nextAttemptAt, last_error: error.slice(0, 500) })
    .where("seq", "=", seq)
    .execute();
}

/** Newer entries for the same booking supersede older ones still pending (a cancel after an upsert). */
export async function supersededOutbox(db: Kysely<Database>, row: OutboxRow): Promise<boolean> {
  const newer = await db
    .selectFrom("outbox")
    .select("seq")
    .where("booking_id", "=", row.booking_id)
    .where("seq", ">", row.seq)
    .executeTakeFirst();
  return newer !== undefined;
}

/** Closes an entry the provider refused for good, keeping the reason for `openavail` to show. */
export async function abandonOutbox(
  db: Kysely<Database>,
  seq: number,
  now: number,
  error: string,
): Promise<void> {
  await db
    .updateTable("outbox")
    .set({ done_at: now, last_error: `abandoned: ${error}`.slice(0, 500) })
    .where("seq", "=", seq)
    .execute();
}

/**
 * Takes a due entry for this worker until `leaseUntil`: true when this call moved its next attempt
 * from due to the lease, false when another worker (another process on the same database) took it.
 * A worker that dies mid-write leaves the entry to be retried once the lease runs out.
 */
export async function claimOutbox(
  db: Kysely<Database>,
  seq: number,
  now: number,
  leaseUntil: number,
): Promise<boolean> {
  let claim = db.updateTable("outbox").set({ next_attempt_at: leaseUntil });
  // On PostgreSQL the row is taken only if no other instance is taking it right now (SKIP LOCKED):
  // the loser moves on at once instead of waiting to find it leased.
  if (isPostgres(db))
    claim = claim.where("seq", "in", (eb) =>
      eb.selectFrom("outbox").select("seq").where("seq", "=", seq).forUpdate().skipLocked(),
    );
  const res = await claim
    .where("seq", "=", seq)
    .where("done_at", "is", null)
    .where("next_attempt_at", "<=", now)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** True while a provider write of the booking is queued and not yet done. */
export async function hasPendingOutbox(db: Kysely<Database>, bookingId: string): Promise<boolean> {
  const row = await db
    .selectFrom("outbox")
    .select("seq")
    .where("booking_id", "=", bookingId)
    .where("done_at", "is", null)
    .executeTakeFirst();
  return row !== undefined;
}

/** Makes every pending entry of these calendars due now (after a reconnect, backoff is moot). */
export async function retryOutboxNow(
  db: Kysely<Database>,
  calendarIds: readonly string[],
  now: number,
): Promise<void> {
  if (calendarIds.length === 0) return;
  await db
    .updateTable("outbox")
    .set({ next_attempt_at: now })
    .where("calendar_id", "in", [...calendarIds])
    .where("done_at", "is", null)
    .execute();
}

/** Pending entries, oldest first (for status displays and tests). */
export async function pendingOutbox(db: Kysely<Database>, limit = 100): Promise<OutboxRow[]> {
  return db
    .selectFrom("outbox")
    .selectAll()
    .where("done_at", "is", null)
    .orderBy("seq")
    .limit(limit)
    .execute();
}
