// The `google` provider: Calendar v3 through googleapis, authorized by one owner's refresh token
// (installed-app OAuth) or by a service account with domain-wide delegation impersonating the owner.
// No retries here: the outbox worker owns retry and backoff, and sync runs again on its own clock.
import { auth, calendar, type calendar_v3 } from "@googleapis/calendar";
import type {
  BookingWrite,
  CalendarProvider,
  ProviderCalendar,
  ProviderEvent,
  SyncPage,
} from "../calendar-provider.js";
import { assertBookingWrite, ProviderError } from "../calendar-provider.js";
import { httpStatusOf, toProviderError } from "./errors.js";
import { eventIdForBooking } from "./event-id.js";
import { BOOKING_ID_PROPERTY, bookingEvent, eventAttendees, mapGoogleEvent } from "./event-mapping.js";

export const GOOGLE_CALENDAR_SCOPE = "https://www.googleapis.com/auth/calendar";
/** Where google-auth-library sends JWT-bearer grants; it has no option for another endpoint. */
const GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token";
const DAY_MS = 86_400_000;

/**
 * A Workspace service account with domain-wide delegation: it signs a JWT (RFC 7523) asserting
 * `subject`, and Google issues an access token acting as that user.
 */
export interface GoogleServiceAccountAuth {
  readonly kind: "service_account";
  readonly clientEmail: string;
  /** PEM private key of the service account (decrypted). */
  readonly privateKey: string;
  /** The user to impersonate: the owner's email. */
  readonly subject: string;
}

/** Options for the installed-app OAuth grant: the client and the owner's refresh token. */
export interface GoogleProviderOptions extends GoogleProviderCommonOptions {
  clientId: string;
  clientSecret: string;
  /** The owner's refresh token (decrypted). One provider instance per connected owner. */
  refreshToken: string;
}

/** Options for a service account impersonating the owner (domain-wide delegation). */
export interface GoogleServiceAccountProviderOptions extends GoogleProviderCommonOptions {
  auth: GoogleServiceAccountAuth;
}

export interface GoogleProviderCommonOptions {
  /** Calendar API root; default `https://www.googleapis.com/`. Tests point it at the fake. */
  rootUrl?: string;
  /** OAuth token endpoint (refresh-token and JWT-bearer grants alike); default `https://oauth2.googleapis.com/token`. */
  tokenUrl?: string;
  /** Per-request timeout in ms, for API and token requests alike; default 10 000. */
  timeoutMs?: number;
  /** `maxResults` per events.list page; default 250 (Google allows up to 2500). */
  pageSize?: number;
  /**
   * How far back a full sync lists, in ms before `now()`; default 30 days. Incremental syncs carry no
   * bound (Google refuses one with a syncToken) and report every change. `null` lists all history.
   */
  fullSyncLookbackMs?: number | null;
  /** Whom Google emails about writes; default `"none"` (Openavail notifies its agents itself). */
  sendUpdates?: "all" | "externalOnly" | "none";
  now?: () => number;
}

type OAuth2 = InstanceType<typeof auth.OAuth2>;
type JWT = InstanceType<typeof auth.JWT>;

/** Calendar v3 adapter. Every method throws only ProviderError (or a bug). */
export class GoogleProvider implements CalendarProvider {
  readonly kind = "google" as const;
  readonly #api: calendar_v3.Calendar;
  readonly #oauth: OAuth2 | JWT;
  /** Drops the cached access token, so the next request gets a fresh one. */
  readonly #resetToken: () => void;
  readonly #pageSize: number;
  readonly #lookbackMs: number | null;
  readonly #sendUpdates: string;
  readonly #now: () => number;

