// manage_webhooks: your own signed webhook subscriptions, and the log of what they delivered.
import { ManageWebhooksInput, ManageWebhooksOutput } from "../schemas/webhooks.js";
import { defineTool } from "./define-tool.js";

const BASE = "/v1/webhooks";

export const manageWebhooks = defineTool({
  name: "manage_webhooks",
  title: "Manage webhooks",
  description:
    "Your events POSTed, signed (Standard Webhooks): create (url, event_types; secret shown once), list, " +
    "delete, rotate_secret, enable, deliveries, redeliver.",
  scopes: ["manage_webhooks"],
  input: ManageWebhooksInput,
  output: ManageWebhooksOutput,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  rest: { method: "POST", path: BASE, fixed: { action: "create" }, status: 200 },
  moreRest: [
    {
      method: "GET",
      path: BASE,
      fixed: { action: "list" },
      operationId: "list_webhooks",
      summary: "List your webhooks",
    },
    {
      method: "DELETE",
      path: `${BASE}/{webhook_id}`,
      fixed: { action: "delete" },
      operationId: "delete_webhook",
      summary: "Delete a webhook",
    },
    {
      method: "POST",
      path: `${BASE}/{webhook_id}/rotate-secret`,
      fixed: { action: "rotate_secret" },
      operationId: "rotate_webhook_secret",
      summary: "Rotate a webhook's secret",
    },
    {
      method: "POST",
      path: `${BASE}/{webhook_id}/enable`,
      fixed: { action: "enable" },
      operationId: "enable_webhook",
      summary: "Enable a disabled webhook",
    },
    {
      method: "GET",
      path: `${BASE}/{webhook_id}/deliveries`,
      fixed: { action: "deliveries" },
      operationId: "list_webhook_deliveries",
      summary: "A webhook's delivery log",
    },
    {
      method: "POST",
      path: "/v1/webhook-deliveries/{delivery_id}/redeliver",
      fixed: { action: "redeliver" },
      operationId: "redeliver_webhook",
      summary: "Send a delivery again",
    },
  ],
  writes: true,
  run: (service, tx, input) => service.manageWebhooks(tx, input),
});
