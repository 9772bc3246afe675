// When provider mirrors are brought up to date: before a decision for the owners it names (CalDAV
// every time, Google and Microsoft once older than their freshness bound, a failing server left alone
// for a while), and all of them in the background job. How one calendar syncs is calendar-sync.ts.
import type { Kysely } from "kysely";
import type { ChangeStamp } from "../ledger/change-tracker.js";
import type { CalendarRow, Database } from "../ledger/tables.js";
import { type SyncDeps, syncCalendar } from "./calendar-sync.js";

/**
 * Providers whose mirror a decision always brings up to date first, whatever its age. CalDAV has no
 * push, and a sync-collection from the last token is one small REPORT that answers with nothing when
 * nothing changed: checking it every time makes an event the owner just added count at once.
 * (Google and Microsoft mirrors stay fresh for the configured bound.)
 */
const CHECKED_EVERY_DECISION: CalendarRow["provider"][] = ["caldav"];

/** Provider calendars due for a sync: active, attached, and (when given) of these owners. */
async function syncableCalendars(
  db: Kysely<Database>,
  filter: { ownerEmails?: readonly string[]; syncedBefore?: number },
): Promise<string[]> {
  let q = db
    .selectFrom("calendars")
    .innerJoin("owners", "owners.id", "calendars.owner_id")
    .select(["calendars.id"])
    .where("calendars.provider", "!=", "local")
    .where("calendars.status", "=", "active")
    .where("calendars.external_id", "is not", null);
  if (filter.ownerEmails !== undefined) {
    q = q.where(
      "owners.email",
      "in",
      filter.ownerEmails.map((e) => e.toLowerCase()),
    );
  }
  const before = filter.syncedBefore;
  if (before !== undefined) {
    q = q.where((eb) =>
      eb.or([
        eb("calendars.synced_at", "is", null),
        eb("calendars.synced_at", "<", before),
        eb("calendars.provider", "in", CHECKED_EVERY_DECISION),
      ]),
    );
  }
  const rows = await q.orderBy("calendars.id").execute();
  return rows.map((r) => r.id);
}

/**
 * Brings every provider calendar of the given owners up to date when its mirror is older than
 * `freshForMs`. Failures are logged, not thrown: the decision then answers with PROVIDER_STALE.
 */
export async function refreshIfStale(
  deps: SyncDeps,
  ownerEmails: readonly string[],
  freshForMs: number,
): Promise<void> {
  if (ownerEmails.length === 0) return;
  const stale = await syncableCalendars(deps.db, { ownerEmails, syncedBefore: deps.now() - freshForMs });
  for (const id of stale) {
    try {
      await syncCalendar(deps, id);
    } catch (err) {
      deps.logger.warn(
        { calendar_id: id, err: String(err) },
        "calendar sync failed; answering from the stale mirror",
      );
    }
  }
}

const PROVIDER_CHECK_MS = 5_000;
const CALENDAR_TABLES = ["calendars"] as const;

export interface RefresherOptions {
  /** A mirror younger than this is used as it is; default 60 s. */
  readonly freshForMs?: number;
  /**
   * After a failed sync, decisions stop trying the provider for this long (they answer from the
   * mirror, with PROVIDER_STALE once it is stale); default 30 s. Keeps a provider outage from adding
   * a timeout to every decision.
   */
  readonly retryAfterFailureMs?: number;
}

/**
 * Brings the named owners' provider mirrors up to date before a decision. When it answers from what
 * it knew (no provider calendars, with no write of this process since) it returns the check that
 * no other process has connected one since either, to run inside the decision's transaction: false
 * there means call again with `checked` and decide again. Never throws.
 */
export type Refresh = (
  ownerEmails: readonly string[],
  options?: { readonly checked?: boolean },
) => Promise<StillCurrent | undefined>;

/** Whether what a refresh relied on still holds; free inside a write transaction. */
export type StillCurrent = () => boolean;

/**
 * The `refresh` hook of the scheduling service: like {@link refreshIfStale}, plus concurrent
 * decisions for one owner share one sync, and a calendar whose sync just failed is left alone for
 * `retryAfterFailureMs`.
 */
