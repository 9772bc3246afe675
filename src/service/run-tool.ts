// One tool call, start to end: the provider mirrors it names refreshed, then one transaction (shared
// with the calls queued beside it: group commit) around the caller's second look, idempotency, the
// operation, pending notifications and the idempotency record; its decision lines logged after.

import { hash } from "node:crypto";
import type { Kysely } from "kysely";
import { findIdempotency, saveIdempotency } from "../ledger/audit.repository.js";
import { lockIdempotencyKey } from "../ledger/dialect.js";
import type { Database } from "../ledger/tables.js";
import { DurabilityError } from "../ledger/wal-flush.js";
import { type Caller, currentCaller, mayActOn, requireScopes, type Scope } from "./caller.js";
import {
  type DecisionLine,
  type Scheduling,
  type ToolResult,
  type Tx,
  takeNotifications,
} from "./decisions.js";
import { OpenavailError } from "./errors.js";
import { canonicalJson } from "./policy.js";

/** Thrown inside a decision's transaction when the refresh before it relied on what has changed. */
const REFRESH_AGAIN = new Error("the provider mirrors must be refreshed again");

/** How long a stored response answers its idempotency key: 24 h. */
const IDEMPOTENCY_TTL_MS = 86_400_000;

/** What a replayed answer holds where the first one had a secret (a webhook's, shown once). */
export const SECRET_NOT_REPLAYED = "(shown once, in the first answer; rotate_secret makes a new one)";

/**
 * Runs one tool call: idempotency check, the operation, pending notifications, idempotency record,
 * all in one transaction. `input` is the validated input; its `idempotency_key`, if any, is honoured.
 * A provisional caller (authenticate) is made current inside the transaction, and judged again
 * against `options.scopes` if its key or agent changed.
 */
export async function runTool(
  s: Scheduling,
  provisional: Caller,
  tool: string,
  input: Readonly<Record<string, unknown>>,
  op: (tx: Tx) => Promise<object>,
  options: { deliverNotifications?: boolean; scopes?: readonly Scope[]; writes?: boolean } = {},
): Promise<ToolResult> {
  const started = performance.now();
  const { idempotency_key: rawKey, ...request } = input;
  const key = typeof rawKey === "string" ? rawKey : undefined;
  const fingerprint = key ? sha256(canonicalJson({ tool, input: request })) : "";
  const decisions: DecisionLine[] = [];
  // Only owners the caller may act on: a request naming another owner must not make this server
  // call that owner's calendar provider (CalDAV is asked on every decision) before it is refused.
  const owners = ownerEmailsOf(request).filter((email) => mayActOn(provisional, email));
  let stillCurrent = await s.deps.refresh?.(owners);
  const unit = async (trx: Kysely<Database>): Promise<ToolResult> => {
    // A unit may run again (a PostgreSQL deadlock, a failed unit in its SQLite group): only its
    // last run's lines count.
    decisions.length = 0;
    // What the refresh relied on is checked here, where it costs nothing (mirror-refresh.ts).
    if (stillCurrent && !stillCurrent()) throw REFRESH_AGAIN;
    // A caller taken from what this process knew is looked up again here, for free (authenticate).
    const caller = await currentCaller(provisional, trx);
    if (caller !== provisional) requireScopes(caller, options.scopes ?? [], tool);
    const now = s.deps.now();
    if (key) {
      await lockIdempotencyKey(trx, caller.agentId, key);
      const prior = await findIdempotency(trx, caller.agentId, key);
      if (prior && prior.created_at > now - IDEMPOTENCY_TTL_MS) {
        if (prior.fingerprint !== fingerprint) {
          throw new OpenavailError(
            "idempotency_key_reused",
            `Idempotency key "${key}" was already used for a different request; use a new key for a new request.`,
          );
        }
        return { json: prior.response_json, replayed: true };
      }
    }
    const tx: Tx = { trx, caller, now, tool, decisions, startedAt: started };
    const value = await op(tx);
    const body =
      options.deliverNotifications === false
        ? value
        : { ...value, pending_notifications: await takeNotifications(s, tx, 100) };
    const json = JSON.stringify(body);
    if (key) {
      // A secret is shown once: the replay of a call that made one says so instead of keeping it.
      const stored =
        typeof (body as { secret?: unknown }).secret === "string"
          ? JSON.stringify({ ...body, secret: SECRET_NOT_REPLAYED })
          : json;
      await saveIdempotency(trx, {
        agent_id: caller.agentId,
        key,
        fingerprint,
        response_json: stored,
        created_at: now,
      });
    }
    return { json, replayed: false };
  };
  // A read's group skips the deferred flush it would not need (GroupCommit's readOnly).
  const unitOptions = { readOnly: options.writes === false };
  const result = await s.commits
    .run(unit, unitOptions)
    .catch(async (err: unknown) => {
      if (err !== REFRESH_AGAIN) throw err;
      // Another process connected a provider calendar since the refresher last looked: sync, decide.
      stillCurrent = await s.deps.refresh?.(owners, { checked: true });
      return s.commits.run(unit, unitOptions);
    })
    .catch((err: unknown) => {
      // Said as it is: the generic internal error would claim the request was not applied.
      if (err instanceof DurabilityError) {
        s.deps.logger.error({ err }, "the ledger's write-ahead log could not be fsynced");
        throw new OpenavailError("internal", err.message);
      }
      throw err;
    });
  const latencyMs = Math.round((performance.now() - started) * 1000) / 1000;
  for (const d of decisions) s.decisionLog.info({ ...d, latency_ms: latencyMs }, "decision");
  return result;
}

/** The owners a request names, so their provider mirrors can be refreshed before deciding. */
function ownerEmailsOf(request: Readonly<Record<string, unknown>>): string[] {
  const out: string[] = [];
  if (typeof request.owner_email === "string") out.push(request.owner_email);
  if (Array.isArray(request.owner_emails))
    for (const e of request.owner_emails) if (typeof e === "string") out.push(e);
  return out;
}

function sha256(text: string): string {
  return hash("sha256", text, "hex");
}
