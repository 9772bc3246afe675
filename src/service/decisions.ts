// What every tool call shares: the scheduling state (its commits, caches and logs), the context an
// operation runs in, the decision row and its log line, and the delivery of pending notifications.
// How one call runs, transaction and all, is run-tool.ts.

import type { Kysely } from "kysely";
import type { Logger } from "pino";
import { toInstant } from "../../schemas/time.js";
import type { Alternative, Booking, Displaced, Hold, Notification, Slot } from "../../schemas/wire.js";
import type { Verdict as CoreVerdict } from "../core/arbiter.js";
import { insertDecision, takePendingNotifications } from "../ledger/audit.repository.js";
import { type Changes, StampedCache } from "../ledger/change-tracker.js";
import { isPostgres } from "../ledger/dialect.js";
import { GroupCommit } from "../ledger/group-commit.js";
import { newId } from "../ledger/ids.js";
import { PostgresCommits } from "../ledger/postgres-transaction.js";
import type { Database } from "../ledger/tables.js";
import type { WalFlush } from "../ledger/wal-flush.js";
import { activeSubscriptionsFor, type WebhookSubscriber } from "../ledger/webhooks.repository.js";
import type { SecretBox } from "../providers/secret-box.js";
import type { Caller } from "./caller.js";
import type { WireExplanation } from "./dry-run.js";
import type { Refresh } from "./mirror-refresh.js";
import { OwnerDirectory } from "./owner-directory.js";
import { canonicalJson, type LoadedPolicy } from "./policy.js";
import { presentNotification } from "./present.js";
import { decisionEvent, enqueueWebhookEvent } from "./webhooks/events.js";

export interface ServiceDeps {
  readonly db: Kysely<Database>;
  /** The ledger's change tracker (Ledger.changes), which keeps the rarely changed rows' caches honest. */
  readonly changes: Changes;
  /** The ledger's off-event-loop fsync for group commits (Ledger.walFlush), when it has one. */
  readonly walFlush?: WalFlush | null;
  readonly policy: LoadedPolicy;
  /** The only clock: injected so that tests decide what "now" is. */
  readonly now: () => number;
  readonly logger: Logger;
  /**
   * Brings provider mirrors of these owners up to date when stale; called before the transaction so
   * the write lock is never held while waiting on a provider. Must not throw.
   */
  readonly refresh?: Refresh;
  /** A provider calendar whose mirror is older than this answers with warning PROVIDER_STALE. */
  readonly staleAfterMs?: number;
  /** What managing webhooks needs: the box their secrets are sealed in, and whether private targets are allowed. */
  readonly webhooks?: { readonly secretBox: () => SecretBox; readonly allowPrivate: boolean };
}

/** The context an operation runs in: the open transaction, the caller, and the instant of the call. */
export interface Tx {
  readonly trx: Kysely<Database>;
  readonly caller: Caller;
  readonly now: number;
  readonly tool: string;
  /** Decision lines to log once the transaction has committed. */
  readonly decisions: DecisionLine[];
  /** performance.now() when the call arrived, for the decision row's latency_us. */
  readonly startedAt: number;
}

/** What the log says of a decision: identifiers and codes only, never a key, a title or a body. */
export interface DecisionLine {
  readonly decision_id: string;
  readonly agent_id: string;
  /** The key's public prefix, as in the decisions table. */
  readonly key_prefix: string | null;
  readonly tool: string;
  readonly owner_id: string;
  readonly verdict: string;
  readonly reason_code: string | null;
  readonly booking_id: string | null;
  readonly hold_id: string | null;
  readonly displaced: readonly string[];
}

export interface ToolResult {
  /** The response body as sent; replays return these exact bytes. */
  readonly json: string;
  readonly replayed: boolean;
}

export interface VerdictBody {
  decision_id: string;
  verdict: CoreVerdict["verdict"];
  reason_code: string | null;
  booking: Booking | null;
  hold: Hold | null;
  alternatives: Alternative[];
  displaced: Displaced[];
  resolved_calendar_type: string | null;
  warnings: string[];
  slots?: Slot[];
  /** Set on a dry run, which holds and books nothing. */
  dry_run?: boolean;
  explanation?: WireExplanation;
  /** check_availability's hold, repeated at the top level as in the seed's sample. */
  hold_id?: string | null;
  expires_at?: string | null;
}

/** What the use cases share besides the transaction: the dependencies and what is kept between calls. */
export interface Scheduling {
  readonly deps: ServiceDeps;
  /**
   * Every tool call's transaction: on SQLite, calls that queue up share one commit (group commit); on
   * PostgreSQL each has its own, and calls for different owners run side by side.
   */
  readonly commits: Pick<GroupCommit, "run" | "durable">;
  /**
   * Decision lines hold only the fields of DecisionLine, none of them secret, so they skip the
   * logger's redaction: it cost ~30 µs a line against ~5 µs without, a twentieth of a REST booking.
   */
  readonly decisionLog: Logger;
  readonly owners: OwnerDirectory;
  /**
   * Agents known to have no pending notification, with the moment that was read: the check every
   * result makes costs nothing until a notification is written (change-tracker.ts).
   */
  readonly nothingPending: StampedCache<true>;
  /** Each agent's active webhook subscriptions (theirs and organisation-wide), kept until the table changes. */
  readonly webhookSubscribers: StampedCache<readonly WebhookSubscriber[]>;
  /**
   * When the earliest active hold expires, kept until the holds table changes: sweeps before it are
   * skipped. SQLite only (null on PostgreSQL, see sweepExpiredHolds).
   */
  readonly earliestHoldExpiry: StampedCache<number> | null;
}

