// manage_webhooks for an agent: its own subscriptions only, inside the tool call's transaction.
import type { ManageWebhooksInput } from "../../../schemas/webhooks.js";
import type { Tx } from "../decisions.js";
import { OpenavailError } from "../errors.js";
import {
  createSubscription,
  deleteSubscription,
  enableSubscription,
  listDeliveries,
  listSubscriptions,
  redeliver,
  rotateSecret,
  type WebhookDeps,
} from "./subscriptions.js";

export async function manageWebhooks(
  tx: Tx,
  settings: { secretBox: WebhookDeps["secretBox"]; allowPrivate: boolean } | undefined,
  input: ManageWebhooksInput,
): Promise<object> {
  if (!settings) throw new OpenavailError("internal", "Webhooks are not configured on this server.");
  const owner = { agentId: tx.caller.agentId, admin: false };
  const deps: WebhookDeps = {
    db: tx.trx,
    secretBox: settings.secretBox,
    now: tx.now,
    allowPrivate: settings.allowPrivate,
  };
  const id = input.webhook_id ?? "";
  switch (input.action) {
    case "create":
      return createSubscription(deps, owner, {
        url: input.url,
        ...(input.event_types ? { event_types: input.event_types } : {}),
      });
    case "list":
      return { webhooks: await listSubscriptions(tx.trx, owner) };
    case "delete":
      return deleteSubscription(tx.trx, owner, id);
    case "rotate_secret":
      return rotateSecret(deps, owner, id);
    case "enable":
      return enableSubscription(tx.trx, owner, id, tx.now);
    case "deliveries":
      return listDeliveries(tx.trx, owner, id);
    case "redeliver":
      return redeliver(tx.trx, owner, input.delivery_id ?? "", tx.now);
  }
}
