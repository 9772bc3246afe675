// Notifications for agents: one row each, delivered in the agent's next result or by get_notifications.
import type { Kysely } from "kysely";
import type { Notification } from "../../schemas/wire.js";
import { insertNotification } from "../ledger/audit.repository.js";
import { newId } from "../ledger/ids.js";
import type { Database } from "../ledger/tables.js";
import type { NotificationPayload } from "./present.js";

/** Queues a notification for `agentId`; it commits (or not) with the transaction `trx`. */
export async function notifyAgent(
  trx: Kysely<Database>,
  now: number,
  agentId: string,
  type: Notification["type"],
  payload: NotificationPayload,
): Promise<void> {
  await insertNotification(trx, {
    id: newId("ntf"),
    agent_id: agentId,
    type,
    payload_json: JSON.stringify(payload),
    created_at: now,
    delivered_at: null,
  });
}
