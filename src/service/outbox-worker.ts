// Write-through: drains the outbox to the providers with exponential backoff and jitter. The
// provider derives its event id from the booking id, so a retry can never create a second event.
//
// Every entry writes the booking's *current* state (confirmed: upsert at its current time; anything
// else: delete), not the state it was queued with, and the write is re-checked against the ledger
// afterwards: when the booking changed while the write was in flight (a cancel racing an upsert,
// possibly in another process), the new state is written at once. So the provider converges on the
// ledger whatever the interleaving, and several processes may drain one database: an entry is
// claimed with a lease before it is written.
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import {
  abandonOutbox,
  claimOutbox,
  completeOutbox,
  dueOutbox,
  type OutboxRow,
  retryOutbox,
  supersededOutbox,
} from "../ledger/outbox.repository.js";
import { findCalendarById, updateCalendar } from "../ledger/owners.repository.js";
import { findBooking } from "../ledger/schedule.repository.js";
import type { BookingRow, CalendarRow, Database } from "../ledger/tables.js";
import { type CalendarProvider, ProviderError } from "../providers/calendar-provider.js";
import type { ProviderResolver } from "./calendar-sync.js";
import { attendeesOf } from "./present.js";

export interface OutboxDeps {
  readonly db: Kysely<Database>;
  readonly now: () => number;
  readonly logger: Logger;
  readonly providerFor: ProviderResolver;
  /** Uniform [0, 1): injected so tests can pin the jitter. */
  readonly random?: () => number;
  /** How long a claimed entry is this worker's before another may take it; default 2 minutes. */
  readonly leaseMs?: number;
  /**
   * Resolves once every commit made so far is on disk (SchedulingService.durable): nothing is written
   * to a provider for a booking that a crash could still undo.
   */
  readonly durable?: () => Promise<void>;
}

const BASE_DELAY_MS = 1_000;
const MAX_DELAY_MS = 15 * 60_000;
const DEFAULT_LEASE_MS = 2 * 60_000;
/** Writes of one entry while its booking keeps changing underneath, before it is left for later. */
const MAX_PASSES = 5;

/** Full-jitter exponential backoff: a random delay up to base * 2^attempt, capped. */
export function backoffDelay(attempt: number, random: () => number): number {
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.min(attempt, 20));
  return Math.max(BASE_DELAY_MS / 2, Math.floor(random() * ceiling));
}

export interface DrainResult {
  /** Entries finished: written, superseded, or with nothing to write. */
  readonly done: number;
  /** Entries rescheduled: after a failure (with backoff), or at once when the booking changed mid-write. */
  readonly retried: number;
  /** Entries the provider refused for good. */
  readonly abandoned: number;
}

/** Processes every entry due now, at most `limit`. Never throws for a provider failure. */
export async function drainOutbox(deps: OutboxDeps, limit = 50): Promise<DrainResult> {
  const random = deps.random ?? Math.random;
  const leaseMs = deps.leaseMs ?? DEFAULT_LEASE_MS;
  let done = 0;
  let retried = 0;
  let abandoned = 0;
  const due = await dueOutbox(deps.db, deps.now(), limit);
  await deps.durable?.();
  for (const row of due) {
    const claimedAt = deps.now();
    if (!(await claimOutbox(deps.db, row.seq, claimedAt, claimedAt + leaseMs))) continue;
    const outcome = await processEntry(deps, row, random);
    if (outcome === "done") done++;
    else if (outcome === "abandoned") abandoned++;
    else retried++;
  }
  return { done, retried, abandoned };
}

type Outcome = "done" | "retried" | "abandoned" | "again";

