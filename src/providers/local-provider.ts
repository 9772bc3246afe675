// The `local` provider: the ledger is the calendar, so there is nothing to sync or write through.
import type { BookingWrite, CalendarProvider, ProviderCalendar, SyncPage } from "./calendar-provider.js";
import { assertBookingWrite } from "./calendar-provider.js";

const LOCAL_SYNC_TOKEN = "local";

/** Ledger-only provider: sync returns no events with a stable token; writes are no-ops. */
export class LocalProvider implements CalendarProvider {
  readonly kind = "local" as const;

  async sync(_calendar: {
    externalCalendarId: string;
    syncToken: string | null;
    timeZone: string;
  }): Promise<SyncPage> {
    return { events: [], nextSyncToken: LOCAL_SYNC_TOKEN, fullResync: false };
  }

  /** The booking is its own event, so its id is the external id. */
  async upsertBooking(_calendar: { externalCalendarId: string }, booking: BookingWrite) {
    assertBookingWrite(booking);
    return { externalEventId: booking.bookingId };
  }

  async cancelBooking(_calendar: { externalCalendarId: string }, _bookingId: string): Promise<void> {}

  /** Local calendars live in the ledger; the provider knows none of its own. */
  async listCalendars(): Promise<ProviderCalendar[]> {
    return [];
  }
}
