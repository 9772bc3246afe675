// Decisions (the append-only audit log), notifications for agents, and idempotency records.
import type { Insertable, Kysely } from "kysely";
import { preparedInsert, preparedQuery } from "./prepared-query.js";
import type { Database, DecisionRow, NewDecision, NotificationRow, NotificationsTable } from "./tables.js";

const insertDecisionRow = preparedInsert("decisions", [
  "id",
  "at",
  "agent_id",
  "key_prefix",
  "tool",
  "owner_id",
  "request_json",
  "verdict",
  "reason_code",
  "booking_id",
  "hold_id",
  "alternatives_json",
  "displaced_json",
  "policy_hash",
  "latency_us",
]);

export async function insertDecision(db: Kysely<Database>, row: NewDecision): Promise<void> {
  await insertDecisionRow(db, row);
}

/**
 * The `displaced_json` of every Preempt decision that made or moved `bookingId`, oldest first: what
 * that booking took its slot from. Served by the partial index of migration 0005.
 */
export async function preemptionsBy(db: Kysely<Database>, bookingId: string): Promise<string[]> {
  const rows = await db
    .selectFrom("decisions")
    .select("displaced_json")
    .where("verdict", "=", "Preempt")
    .where("booking_id", "=", bookingId)
    .orderBy("seq")
    .execute();
  return rows.map((r) => r.displaced_json);
}

export interface DecisionFilter {
  readonly ownerId?: string;
  readonly agentId?: string;
  readonly since?: number;
  /** Only decisions before this instant. */
  readonly until?: number;
  readonly verdict?: string;
  readonly reasonCode?: string;
  readonly limit?: number;
  /** Continue after this sequence number. */
  readonly afterSeq?: number;
  /** Continue before this sequence number (paging newest first). */
  readonly beforeSeq?: number;
  /** Newest first instead of append order. */
  readonly newestFirst?: boolean;
}

export async function listDecisions(db: Kysely<Database>, f: DecisionFilter): Promise<DecisionRow[]> {
  let q = db.selectFrom("decisions").selectAll();
  if (f.ownerId) q = q.where("owner_id", "=", f.ownerId);
  if (f.agentId) q = q.where("agent_id", "=", f.agentId);
  if (f.since !== undefined) q = q.where("at", ">=", f.since);
  if (f.until !== undefined) q = q.where("at", "<", f.until);
  if (f.verdict) q = q.where("verdict", "=", f.verdict);
  if (f.reasonCode) q = q.where("reason_code", "=", f.reasonCode);
  if (f.afterSeq !== undefined) q = q.where("seq", ">", f.afterSeq);
  if (f.beforeSeq !== undefined) q = q.where("seq", "<", f.beforeSeq);
  q = q.orderBy("seq", f.newestFirst ? "desc" : "asc");
  if (f.limit !== undefined) q = q.limit(f.limit);
  return q.execute();
}

const insertNotificationRow = preparedInsert("notifications", [
  "id",
  "agent_id",
  "type",
  "payload_json",
  "created_at",
  "delivered_at",
]);

export async function insertNotification(
  db: Kysely<Database>,
  row: Omit<Insertable<NotificationsTable>, "seq">,
): Promise<void> {
  await insertNotificationRow(db, row);
}

const pendingNotifications = preparedQuery<[string, number], NotificationRow>((db, arg) =>
  db
    .selectFrom("notifications")
    .selectAll()
    .where("agent_id", "=", arg(0))
    .where("delivered_at", "is", null)
    .orderBy("seq")
    .limit(arg(1)),
);

/** Undelivered notifications of one agent, oldest first; marks them delivered at `now`. */
export async function takePendingNotifications(
  db: Kysely<Database>,
  agentId: string,
  now: number,
  limit = 100,
): Promise<NotificationRow[]> {
  const rows = await pendingNotifications(db, agentId, limit);
  if (rows.length > 0) {
    await db
      .updateTable("notifications")
      .set({ delivered_at: now })
      .where(
        "id",
        "in",
        rows.map((r) => r.id),
      )
      .execute();
  }
  return rows;
}

const idempotencyRecord = preparedQuery<
  [string, string],
  { fingerprint: string; response_json: string; created_at: number }
>((db, arg) =>
  db
    .selectFrom("idempotency")
    .select(["fingerprint", "response_json", "created_at"])
    .where("agent_id", "=", arg(0))
    .where("key", "=", arg(1)),
);

export async function findIdempotency(
  db: Kysely<Database>,
  agentId: string,
  key: string,
): Promise<{ fingerprint: string; response_json: string; created_at: number } | undefined> {
  return (await idempotencyRecord(db, agentId, key))[0];
}

// A key reused after its record expired, but before pruning removed it, takes the record over.
const upsertIdempotency = preparedQuery<[string, string, string, string, number], never>((db, arg) =>
  db
    .insertInto("idempotency")
    .values({ agent_id: arg(0), key: arg(1), fingerprint: arg(2), response_json: arg(3), created_at: arg(4) })
    .onConflict((oc) =>
      oc.columns(["agent_id", "key"]).doUpdateSet((eb) => ({
        fingerprint: eb.ref("excluded.fingerprint"),
        response_json: eb.ref("excluded.response_json"),
        created_at: eb.ref("excluded.created_at"),
      })),
    ),
);

export async function saveIdempotency(
  db: Kysely<Database>,
  row: { agent_id: string; key: string; fingerprint: string; response_json: string; created_at: number },
): Promise<void> {
  await upsertIdempotency(db, row.agent_id, row.key, row.fingerprint, row.response_json, row.created_at);
}

export async function pruneIdempotency(db: Kysely<Database>, before: number): Promise<number> {
  const res = await db.deleteFrom("idempotency").where("created_at", "<", before).executeTakeFirst();
  return Number(res.numDeletedRows);
}