async function processEntry(deps: OutboxDeps, row: OutboxRow, random: () => number): Promise<Outcome> {
  if (await supersededOutbox(deps.db, row)) {
    await completeOutbox(deps.db, row.seq, deps.now());
    return "done";
  }
  const calendar = await findCalendarById(deps.db, row.calendar_id);
  if (!calendar || calendar.provider === "local" || calendar.external_id === null) {
    // Nowhere to write: a local calendar keeps its events in the ledger.
    await completeOutbox(deps.db, row.seq, deps.now());
    return "done";
  }
  try {
    const provider = await deps.providerFor(calendar);
    if (!provider) {
      await completeOutbox(deps.db, row.seq, deps.now());
      return "done";
    }
    let before = await findBooking(deps.db, row.booking_id);
    for (let pass = 1; ; pass++) {
      await write(deps, provider, calendar.external_id, row.booking_id, before);
      const after = await findBooking(deps.db, row.booking_id);
      if (sameWrite(before, after)) break;
      // The booking changed while we wrote (maybe in another process, whose own write ours may
      // have overtaken): write its new state now, so the provider ends on the ledger's state.
      if (pass >= MAX_PASSES) {
        await retryOutbox(
          deps.db,
          row.seq,
          row.attempts,
          deps.now(),
          "booking kept changing during the write",
        );
        return "again";
      }
      before = after;
    }
    await completeOutbox(deps.db, row.seq, deps.now());
    return "done";
  } catch (err) {
    return fail(deps, row, calendar, err, random);
  }
}

async function write(
  deps: OutboxDeps,
  provider: CalendarProvider,
  externalCalendarId: string,
  bookingId: string,
  booking: BookingRow | undefined,
): Promise<void> {
  if (booking?.status !== "confirmed") {
    await provider.cancelBooking({ externalCalendarId }, bookingId);
    return;
  }
  const agent = await deps.db
    .selectFrom("agents")
    .select("name")
    .where("id", "=", booking.agent_id)
    .executeTakeFirst();
  await provider.upsertBooking(
    { externalCalendarId },
    {
      bookingId: booking.id,
      start: booking.start_ms,
      end: booking.end_ms,
      title: booking.title,
      description: booking.description,
      attendees: attendeesOf(booking),
      meetingClass: booking.meeting_class,
      agentName: agent?.name ?? booking.agent_id,
    },
  );
}

/** True when the provider now holds what `after` needs: the same fields were written. */
function sameWrite(before: BookingRow | undefined, after: BookingRow | undefined): boolean {
  if (before === undefined || after === undefined) return before === after;
  return (
    before.status === after.status &&
    before.start_ms === after.start_ms &&
    before.end_ms === after.end_ms &&
    before.title === after.title &&
    before.description === after.description &&
    before.attendees_json === after.attendees_json &&
    before.updated_at === after.updated_at
  );
}

async function fail(
  deps: OutboxDeps,
  row: OutboxRow,
  calendar: CalendarRow,
  err: unknown,
  random: () => number,
): Promise<Outcome> {
  const now = deps.now();
  const attempts = row.attempts + 1;
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof ProviderError && err.kind === "auth_revoked" && calendar.status !== "needs_reconnect") {
    await updateCalendar(deps.db, calendar.id, { status: "needs_reconnect" });
    deps.logger.warn({ calendar_id: calendar.id }, "provider grant revoked; calendar needs reconnect");
  }
  // Revoked grants and Openavail's own misconfiguration (ProviderConfigError) are retried too: the
  // write stays owed until the owner reconnects or the operator fixes the configuration.
  const retryable = !(err instanceof ProviderError) || err.retryable || err.kind === "auth_revoked";
  deps.logger.warn({ booking_id: row.booking_id, op: row.op, attempts, err: message }, "outbox write failed");
  if (!retryable) {
    // The provider refused this write as it is; retrying it unchanged cannot succeed.
    await abandonOutbox(deps.db, row.seq, now, message);
    return "abandoned";
  }
  const backoff = backoffDelay(attempts, random);
  const delay =
    err instanceof ProviderError && err.retryAfterMs !== undefined
      ? Math.max(err.retryAfterMs, backoff)
      : backoff;
  await retryOutbox(deps.db, row.seq, attempts, now + delay, message);
  return "retried";
}