  constructor(options: GoogleProviderOptions | GoogleServiceAccountProviderOptions) {
    const timeout = options.timeoutMs ?? 10_000;
    this.#pageSize = options.pageSize ?? 250;
    this.#lookbackMs = options.fullSyncLookbackMs === undefined ? 30 * DAY_MS : options.fullSyncLookbackMs;
    this.#sendUpdates = options.sendUpdates ?? "none";
    this.#now = options.now ?? Date.now;
    // The auth classes of the google-auth-library copy that @googleapis/calendar is typed against, so
    // the client passes to calendar() without a cast.
    const tokenUrl = options.tokenUrl;
    if (!("auth" in options)) {
      const oauth = new auth.OAuth2({
        clientId: options.clientId,
        clientSecret: options.clientSecret,
        ...(tokenUrl === undefined ? {} : { endpoints: { oauth2TokenUrl: tokenUrl } }),
        transporterOptions: { timeout },
      });
      const refreshToken = options.refreshToken;
      oauth.setCredentials({ refresh_token: refreshToken });
      this.#oauth = oauth;
      this.#resetToken = () => oauth.setCredentials({ refresh_token: refreshToken });
    } else {
      const jwt = new auth.JWT({
        email: options.auth.clientEmail,
        key: options.auth.privateKey,
        subject: options.auth.subject,
        scopes: [GOOGLE_CALENDAR_SCOPE],
        transporterOptions: { timeout },
      });
      this.#oauth = jwt;
      this.#resetToken = () => {
        // The JWT client keeps its token in its GoogleToken too; a fresh one signs a new assertion.
        jwt.setCredentials({});
        jwt.gtoken = undefined;
      };
    }
    const transporter = this.#oauth.transporter;
    // Token refreshes ask gaxios for 3 retries with backoff, and API calls inherit a retry default;
    // every request goes through this transporter, so switch retries off in one place. The JWT-bearer
    // grant always posts to Google's token URL (google-auth-library has no option for it), so a
    // tokenUrl override is applied here too (as a URL: gaxios's error redactor reads url.searchParams).
    transporter.interceptors.request.add({
      resolved: async (request) => {
        const redirect =
          tokenUrl !== undefined && request.url !== undefined && String(request.url) === GOOGLE_TOKEN_URL;
        return Object.assign(request, {
          retry: false,
          retryConfig: { retry: 0 },
          ...(redirect ? { url: new URL(tokenUrl) } : {}),
        });
      },
    });
    this.#api = calendar({
      version: "v3",
      auth: this.#oauth,
      timeout,
      retry: false,
      ...(options.rootUrl === undefined ? {} : { rootUrl: options.rootUrl }),
    });
  }

  /**
   * Runs one API request; on 401 drops the access token and runs it once more. The library refreshes
   * only ahead of the expiry it knows, so a token Google stopped honouring early (revoked while the
   * refresh token stays good) would otherwise look like a lost connection. A 401 means the request
   * was not executed, so repeating an insert is safe. A refresh that fails is `invalid_grant`.
   */
  async #call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (err) {
      if (httpStatusOf(err) !== 401) throw err;
      this.#resetToken();
      return await request();
    }
  }

  /**
   * Incremental sync from `syncToken`, or a full listing when it is null. A token Google rejects as
   * expired (410) turns into a full listing with `fullResync: true`.
   */
  async sync(cal: {
    externalCalendarId: string;
    syncToken: string | null;
    timeZone: string;
  }): Promise<SyncPage> {
    const calendarId = cal.externalCalendarId;
    if (cal.syncToken !== null) {
      try {
        const page = await this.#listAll(calendarId, cal.timeZone, { syncToken: cal.syncToken });
        return { ...page, fullResync: false };
      } catch (err) {
        if (httpStatusOf(err) !== 410) throw toProviderError(err, `sync ${calendarId}`);
      }
    }
    const timeMin =
      this.#lookbackMs === null ? {} : { timeMin: new Date(this.#now() - this.#lookbackMs).toISOString() };
    try {
      const page = await this.#listAll(calendarId, cal.timeZone, timeMin);
      return { ...page, fullResync: cal.syncToken !== null };
    } catch (err) {
      throw toProviderError(err, `full sync ${calendarId}`);
    }
  }

  async #listAll(
    calendarId: string,
    timeZone: string,
    bound: { syncToken?: string; timeMin?: string },
  ): Promise<{ events: ProviderEvent[]; nextSyncToken: string }> {
    // Keyed by id: an event changed while we page may show up twice; the later copy wins.
    const events = new Map<string, ProviderEvent>();
    let pageToken: string | undefined;
    for (;;) {
      const { data } = await this.#call(() =>
        this.#api.events.list({
          calendarId,
          singleEvents: true,
          showDeleted: true,
          maxResults: this.#pageSize,
          ...bound,
          ...(pageToken === undefined ? {} : { pageToken }),
        }),
      );
      for (const item of data.items ?? []) {
        const event = mapGoogleEvent(item, timeZone);
        if (event !== null) events.set(event.externalId, event);
      }
      if (data.nextPageToken) {
        pageToken = data.nextPageToken;
        continue;
      }
      if (!data.nextSyncToken) {
        throw new ProviderError("invalid", `events.list of ${calendarId} ended without a nextSyncToken`);
      }
      return { events: [...events.values()], nextSyncToken: data.nextSyncToken };
    }
  }

  /**
   * Inserts the booking's event under its derived id; when that id exists already (409: an earlier
   * attempt got through, or this is a reschedule) the existing event is patched instead.
   */
  async upsertBooking(cal: { externalCalendarId: string }, booking: BookingWrite) {
    assertBookingWrite(booking);
    const calendarId = cal.externalCalendarId;
    const eventId = eventIdForBooking(booking.bookingId);
    const what = `upsert booking ${booking.bookingId} on ${calendarId}`;
    try {
      await this.#call(() =>
        this.#api.events.insert({
          calendarId,
          sendUpdates: this.#sendUpdates,
          requestBody: {
            id: eventId,
            ...bookingEvent(booking),
            attendees: eventAttendees(booking.attendees),
          },
        }),
      );
      return { externalEventId: eventId };
    } catch (err) {
      if (httpStatusOf(err) !== 409) throw toProviderError(err, what);
    }
    try {
      const { data: existing } = await this.#call(() => this.#api.events.get({ calendarId, eventId }));
      const owner = existing.extendedProperties?.private?.[BOOKING_ID_PROPERTY];
      if (owner !== undefined && owner !== booking.bookingId) {
        throw new ProviderError("invalid", `${what}: event ${eventId} belongs to booking ${owner}`);
      }
      await this.#call(() =>
        this.#api.events.patch({
          calendarId,
          eventId,
          sendUpdates: this.#sendUpdates,
          requestBody: {
            ...bookingEvent(booking),
            attendees: eventAttendees(booking.attendees, existing.attendees ?? []),
          },
        }),
      );
      return { externalEventId: eventId };
    } catch (err) {
      throw toProviderError(err, what);
    }
  }

  /** Deletes the booking's event; an event that is already gone (404, 410) counts as done. */
  async cancelBooking(cal: { externalCalendarId: string }, bookingId: string): Promise<void> {
    const calendarId = cal.externalCalendarId;
    try {
      await this.#call(() =>
        this.#api.events.delete({
          calendarId,
          eventId: eventIdForBooking(bookingId),
          sendUpdates: this.#sendUpdates,
        }),
      );
    } catch (err) {
      const status = httpStatusOf(err);
      if (status === 404 || status === 410) return;
      throw toProviderError(err, `cancel booking ${bookingId} on ${calendarId}`);
    }
  }

  async listCalendars(): Promise<ProviderCalendar[]> {
    const calendars: ProviderCalendar[] = [];
    let pageToken: string | undefined;
    try {
      do {
        const { data } = await this.#call(() =>
          this.#api.calendarList.list({
            maxResults: this.#pageSize,
            ...(pageToken === undefined ? {} : { pageToken }),
          }),
        );
        for (const entry of data.items ?? []) {
          if (!entry.id) continue;
          calendars.push({
            id: entry.id,
            summary: entry.summaryOverride ?? entry.summary ?? entry.id,
            primary: entry.primary === true,
            timeZone: entry.timeZone ?? "UTC",
          });
        }
        pageToken = data.nextPageToken ?? undefined;
      } while (pageToken !== undefined);
    } catch (err) {
      throw toProviderError(err, "list calendars");
    }
    return calendars;
  }
}
