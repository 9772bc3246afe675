// Write-through: drains the outbox to the providers with exponential backoff and jitter. The
// provider derives its event id from the booking id, so a retry can never create a second event.
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import {
  abandonOutbox,
  completeOutbox,
  dueOutbox,
  retryOutbox,
  supersededOutbox,
} from "../ledger/outbox.repository.js";
import { findCalendarById, updateCalendar } from "../ledger/owners.repository.js";
import { findBooking } from "../ledger/schedule.repository.js";
import type { Database } from "../ledger/tables.js";
import { ProviderError } from "../providers/calendar-provider.js";
import type { ProviderResolver } from "./calendar-sync.js";

export interface OutboxDeps {
  readonly db: Kysely<Database>;
  readonly now: () => number;
  readonly logger: Logger;
  readonly providerFor: ProviderResolver;
  /** Uniform [0, 1): injected so tests can pin the jitter. */
  readonly random?: () => number;
}

const BASE_DELAY_MS = 1_000;
const MAX_DELAY_MS = 15 * 60_000;

/** Full-jitter exponential backoff: a random delay up to base * 2^attempt, capped. */
export function backoffDelay(attempt: number, random: () => number): number {
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.min(attempt, 20));
  return Math.max(BASE_DELAY_MS / 2, Math.floor(random() * ceiling));
}

export interface DrainResult {
  readonly done: number;
  readonly retried: number;
}

/** Processes every entry due now, at most `limit`. */
export async function drainOutbox(deps: OutboxDeps, limit = 50): Promise<DrainResult> {
  const random = deps.random ?? Math.random;
  let done = 0;
  let retried = 0;
  for (const row of await dueOutbox(deps.db, deps.now(), limit)) {
    const now = deps.now();
    if (await supersededOutbox(deps.db, row)) {
      await completeOutbox(deps.db, row.seq, now);
      done++;
      continue;
    }
    const calendar = await findCalendarById(deps.db, row.calendar_id);
    const provider = calendar ? await deps.providerFor(calendar) : null;
    if (!calendar || !provider || calendar.external_id === null) {
      await completeOutbox(deps.db, row.seq, now);
      done++;
      continue;
    }
    try {
      if (row.op === "upsert") {
        const booking = await findBooking(deps.db, row.booking_id);
        const agent = booking
          ? await deps.db
              .selectFrom("agents")
              .select("name")
              .where("id", "=", booking.agent_id)
              .executeTakeFirst()
          : undefined;
        if (booking && booking.status === "confirmed") {
          await provider.upsertBooking(
            { externalCalendarId: calendar.external_id },
            {
              bookingId: booking.id,
              start: booking.start_ms,
              end: booking.end_ms,
              title: booking.title,
              attendees: JSON.parse(booking.attendees_json) as string[],
              meetingClass: booking.meeting_class,
              agentName: agent?.name ?? booking.agent_id,
            },
          );
        } else {
          await provider.cancelBooking({ externalCalendarId: calendar.external_id }, row.booking_id);
        }
      } else {
        await provider.cancelBooking({ externalCalendarId: calendar.external_id }, row.booking_id);
      }
      await completeOutbox(deps.db, row.seq, deps.now());
      done++;
    } catch (err) {
      const attempts = row.attempts + 1;
      if (err instanceof ProviderError && err.kind === "auth_revoked") {
        await updateCalendar(deps.db, calendar.id, { status: "needs_reconnect" });
      }
      const retryable = !(err instanceof ProviderError) || err.retryable || err.kind === "auth_revoked";
      const delay =
        err instanceof ProviderError && err.retryAfterMs !== undefined
          ? Math.max(err.retryAfterMs, backoffDelay(attempts, random))
          : backoffDelay(attempts, random);
      const message = err instanceof Error ? err.message : String(err);
      if (retryable) {
        await retryOutbox(deps.db, row.seq, attempts, now + delay, message);
        retried++;
      } else {
        // The provider refused this write as it is; retrying it unchanged cannot succeed.
        await abandonOutbox(deps.db, row.seq, now, message);
      }
      deps.logger.warn(
        { booking_id: row.booking_id, op: row.op, attempts, err: message },
        "outbox write failed",
      );
    }
  }
  return { done, retried };
}
