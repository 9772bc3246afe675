// The manage_webhooks tool's input and output: an agent's own webhook subscriptions and their log.
import { z } from "zod";
import { WEBHOOK_EVENT_TYPES } from "../src/service/webhooks/subscriptions.js";

export const WEBHOOK_ACTIONS = [
  "create",
  "list",
  "delete",
  "rotate_secret",
  "enable",
  "deliveries",
  "redeliver",
] as const;

export const ManageWebhooksInput = z
  .object({
    action: z.enum(WEBHOOK_ACTIONS),
    webhook_id: z
      .string()
      .regex(/^whk_[0-9a-z]{1,40}$/, { error: "must be a webhook id like whk_..." })
      .optional()
      .describe("whk_..."),
    url: z.string().max(2000).optional().describe("create: where to POST (https, public)."),
    event_types: z
      .array(z.enum(WEBHOOK_EVENT_TYPES))
      .min(1)
      .optional()
      .describe("create: events wanted (default all)."),
    delivery_id: z
      .string()
      .regex(/^msg_[0-9a-z]{1,40}$/, { error: "must be a delivery id like msg_..." })
      .optional()
      .describe("msg_..."),
    idempotency_key: z.string().min(1).max(255).optional().describe("Retry-safe key (kept 24 h)."),
  })
  .strict()
  .superRefine((v, ctx) => {
    const need = (field: "webhook_id" | "url" | "delivery_id", actions: readonly string[]) => {
      if (actions.includes(v.action) && v[field] === undefined)
        ctx.addIssue({ code: "custom", path: [field], message: `required for ${v.action}` });
    };
    need("url", ["create"]);
    need("webhook_id", ["delete", "rotate_secret", "enable", "deliveries"]);
    need("delivery_id", ["redeliver"]);
  });
export type ManageWebhooksInput = z.output<typeof ManageWebhooksInput>;

/** A webhook subscription as every surface shows it (never its secret). */
export const WebhookView = z.object({
  webhook_id: z.string(),
  agent_id: z.string().nullable(),
  url: z.string(),
  event_types: z.array(z.string()),
  status: z.enum(["active", "disabled"]),
  disabled_reason: z.string().nullable(),
  failing_since: z.string().nullable(),
  previous_secret_valid_until: z.string().nullable(),
  created_at: z.string(),
});
/** One delivery of the log. */
export const DeliveryView = z.object({
  delivery_id: z.string(),
  webhook_id: z.string(),
  event_type: z.string(),
  status: z.enum(["pending", "delivered", "failed"]),
  attempts: z.number(),
  last_status_code: z.number().nullable(),
  last_error: z.string().nullable(),
  latency_ms: z.number().nullable(),
  created_at: z.string(),
  delivered_at: z.string().nullable(),
  next_attempt_at: z.string().nullable(),
});

export const ManageWebhooksOutput = z.object({
  webhook: WebhookView.optional(),
  webhooks: z.array(WebhookView).optional(),
  secret: z
    .string()
    .optional()
    .describe("create, rotate_secret: the signing secret (whsec_...), shown once."),
  deleted: z.boolean().optional(),
  deliveries: z.array(DeliveryView).optional(),
  delivery: DeliveryView.optional(),
  pending_notifications: z.array(z.unknown()),
});
