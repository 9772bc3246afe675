// Notifications for agents: one row each, delivered in the agent's next result or by get_notifications.
import type { Kysely } from "kysely";
import { toInstant } from "../../schemas/time.js";
import type { Notification } from "../../schemas/wire.js";
import { insertNotification } from "../ledger/audit.repository.js";
import { newId } from "../ledger/ids.js";
import type { Database } from "../ledger/tables.js";
import type { NotificationPayload } from "./present.js";
import { enqueueWebhookEvent, isWebhookEvent } from "./webhooks/events.js";

/** Queues a notification for `agentId`; it commits (or not) with the transaction `trx`. */
export async function notifyAgent(
  trx: Kysely<Database>,
  now: number,
  agentId: string,
  type: Notification["type"],
  payload: NotificationPayload,
): Promise<void> {
  const id = newId("ntf");
  await insertNotification(trx, {
    id,
    agent_id: agentId,
    type,
    payload_json: JSON.stringify(payload),
    created_at: now,
    delivered_at: null,
  });
  // The same object the agent reads in pending_notifications, pushed to its webhooks, in this transaction.
  if (isWebhookEvent(type)) {
    const { reason, ...rest } = payload;
    const data = { notification_id: id, type, created_at: toInstant(now), ...rest, reason: reason ?? null };
    await enqueueWebhookEvent(trx, now, { type, agentId, data });
  }
}