/** Builds the shared state of one service; made once, at start-up. */
export function openScheduling(deps: ServiceDeps): Scheduling {
  return {
    deps,
    commits: isPostgres(deps.db)
      ? new PostgresCommits(deps.db)
      : new GroupCommit(deps.db, { walFlush: deps.walFlush ?? null }),
    decisionLog: deps.logger.child({}, { redact: { paths: [] } }),
    owners: new OwnerDirectory(deps.changes),
    nothingPending: new StampedCache(deps.changes, ["notifications"], 10_000),
    webhookSubscribers: new StampedCache(deps.changes, ["webhook_subscriptions"], 10_000),
    earliestHoldExpiry: isPostgres(deps.db) ? null : new StampedCache(deps.changes, ["holds"], 1),
  };
}

/** Undelivered notifications of the caller, oldest first, marked delivered. */
export async function takeNotifications(s: Scheduling, tx: Tx, limit: number): Promise<Notification[]> {
  const { agentId } = tx.caller;
  if (s.nothingPending.get(agentId)) return [];
  const stamp = s.nothingPending.stamp();
  const rows = await takePendingNotifications(tx.trx, agentId, tx.now, limit);
  if (rows.length > 0) s.nothingPending.delete(agentId);
  else s.nothingPending.set(agentId, stamp, true);
  return rows.map(presentNotification);
}

/** Appends the decision row of `body` and queues its log line for after the commit; returns `body`. */
export async function recordDecision(
  s: Scheduling,
  tx: Tx,
  ownerId: string,
  input: object,
  body: VerdictBody,
): Promise<VerdictBody> {
  await appendDecision(s, tx, ownerId, input, {
    decision_id: body.decision_id,
    verdict: body.verdict,
    reason_code: body.reason_code,
    booking_id: body.booking?.booking_id ?? null,
    hold_id: body.hold?.hold_id ?? null,
    alternatives: body.alternatives,
    displaced: body.displaced,
  });
  return body;
}

/**
 * Appends the decision row of a change that is not arbitrated (a rule change, DESIGN.md section 6): the
 * agent, key, tool and request that made it, verdict Accept as it was made. Returns the decision id.
 */
export async function recordChange(
  s: Scheduling,
  tx: Tx,
  ownerId: string,
  input: object,
  ids: { booking_id?: string; hold_id?: string } = {},
): Promise<string> {
  const decisionId = newId("dec");
  await appendDecision(s, tx, ownerId, input, {
    decision_id: decisionId,
    verdict: "Accept",
    reason_code: null,
    booking_id: ids.booking_id ?? null,
    hold_id: ids.hold_id ?? null,
    alternatives: [],
    displaced: [],
  });
  return decisionId;
}

interface Outcome {
  readonly decision_id: string;
  readonly verdict: string;
  readonly reason_code: string | null;
  readonly booking_id: string | null;
  readonly hold_id: string | null;
  readonly alternatives: readonly Alternative[];
  readonly displaced: readonly Displaced[];
}

async function appendDecision(
  s: Scheduling,
  tx: Tx,
  ownerId: string,
  input: object,
  outcome: Outcome,
): Promise<void> {
  const { idempotency_key: _key, ...request } = input as Record<string, unknown>;
  const row = {
    id: outcome.decision_id,
    at: tx.now,
    agent_id: tx.caller.agentId,
    key_prefix: tx.caller.keyPrefix,
    tool: tx.tool,
    owner_id: ownerId,
    request_json: canonicalJson(request),
    verdict: outcome.verdict,
    reason_code: outcome.reason_code,
    booking_id: outcome.booking_id,
    hold_id: outcome.hold_id,
    alternatives_json: JSON.stringify(outcome.alternatives),
    displaced_json: JSON.stringify(outcome.displaced),
    policy_hash: s.deps.policy.hash,
    // From the call's arrival (lock wait included) to the verdict; the commit comes after.
    latency_us: Math.max(1, Math.round((performance.now() - tx.startedAt) * 1000)),
  };
  await insertDecision(tx.trx, row);
  const event = decisionEvent(row);
  // Read through a cache: with no subscription (the common case) a decision pays no query for webhooks.
  const subscribers = event
    ? await s.webhookSubscribers.readThrough(row.agent_id, () => activeSubscriptionsFor(tx.trx, row.agent_id))
    : [];
  if (event && subscribers.length > 0) {
    await enqueueWebhookEvent(
      tx.trx,
      tx.now,
      {
        type: event,
        agentId: row.agent_id,
        data: {
          type: event,
          created_at: toInstant(tx.now),
          decision_id: row.id,
          booking_id: row.booking_id,
          hold_id: row.hold_id,
          message: `${event} by agent ${row.agent_id} (decision ${row.id}).`,
        },
      },
      subscribers,
    );
  }
  tx.decisions.push({
    decision_id: row.id,
    agent_id: row.agent_id,
    key_prefix: row.key_prefix,
    tool: row.tool,
    owner_id: ownerId,
    verdict: row.verdict,
    reason_code: row.reason_code,
    booking_id: row.booking_id,
    hold_id: row.hold_id,
    displaced: outcome.displaced.map((d) => d.id),
  });
}
