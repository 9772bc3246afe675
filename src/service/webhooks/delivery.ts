// Delivering webhooks: each due delivery is claimed, signed by the Standard Webhooks specification
// (the `standardwebhooks` library; both secrets during a rotation's grace period), POSTed with a 10 s
// timeout, no redirects followed and the answer read to 64 KiB at most. 2xx delivers; 410 disables
// the subscription; anything else retries on the schedule below, with jitter, for 24 hours. A
// subscription failing for 3 days is disabled and its agent told. Nothing is sent before the commit
// that enqueued it is durable.
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Kysely, Selectable, Updateable } from "kysely";
import type { Logger } from "pino";
import { Webhook } from "standardwebhooks";
import { isPostgres } from "../../ledger/dialect.js";
import type { Database, WebhookDeliveriesTable, WebhookSubscriptionsTable } from "../../ledger/tables.js";
import type { SecretBox } from "../../providers/secret-box.js";
import { notifyAgent } from "../notify.js";
import { mayConnect, safeLookup } from "./safe-target.js";

/** Delay before attempt n+1 after n failed ones (the first attempt is immediate); then given up. */
export const RETRY_SCHEDULE_MS = [
  5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 7_200_000, 14_400_000, 28_800_000,
];
/** A delivery is given up this long after its event. */
export const GIVE_UP_AFTER_MS = 24 * 3_600_000;
/** A subscription whose deliveries have failed this long, without a success, is disabled. */
export const DISABLE_AFTER_MS = 3 * 24 * 3_600_000;
const TIMEOUT_MS = 10_000;
const MAX_RESPONSE_BYTES = 64 * 1024;
const LEASE_MS = 60_000;

export interface WebhookWorkerDeps {
  readonly db: Kysely<Database>;
  readonly now: () => number;
  readonly logger: Logger;
  readonly secretBox: () => SecretBox;
  readonly allowPrivate: boolean;
  /** Resolves once every commit so far is durable: nothing goes out that a crash could undo. */
  readonly durable?: () => Promise<void>;
  readonly random?: () => number;
}

export interface WebhookRun {
  delivered: number;
  retried: number;
  failed: number;
}

/** Sends every due delivery (at most `limit`), concurrently per batch. */
export async function deliverDueWebhooks(deps: WebhookWorkerDeps, limit = 50): Promise<WebhookRun> {
  const run: WebhookRun = { delivered: 0, retried: 0, failed: 0 };
  const due = await deps.db
    .selectFrom("webhook_deliveries")
    .innerJoin("webhook_events", "webhook_events.id", "webhook_deliveries.event_id")
    .selectAll("webhook_deliveries")
    .select("webhook_events.payload_json")
    .where("webhook_deliveries.status", "=", "pending")
    .where("webhook_deliveries.next_attempt_at", "<=", deps.now())
    .orderBy("webhook_deliveries.next_attempt_at")
    .limit(limit)
    .execute();
  if (due.length === 0) return run;
  await deps.durable?.();
  await Promise.all(
    due.map(async (row) => {
      // The lease: one worker (process) takes a delivery; another sees it later, if this one dies.
      let claim = deps.db.updateTable("webhook_deliveries").set({ next_attempt_at: deps.now() + LEASE_MS });
      // On PostgreSQL, skipped while another instance is taking it (SKIP LOCKED) instead of waited for.
      if (isPostgres(deps.db))
        claim = claim.where("seq", "in", (eb) =>
          eb
            .selectFrom("webhook_deliveries")
            .select("seq")
            .where("seq", "=", row.seq)
            .forUpdate()
            .skipLocked(),
        );
      const claimed = await claim
        .where("seq", "=", row.seq)
        .where("status", "=", "pending")
        .where("next_attempt_at", "=", row.next_attempt_at)
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) === 0) return;
      run[await deliverOne(deps, row)]++;
    }),
  );
  return run;
}

type DeliveryRow = Selectable<WebhookDeliveriesTable> & { readonly payload_json: string };

