// Who is calling: an authenticated agent with its scopes and the owners it may act on.
import type { Kysely } from "kysely";
import type { Database } from "../ledger/tables.js";
import { OpenavailError } from "./errors.js";

export const SCOPES = [
  "read_freebusy",
  "read_events",
  "create_holds",
  "create_bookings",
  "preempt",
  "manage_rules",
  "manage_webhooks",
] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * Whether a credential's last_used_at (an API key's, an OAuth connection's) should be written now: at
 * most once a minute, so reads do not turn every request into a write.
 */
export function lastUseDue(lastUsedAt: number | null, now: number): boolean {
  return lastUsedAt === null || now - lastUsedAt >= 60_000;
}

export interface Caller {
  readonly agentId: string;
  readonly name: string;
  readonly description: string | null;
  readonly priority: number;
  readonly defaultClass: string | null;
  readonly scopes: ReadonlySet<Scope>;
  /** Lowercased emails, or "*" for every owner. */
  readonly owners: "*" | ReadonlySet<string>;
  /** First characters of the API key used, for the audit log. */
  readonly keyPrefix: string | null;
  /** Set when the caller presented an OAuth access token: its client and the resources it is for. */
  readonly oauth?: { readonly clientId: string; readonly audience: readonly string[] };
  /** The key's rate-limit state after this request, when a limiter is on (for RateLimit headers). */
  readonly rateLimit?: { readonly limit: number; readonly remaining: number; readonly resetSeconds: number };
  /**
   * Set on a caller authenticated from what this process knew, before looking for other processes'
   * changes (authenticate's `provisional`): the caller its key makes now, read through `db`, or null
   * if it is this one; throws `unauthorized` if the key no longer works. Inside the decision's
   * transaction the look costs nothing, outside it one statement.
   */
  readonly recheck?: (db: Kysely<Database>) => Promise<Caller | null>;
}

/** The caller as its key makes it now: `caller` itself unless it was provisional and has changed. */
export async function currentCaller(caller: Caller, db: Kysely<Database>): Promise<Caller> {
  return (await caller.recheck?.(db)) ?? caller;
}

export function hasScope(caller: Caller, scope: Scope): boolean {
  return caller.scopes.has(scope);
}

export function requireScopes(caller: Caller, scopes: readonly Scope[], tool: string): void {
  const missing = scopes.filter((s) => !caller.scopes.has(s));
  if (missing.length > 0) {
    throw new OpenavailError(
      "forbidden",
      `Agent ${caller.agentId} lacks the scope${missing.length > 1 ? "s" : ""} ${missing.join(", ")} needed for ${tool}; ask the owner to grant it.`,
      // An OAuth client can go back to the owner for more; an API key's holder cannot.
      caller.oauth ? { scopeChallenge: [...caller.scopes, ...missing] } : {},
    );
  }
}

export function mayActOn(caller: Caller, ownerEmail: string): boolean {
  return caller.owners === "*" || caller.owners.has(ownerEmail.toLowerCase());
}

export function requireOwner(caller: Caller, ownerEmail: string): void {
  if (!mayActOn(caller, ownerEmail)) {
    throw new OpenavailError(
      "forbidden",
      `Agent ${caller.agentId} may not act on ${ownerEmail}'s calendars.`,
    );
  }
}