export function createRefresher(deps: SyncDeps, options: RefresherOptions = {}): Refresh {
  const freshForMs = options.freshForMs ?? 60_000;
  const retryAfterFailureMs = options.retryAfterFailureMs ?? 30_000;
  const inFlight = new Map<string, Promise<void>>();
  const failedAt = new Map<string, number>();

  const syncOne = (id: string): Promise<void> => {
    const running = inFlight.get(id);
    if (running) return running;
    const run = syncCalendar(deps, id)
      .then(
        () => {
          failedAt.delete(id);
        },
        (err: unknown) => {
          failedAt.set(id, deps.now());
          deps.logger.warn(
            { calendar_id: id, err: err instanceof Error ? err.message : String(err) },
            "calendar sync failed; answering from the mirror",
          );
        },
      )
      .finally(() => inFlight.delete(id));
    inFlight.set(id, run);
    return run;
  };

  // Most ledgers have no provider calendar at all: asking once every few seconds whether any exists
  // keeps the per-decision cost of this hook at zero queries for them. A calendar connected in this
  // process (the console) is noticed at once, one another process connects within PROVIDER_CHECK_MS.
  // With the ledger's change tracker, "none" holds exactly until the calendars table changes, in
  // any process: a change of this process's is seen here, another's inside the decision's
  // transaction (StillCurrent), which then runs again after a checked refresh.
  let anyProviderCalendars = true;
  let checkedAt = Number.NEGATIVE_INFINITY;
  let checkedStamp: ChangeStamp | null = null;
  let seenGeneration = deps.providerFor.generation?.() ?? 0;

  return async (ownerEmails, { checked = false } = {}) => {
    if (ownerEmails.length === 0) return undefined;
    let stillCurrent: StillCurrent | undefined;
    try {
      const now = deps.now();
      const generation = deps.providerFor.generation?.() ?? 0;
      const changes = deps.changes;
      const stamp = checkedStamp;
      let recheck: boolean;
      if (!changes) recheck = now - checkedAt >= PROVIDER_CHECK_MS || now < checkedAt;
      else if (stamp === null) recheck = true;
      else if (checked) recheck = !changes.unchangedSince(stamp, CALENDAR_TABLES);
      else {
        // Other processes' writes are looked for inside the decision's transaction, where it is free.
        recheck = !changes.unchangedHere(stamp, CALENDAR_TABLES);
        if (!recheck) stillCurrent = () => changes.unchangedSince(stamp, CALENDAR_TABLES);
      }
      if (recheck || generation !== seenGeneration) {
        stillCurrent = undefined;
        seenGeneration = generation;
        checkedStamp = changes?.stamp(CALENDAR_TABLES) ?? null;
        const one = await deps.db
          .selectFrom("calendars")
          .select("id")
          .where("provider", "!=", "local")
          .limit(1)
          .executeTakeFirst();
        anyProviderCalendars = one !== undefined;
        checkedAt = now;
      }
      if (!anyProviderCalendars) return stillCurrent;
      const stale = await syncableCalendars(deps.db, { ownerEmails, syncedBefore: now - freshForMs });
      const due = stale.filter((id) => {
        const failed = failedAt.get(id);
        return failed === undefined || now - failed >= retryAfterFailureMs;
      });
      await Promise.all(due.map(syncOne));
    } catch (err) {
      deps.logger.warn({ err: err instanceof Error ? err.message : String(err) }, "mirror refresh failed");
    }
    return undefined;
  };
}

export interface SyncAllResult {
  readonly synced: number;
  readonly failed: number;
}

/** Syncs every active provider calendar (the background job); failures are logged, not thrown. */
export async function syncAllCalendars(deps: SyncDeps): Promise<SyncAllResult> {
  let synced = 0;
  let failed = 0;
  for (const id of await syncableCalendars(deps.db, {})) {
    try {
      await syncCalendar(deps, id);
      synced++;
    } catch (err) {
      failed++;
      deps.logger.warn(
        { calendar_id: id, err: err instanceof Error ? err.message : String(err) },
        "background calendar sync failed",
      );
    }
  }
  return { synced, failed };
}
