// The admin side of webhooks: every subscription (an agent's or organisation-wide), organisation-
// wide ones created here (they receive every agent's events), their secrets rotated, their delivery
// logs read and deliveries sent again. Rows of the admin route table (admin-routes.ts).
import { z } from "zod";
import { DeliveryView, WebhookView } from "../../../schemas/webhooks.js";
import { openSecretBox } from "../../service/provider-registry.js";
import {
  createSubscription,
  deleteSubscription,
  enableSubscription,
  listDeliveries,
  listSubscriptions,
  NewSubscription,
  redeliver,
  rotateSecret,
  type WebhookDeps,
} from "../../service/webhooks/subscriptions.js";
import type { AdminContext, AdminRoute } from "./admin-routes.js";

const ADMIN = { agentId: null, admin: true } as const;
const BASE = "/v1/admin/webhooks";
const id = (ctx: AdminContext) => ctx.params["webhook_id"] ?? "";
const deps = (ctx: AdminContext): WebhookDeps => ({
  db: ctx.app.ledger.db,
  secretBox: () => openSecretBox({ dbPath: ctx.app.config.dbPath, secretKey: ctx.app.config.secretKey }),
  now: ctx.now,
  allowPrivate: ctx.app.config.webhookAllowPrivate,
});

const WithSecret = z.object({ webhook: WebhookView, secret: z.string().describe("whsec_..., shown once.") });

export const WEBHOOK_ADMIN_ROUTES: readonly AdminRoute[] = [
  {
    operationId: "admin_list_webhooks",
    method: "GET",
    path: BASE,
    summary: "List every webhook",
    description: "Every agent's webhooks and the organisation-wide ones.",
    status: 200,
    output: z.object({ webhooks: z.array(WebhookView) }),
    run: async (ctx) => ({ webhooks: await listSubscriptions(ctx.app.ledger.db, ADMIN) }),
  },
  {
    operationId: "admin_create_webhook",
    method: "POST",
    path: BASE,
    summary: "Create an organisation-wide webhook",
    description:
      "Receives every agent's events of the types asked for, signed per Standard Webhooks with the secret returned once.",
    status: 201,
    body: NewSubscription,
    output: WithSecret,
    run: (ctx) => createSubscription(deps(ctx), ADMIN, ctx.body),
  },
  {
    operationId: "admin_delete_webhook",
    method: "DELETE",
    path: `${BASE}/{webhook_id}`,
    summary: "Delete a webhook",
    description: "Any webhook; its pending deliveries are dropped.",
    status: 200,
    output: z.object({ webhook_id: z.string(), deleted: z.literal(true) }),
    run: (ctx) => deleteSubscription(ctx.app.ledger.db, ADMIN, id(ctx)),
  },
  {
    operationId: "admin_rotate_webhook_secret",
    method: "POST",
    path: `${BASE}/{webhook_id}/rotate-secret`,
    summary: "Rotate a webhook's secret",
    description: "A new secret, returned once; the old one keeps signing for 24 hours.",
    status: 200,
    output: WithSecret,
    run: (ctx) => rotateSecret(deps(ctx), ADMIN, id(ctx)),
  },
  {
    operationId: "admin_enable_webhook",
    method: "POST",
    path: `${BASE}/{webhook_id}/enable`,
    summary: "Enable a disabled webhook",
    description: "Turns a webhook back on after it was disabled (410 Gone, or 3 days of failures).",
    status: 200,
    output: z.object({ webhook: WebhookView }),
    run: (ctx) => enableSubscription(ctx.app.ledger.db, ADMIN, id(ctx), ctx.now),
  },
  {
    operationId: "admin_list_webhook_deliveries",
    method: "GET",
    path: `${BASE}/{webhook_id}/deliveries`,
    summary: "A webhook's delivery log",
    description: "Newest first: status, attempts, last response code, latency.",
    status: 200,
    output: z.object({ deliveries: z.array(DeliveryView) }),
    run: (ctx) => listDeliveries(ctx.app.ledger.db, ADMIN, id(ctx)),
  },
  {
    operationId: "admin_redeliver_webhook",
    method: "POST",
    path: "/v1/admin/webhook-deliveries/{delivery_id}/redeliver",
    summary: "Send a delivery again",
    description: "Queues the delivery now, with the same message id.",
    status: 200,
    output: z.object({ delivery: DeliveryView }),
    run: (ctx) => redeliver(ctx.app.ledger.db, ADMIN, ctx.params["delivery_id"] ?? "", ctx.now),
  },
];
