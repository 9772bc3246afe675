// Webhook events, enqueued in the transaction of the change that caused them: a decision that rolls
// back enqueues nothing, and one that commits has its deliveries committed with it (at least once,
// even if the process dies a moment later). One row per event and matching subscription.
import type { Kysely } from "kysely";
import { toInstant } from "../../../schemas/time.js";
import { newId } from "../../ledger/ids.js";
import type { Database } from "../../ledger/tables.js";
import {
  activeSubscriptionsFor,
  insertDelivery,
  insertEvent,
  type WebhookSubscriber,
} from "../../ledger/webhooks.repository.js";
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from "./subscriptions.js";

export function isWebhookEvent(type: string): type is WebhookEventType {
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(type);
}

/**
 * Enqueues `type` for the active subscriptions of `agentId` that want it and for the organisation-
 * wide ones. `data` is the event's object: the notification, for events that are notifications.
 */
export async function enqueueWebhookEvent(
  trx: Kysely<Database>,
  now: number,
  event: { readonly type: WebhookEventType; readonly agentId: string; readonly data: object },
  known?: readonly WebhookSubscriber[],
): Promise<void> {
  const subscriptions = known ?? (await activeSubscriptionsFor(trx, event.agentId));
  const wanted = subscriptions.filter((s) =>
    (JSON.parse(s.event_types_json) as string[]).includes(event.type),
  );
  if (wanted.length === 0) return;
  // The body once, then a small row per subscription, each a prepared insert: a decision pays little
  // per subscriber.
  const payload = JSON.stringify({ type: event.type, timestamp: toInstant(now), data: event.data });
  const eventId = newId("wev");
  await insertEvent(trx, { id: eventId, event_type: event.type, payload_json: payload, created_at: now });
  for (const sub of wanted) {
    await insertDelivery(trx, {
      id: newId("msg"),
      subscription_id: sub.id,
      event_id: eventId,
      event_type: event.type,
      status: "pending",
      attempts: 0,
      next_attempt_at: now,
      last_status_code: null,
      last_error: null,
      latency_ms: null,
      created_at: now,
      delivered_at: null,
    });
  }
}

/** The event a decision's own result is, if any: what the agent made, moved or cancelled itself. */
export function decisionEvent(decision: {
  readonly tool: string;
  readonly verdict: string;
  readonly booking_id: string | null;
  readonly hold_id: string | null;
}): WebhookEventType | null {
  const done = decision.verdict === "Accept" || decision.verdict === "Preempt";
  if (!done) return null;
  if ((decision.tool === "create_booking" || decision.tool === "preempt") && decision.booking_id)
    return "booking.created";
  if (decision.tool === "reschedule_booking" && decision.booking_id) return "booking.rescheduled";
  if (decision.tool === "cancel_booking" && decision.booking_id) return "booking.cancelled";
  if ((decision.tool === "create_hold" || decision.tool === "check_availability") && decision.hold_id)
    return "hold.created";
  return null;
}
