// The one interface every calendar provider implements (`local`, `google`, `microsoft`, `caldav`), and the one error type
// a provider throws. The ledger's sync loop and outbox worker see nothing provider-specific.

/** One event as a provider reports it. Instants are epoch milliseconds; the span is half-open. */
export interface ProviderEvent {
  externalId: string;
  /**
   * Start and end of `[start, end)`. All-day events span local midnight to midnight in the
   * calendar's zone. A deleted event (`status: "cancelled"`) may carry `0`/`0` when the provider
   * reports no times for it: consumers remove it by `externalId` and must not read its span.
   */
  start: number;
  end: number;
  /** False for cancelled, transparent ("show as free") and declined-by-the-owner events. */
  busy: boolean;
  status: "confirmed" | "tentative" | "cancelled";
  allDay: boolean;
  title: string | null;
  /** The Openavail booking this event mirrors (the event's private `openavail_booking_id`), else null. */
  bookingId: string | null;
  /** Last modification time on the provider, epoch ms. */
  updatedAt: number;
}

/**
 * The changes since `syncToken` (or every event when it was null), with the token for next time.
 * The page is a complete listing, so the mirror should drop rows it does not contain, when the
 * request's token was null or `fullResync` is true (the token was rejected as expired, 410).
 */
export interface SyncPage {
  events: ProviderEvent[];
  nextSyncToken: string;
  fullResync: boolean;
  /**
   * Objects whose rows the mirror drops before applying `events`: the row `id` and every row
   * `id#...` (the occurrences of a recurring object, which a provider reports one event each).
   * A provider that expands recurrences itself names each changed or deleted object here, so
   * occurrences that no longer exist leave the mirror. Absent: nothing is dropped this way.
   */
  replaced?: readonly string[];
}

/** The provider kinds a calendar can have. */
export type ProviderKind = "local" | "google" | "microsoft" | "caldav";

/** What the outbox writes to the provider for one confirmed booking. `start < end`, epoch ms. */
export interface BookingWrite {
  bookingId: string;
  start: number;
  end: number;
  title: string;
  description: string | null;
  /** Each with the display name to show, when the booking gave one. */
  attendees: readonly { readonly email: string; readonly name: string | null }[];
  meetingClass: string;
  agentName: string;
}

export interface ProviderCalendar {
  id: string;
  summary: string;
  primary: boolean;
  timeZone: string;
}

/**
 * A calendar backend. Writes are idempotent by booking id: `upsertBooking` twice leaves one event
 * (updated to the second write), `cancelBooking` of a booking that is already gone succeeds.
 * Every failure is a {@link ProviderError}.
 */
export interface CalendarProvider {
  readonly kind: ProviderKind;
  sync(calendar: {
    externalCalendarId: string;
    syncToken: string | null;
    timeZone: string;
  }): Promise<SyncPage>;
  upsertBooking(
    calendar: { externalCalendarId: string },
    booking: BookingWrite,
  ): Promise<{ externalEventId: string }>;
  cancelBooking(calendar: { externalCalendarId: string }, bookingId: string): Promise<void>;
  listCalendars(): Promise<ProviderCalendar[]>;
}

/**
 * - `auth_revoked`: the owner must connect again (refresh token revoked or expired); do not retry.
 * - `rate_limited`: retry after `retryAfterMs` when given, else with backoff.
 * - `unavailable`: 5xx, timeout, connection refused; retry with backoff.
 * - `not_found`: the calendar (or event) does not exist on the provider.
 * - `invalid`: the provider refused the request as it was; retrying the same request will not help.
 */
export type ProviderErrorKind = "auth_revoked" | "rate_limited" | "unavailable" | "not_found" | "invalid";

/** The one error a provider throws. */
export class ProviderError extends Error {
  override readonly name = "ProviderError";
  readonly kind: ProviderErrorKind;
  /** From the provider's Retry-After, in milliseconds, when it sent one. */
  readonly retryAfterMs?: number;
  /** The provider's HTTP status, when there was a response. */
  readonly status?: number;

  constructor(
    kind: ProviderErrorKind,
    message: string,
    options: { retryAfterMs?: number; status?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
    if (options.status !== undefined) this.status = options.status;
  }

  /** True when the same request may succeed later (the outbox should back off and retry). */
  get retryable(): boolean {
    return this.kind === "rate_limited" || this.kind === "unavailable";
  }
}

/** Refuses a write whose span is empty or not integer epoch ms; shared by every provider. */
export function assertBookingWrite(booking: BookingWrite): void {
  if (booking.bookingId.length === 0) throw new ProviderError("invalid", "booking id must not be empty");
  if (
    !Number.isSafeInteger(booking.start) ||
    !Number.isSafeInteger(booking.end) ||
    booking.start >= booking.end
  ) {
    throw new ProviderError(
      "invalid",
      `booking ${booking.bookingId} needs integer epoch ms with start < end, got [${booking.start}, ${booking.end})`,
    );
  }
}
