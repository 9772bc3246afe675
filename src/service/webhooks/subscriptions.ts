// Webhook subscriptions: an agent's own (it receives the events about its bookings and holds), or
// organisation-wide ones an admin makes (agent_id null: every event). The signing secret (`whsec_`,
// Standard Webhooks) is shown once and sealed at rest; a rotation keeps the previous secret signing
// for 24 hours so receivers can switch without dropping a message.
import { randomBytes } from "node:crypto";
import type { Kysely, Selectable } from "kysely";
import { z } from "zod";
import { toInstant } from "../../../schemas/time.js";
import { newId } from "../../ledger/ids.js";
import type { Database, WebhookDeliveriesTable, WebhookSubscriptionsTable } from "../../ledger/tables.js";
import type { SecretBox } from "../../providers/secret-box.js";
import { badRequestFrom, OpenavailError } from "../errors.js";
import { requireWellFormedText } from "../well-formed-text.js";
import { checkWebhookUrl } from "./safe-target.js";

export const WEBHOOK_EVENT_TYPES = [
  "booking.created",
  "booking.rescheduled",
  "booking.cancelled",
  "booking.preempted",
  "booking.moved",
  "hold.created",
  "hold.expired",
  "hold.preempted",
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** How long the secret before a rotation keeps signing. */
export const ROTATION_GRACE_MS = 24 * 3_600_000;

export const NewSubscription = z
  .object({
    url: z.string().max(2000).describe("Where to POST events: https, public."),
    event_types: z
      .array(z.enum(WEBHOOK_EVENT_TYPES))
      .min(1)
      .max(WEBHOOK_EVENT_TYPES.length)
      .default([...WEBHOOK_EVENT_TYPES])
      .describe("The events wanted (default: all)."),
  })
  .strict();

/** Who is asking: an agent (only its own subscriptions) or an admin (`null` agent: any). */
export interface SubscriptionOwner {
  readonly agentId: string | null;
  readonly admin: boolean;
}

export interface WebhookDeps {
  readonly db: Kysely<Database>;
  readonly secretBox: () => SecretBox;
  readonly now: number;
  readonly allowPrivate: boolean;
}

export interface SubscriptionView {
  readonly webhook_id: string;
  readonly agent_id: string | null;
  readonly url: string;
  readonly event_types: readonly string[];
  readonly status: "active" | "disabled";
  readonly disabled_reason: string | null;
  readonly failing_since: string | null;
  readonly previous_secret_valid_until: string | null;
  readonly created_at: string;
}

export function presentSubscription(row: WebhookSubscriptionsTable): SubscriptionView {
  return {
    webhook_id: row.id,
    agent_id: row.agent_id,
    url: row.url,
    event_types: JSON.parse(row.event_types_json) as string[],
    status: row.status,
    disabled_reason: row.disabled_reason,
    failing_since: row.failing_since === null ? null : toInstant(row.failing_since),
    previous_secret_valid_until:
      row.previous_valid_until === null ? null : toInstant(row.previous_valid_until),
    created_at: toInstant(row.created_at),
  };
}

function newSecret(): string {
  return `whsec_${randomBytes(24).toString("base64")}`;
}

export async function createSubscription(
  deps: WebhookDeps,
  owner: SubscriptionOwner,
  input: unknown,
): Promise<{ webhook: SubscriptionView; secret: string }> {
  requireWellFormedText(input, "webhook");
  const parsed = NewSubscription.safeParse(input ?? {});
  if (!parsed.success) throw badRequestFrom(parsed.error, "webhook", NewSubscription, input);
  const url = checkWebhookUrl(parsed.data.url, deps.allowPrivate);
  const id = newId("whk");
  const secret = newSecret();
  const row: WebhookSubscriptionsTable = {
    id,
    agent_id: owner.agentId,
    url: url.href,
    event_types_json: JSON.stringify([...new Set(parsed.data.event_types)]),
    sealed_secret: deps.secretBox().seal(secret, id),
    previous_sealed_secret: null,
    previous_valid_until: null,
    status: "active",
    disabled_reason: null,
    failing_since: null,
    created_at: deps.now,
    updated_at: deps.now,
  };
  await deps.db.insertInto("webhook_subscriptions").values(row).execute();
  return { webhook: presentSubscription(row), secret };
}

/** A subscription the owner may see; any other id is not found, like a made-up one. */
export async function ownSubscription(
  db: Kysely<Database>,
  owner: SubscriptionOwner,
  id: string,
): Promise<WebhookSubscriptionsTable> {
  const row = await db
    .selectFrom("webhook_subscriptions")
    .selectAll()
    .where("id", "=", id)
    .executeTakeFirst();
  if (!row || (!owner.admin && row.agent_id !== owner.agentId)) {
    throw new OpenavailError("not_found", `No webhook ${id}.`, {
      details: [{ field: "webhook_id", message: "no such webhook of yours" }],
    });
  }
  return row;
}

export async function listSubscriptions(
  db: Kysely<Database>,
  owner: SubscriptionOwner,
): Promise<SubscriptionView[]> {
  let q = db.selectFrom("webhook_subscriptions").selectAll().orderBy("created_at").orderBy("id");
  if (!owner.admin) q = q.where("agent_id", "=", owner.agentId);
  return (await q.execute()).map(presentSubscription);
}

export async function deleteSubscription(db: Kysely<Database>, owner: SubscriptionOwner, id: string) {
  const row = await ownSubscription(db, owner, id);
  await db
    .deleteFrom("webhook_deliveries")
    .where("subscription_id", "=", id)
    .where("status", "=", "pending")
    .execute();
  await db.deleteFrom("webhook_subscriptions").where("id", "=", id).execute();
  return { webhook_id: row.id, deleted: true as const };
}

/** A new secret, shown once; the old one keeps signing for ROTATION_GRACE_MS. */
export async function rotateSecret(deps: WebhookDeps, owner: SubscriptionOwner, id: string) {
  const row = await ownSubscription(deps.db, owner, id);
  const secret = newSecret();
  const changes = {
    sealed_secret: deps.secretBox().seal(secret, id),
    previous_sealed_secret: row.sealed_secret,
    previous_valid_until: deps.now + ROTATION_GRACE_MS,
    updated_at: deps.now,
  };
  await deps.db.updateTable("webhook_subscriptions").set(changes).where("id", "=", id).execute();
  return { webhook: presentSubscription({ ...row, ...changes }), secret };
}

/** Turns a disabled subscription back on; its failures are forgotten. */
export async function enableSubscription(
  db: Kysely<Database>,
  owner: SubscriptionOwner,
  id: string,
  now: number,
) {
  const row = await ownSubscription(db, owner, id);
  const changes = { status: "active" as const, disabled_reason: null, failing_since: null, updated_at: now };
  await db.updateTable("webhook_subscriptions").set(changes).where("id", "=", id).execute();
  return { webhook: presentSubscription({ ...row, ...changes }) };
}

export interface DeliveryView {
  readonly delivery_id: string;
  readonly webhook_id: string;
  readonly event_type: string;
  readonly status: WebhookDeliveriesTable["status"];
  readonly attempts: number;
  readonly last_status_code: number | null;
  readonly last_error: string | null;
  readonly latency_ms: number | null;
  readonly created_at: string;
  readonly delivered_at: string | null;
  readonly next_attempt_at: string | null;
}

export function presentDelivery(row: Selectable<WebhookDeliveriesTable>): DeliveryView {
  return {
    delivery_id: row.id,
    webhook_id: row.subscription_id,
    event_type: row.event_type,
    status: row.status,
    attempts: row.attempts,
    last_status_code: row.last_status_code,
    last_error: row.last_error,
    latency_ms: row.latency_ms,
    created_at: toInstant(row.created_at),
    delivered_at: row.delivered_at === null ? null : toInstant(row.delivered_at),
    next_attempt_at: row.status === "pending" ? toInstant(row.next_attempt_at) : null,
  };
}

/** The delivery log of one subscription, newest first. */
export async function listDeliveries(db: Kysely<Database>, owner: SubscriptionOwner, id: string, limit = 50) {
  await ownSubscription(db, owner, id);
  const rows = await db
    .selectFrom("webhook_deliveries")
    .selectAll()
    .where("subscription_id", "=", id)
    .orderBy("seq", "desc")
    .limit(Math.min(Math.max(limit, 1), 200))
    .execute();
  return { deliveries: rows.map(presentDelivery) };
}

/** Sends a delivery again now (same message id, so a receiver that saw it can tell). */
export async function redeliver(
  db: Kysely<Database>,
  owner: SubscriptionOwner,
  deliveryId: string,
  now: number,
) {
  const row = await db
    .selectFrom("webhook_deliveries")
    .selectAll()
    .where("id", "=", deliveryId)
    .executeTakeFirst();
  // Another agent's delivery is not found, exactly like a made-up one: no id or existence leaks.
  const mine =
    row !== undefined &&
    (owner.admin ||
      (await db
        .selectFrom("webhook_subscriptions")
        .select("id")
        .where("id", "=", row.subscription_id)
        .where("agent_id", "=", owner.agentId)
        .executeTakeFirst()) !== undefined);
  if (!row || !mine) {
    throw new OpenavailError("not_found", `No delivery ${deliveryId}.`, {
      details: [{ field: "delivery_id", message: "no such delivery" }],
    });
  }
  await db
    .updateTable("webhook_deliveries")
    .set({ status: "pending", next_attempt_at: now, last_error: null })
    .where("seq", "=", row.seq)
    .execute();
  return { delivery: presentDelivery({ ...row, status: "pending", next_attempt_at: now, last_error: null }) };
}