async function deliverOne(deps: WebhookWorkerDeps, row: DeliveryRow) {
  const sub = await deps.db
    .selectFrom("webhook_subscriptions")
    .selectAll()
    .where("id", "=", row.subscription_id)
    .executeTakeFirst();
  if (sub?.status !== "active") {
    await finish(deps.db, row.seq, {
      status: "failed",
      last_error: "the subscription is deleted or disabled",
    });
    return "failed" as const;
  }
  const started = deps.now();
  const sentAt = performance.now();
  const outcome = await post(deps, sub, row);
  const latency = Math.max(0, Math.round(performance.now() - sentAt));
  const attempts = row.attempts + 1;
  if (outcome.status !== null && outcome.status >= 200 && outcome.status < 300) {
    await finish(deps.db, row.seq, {
      status: "delivered",
      attempts,
      last_status_code: outcome.status,
      last_error: null,
      latency_ms: latency,
      delivered_at: deps.now(),
    });
    if (sub.failing_since !== null)
      await deps.db
        .updateTable("webhook_subscriptions")
        .set({ failing_since: null })
        .where("id", "=", sub.id)
        .execute();
    return "delivered" as const;
  }
  const error = outcome.error ?? `the receiver answered ${outcome.status}`;
  if (outcome.status === 410) {
    await finish(deps.db, row.seq, {
      status: "failed",
      attempts,
      last_status_code: 410,
      last_error: error,
      latency_ms: latency,
    });
    await disable(deps, sub, "the receiver answered 410 Gone");
    return "failed" as const;
  }
  const delay = RETRY_SCHEDULE_MS[row.attempts];
  const giveUp = delay === undefined || started + delay - row.created_at > GIVE_UP_AFTER_MS;
  const jitter = delay === undefined ? 0 : Math.round(delay * 0.2 * ((deps.random ?? Math.random)() * 2 - 1));
  await finish(deps.db, row.seq, {
    status: giveUp ? "failed" : "pending",
    attempts,
    last_status_code: outcome.status,
    last_error: error.slice(0, 500),
    latency_ms: latency,
    next_attempt_at: started + (delay ?? 0) + jitter,
  });
  const failingSince = sub.failing_since ?? started;
  if (sub.failing_since === null)
    await deps.db
      .updateTable("webhook_subscriptions")
      .set({ failing_since: started })
      .where("id", "=", sub.id)
      .execute();
  if (started - failingSince >= DISABLE_AFTER_MS) await disable(deps, sub, "deliveries failed for 3 days");
  return giveUp ? ("failed" as const) : ("retried" as const);
}

async function finish(
  db: Kysely<Database>,
  seq: number,
  changes: Updateable<WebhookDeliveriesTable>,
): Promise<void> {
  await db.updateTable("webhook_deliveries").set(changes).where("seq", "=", seq).execute();
}

/** Disables a subscription and tells its agent (an organisation-wide one is in the admin trail). */
async function disable(
  deps: WebhookWorkerDeps,
  sub: WebhookSubscriptionsTable,
  reason: string,
): Promise<void> {
  const now = deps.now();
  await deps.db.transaction().execute(async (trx) => {
    await trx
      .updateTable("webhook_subscriptions")
      .set({ status: "disabled", disabled_reason: reason, updated_at: now })
      .where("id", "=", sub.id)
      .execute();
    if (sub.agent_id !== null) {
      await notifyAgent(trx, now, sub.agent_id, "webhook.disabled", {
        message: `Your webhook ${sub.id} (${sub.url}) is disabled: ${reason}. Fix the receiver, then enable it again.`,
        booking_id: null,
        hold_id: null,
        winner_class: null,
        landing_hold: null,
        reason,
      });
    }
  });
  deps.logger.warn({ webhook_id: sub.id, url: sub.url, reason }, "webhook disabled");
}

interface PostOutcome {
  readonly status: number | null;
  readonly error: string | null;
}

/** One signed POST; never throws. */
function post(
  deps: WebhookWorkerDeps,
  sub: WebhookSubscriptionsTable,
  row: DeliveryRow,
): Promise<PostOutcome> {
  const timestamp = new Date(deps.now());
  const box = deps.secretBox();
  const secrets = [box.open(sub.sealed_secret, sub.id)];
  if (
    sub.previous_sealed_secret &&
    sub.previous_valid_until !== null &&
    sub.previous_valid_until > deps.now()
  )
    secrets.push(box.open(sub.previous_sealed_secret, sub.id));
  // Standard Webhooks: several signatures, space-separated, so a receiver on either secret verifies.
  const signature = secrets.map((s) => new Webhook(s).sign(row.id, timestamp, row.payload_json)).join(" ");
  const url = new URL(sub.url);
  if (!mayConnect(url, deps.allowPrivate))
    return Promise.resolve({ status: null, error: `${url.hostname} is a private address` });
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const req = send(
      url,
      {
        method: "POST",
        timeout: TIMEOUT_MS,
        lookup: safeLookup(deps.allowPrivate),
        headers: {
          "content-type": "application/json",
          "user-agent": "Openavail-Webhooks/1",
          "webhook-id": row.id,
          "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
          "webhook-signature": signature,
        },
      },
      (res) => {
        // Redirects are answers, not instructions: a 3xx is a failed delivery.
        let read = 0;
        res.on("data", (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_RESPONSE_BYTES) res.destroy();
        });
        const done = () => resolve({ status: res.statusCode ?? null, error: null });
        res.on("end", done);
        res.on("close", done);
        res.on("error", done);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)));
    req.on("error", (err) => resolve({ status: null, error: err.message }));
    req.end(row.payload_json);
  });
}
