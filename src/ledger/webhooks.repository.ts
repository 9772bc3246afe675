// The one webhook query on the decision path: which active subscriptions an event may go to. It runs
// for every event of every decision, so it is prepared once (prepared-query.ts), not built per call.
import type { Insertable, Kysely } from "kysely";
import { preparedInsert, preparedQuery } from "./prepared-query.js";
import type { Database, WebhookDeliveriesTable, WebhookEventsTable } from "./tables.js";

/** An active subscription an event may go to. */
export interface WebhookSubscriber {
  readonly id: string;
  readonly event_types_json: string;
}

const activeFor = preparedQuery<[string], WebhookSubscriber>((db, arg) =>
  db
    .selectFrom("webhook_subscriptions")
    .select(["id", "event_types_json"])
    .where("status", "=", "active")
    .where((eb) => eb.or([eb("agent_id", "=", arg(0)), eb("agent_id", "is", null)])),
);

/** The active subscriptions of `agentId` and the organisation-wide ones. */
export function activeSubscriptionsFor(db: Kysely<Database>, agentId: string): Promise<WebhookSubscriber[]> {
  return activeFor(db, agentId);
}

const DELIVERY_COLUMNS = [
  "id",
  "subscription_id",
  "event_id",
  "event_type",
  "status",
  "attempts",
  "next_attempt_at",
  "last_status_code",
  "last_error",
  "latency_ms",
  "created_at",
  "delivered_at",
] as const satisfies readonly (keyof WebhookDeliveriesTable)[];
const insertDeliveryRow = preparedInsert("webhook_deliveries", DELIVERY_COLUMNS);

/** Enqueues one delivery; prepared once, as it runs in decisions' transactions. */
export async function insertDelivery(
  db: Kysely<Database>,
  row: Insertable<WebhookDeliveriesTable>,
): Promise<void> {
  await insertDeliveryRow(db, row);
}

const insertEventRow = preparedInsert("webhook_events", ["id", "event_type", "payload_json", "created_at"]);

/** Writes an event's body once, for the deliveries that point at it. */
export async function insertEvent(db: Kysely<Database>, row: Insertable<WebhookEventsTable>): Promise<void> {
  await insertEventRow(db, row);
}
