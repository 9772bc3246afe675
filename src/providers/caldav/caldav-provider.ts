// The `caldav` provider: any CalDAV server (iCloud, Fastmail, Nextcloud, Radicale) through tsdav,
// signed in with a username and app password. The mirror follows a calendar collection with
// sync-collection (RFC 6578), or its ctag where the server has no sync tokens; recurring events are
// expanded here (ical-events.ts). A booking is one object whose name and UID derive from the
// booking id. No retries here: the outbox worker owns retry and backoff.

import type { DAVCalendar, DAVResponse } from "tsdav";
import {
  calendarMultiGet,
  calendarQuery,
  createAccount,
  fetchCalendars,
  propfind,
  syncCollection,
} from "tsdav";
import type {
  BookingWrite,
  CalendarProvider,
  ProviderCalendar,
  ProviderEvent,
  SyncPage,
} from "../calendar-provider.js";
import { assertBookingWrite, ProviderError } from "../calendar-provider.js";
import { bookingIcs, resourceNameForBooking } from "./booking-ics.js";
import { type DavCredentials, davFetch } from "./dav-fetch.js";
import { calendarZoneOf, textOf } from "./dav-props.js";
import {
  collectionUrl,
  deleted,
  httpError,
  isCalendar,
  lastSegment,
  multistatusToken,
  requestFailure,
  statusError,
} from "./dav-responses.js";
import { eventsOfObject } from "./ical-events.js";
import { type DavSyncState, decodeState, encodeState } from "./sync-state.js";

const DAY_MS = 86_400_000;

export interface CalDavProviderOptions extends DavCredentials {
  /** The server's (or the account's, or one calendar collection's) URL. */
  readonly serverUrl: string;
  /** Per-request timeout in ms; default 10 000. */
  readonly timeoutMs?: number;
  /** How far back a full listing reaches, in ms; default 30 days. */
  readonly lookbackMs?: number;
  /** How far ahead recurring events are expanded, in ms; default 400 days (past the 365-day horizon). */
  readonly expandAheadMs?: number;
  readonly now?: () => number;
  /** Tests may route requests; default the global fetch. */
  readonly fetch?: typeof fetch;
}

const CALENDAR_DATA_PROPS = { "d:getetag": {}, "c:calendar-data": {} };

/** CalDAV adapter. Every method throws only ProviderError (or a bug). */
export class CalDavProvider implements CalendarProvider {
  readonly kind = "caldav" as const;
  readonly #serverUrl: string;
  readonly #credentials: DavCredentials;
  readonly #fetch: typeof fetch;
  readonly #now: () => number;
  readonly #lookbackMs: number;
  readonly #aheadMs: number;

  constructor(options: CalDavProviderOptions) {
    this.#serverUrl = options.serverUrl;
    this.#credentials = { username: options.username, password: options.password };
    this.#now = options.now ?? Date.now;
    this.#lookbackMs = options.lookbackMs ?? 30 * DAY_MS;
    this.#aheadMs = options.expandAheadMs ?? 400 * DAY_MS;
    this.#fetch = davFetch(this.#credentials, {
      timeoutMs: options.timeoutMs ?? 10_000,
      now: this.#now,
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    });
  }

  /** The owner's address, for telling the events the owner declined: the username when it is one. */
  get #ownerAddress(): string | null {
    return this.#credentials.username.includes("@") ? this.#credentials.username : null;
  }

  /**
   * The changes since `syncToken` (a sync-collection token, or a ctag), or a full listing when it is
   * null, was refused by the server (`fullResync`), or expanded recurring events too short a way ahead.
   */
  async sync(cal: {
    externalCalendarId: string;
    syncToken: string | null;
    timeZone: string;
  }): Promise<SyncPage> {
    const url = collectionUrl(cal.externalCalendarId);
    const state = decodeState(cal.syncToken);
    const now = this.#now();
    // Occurrences were expanded up to `until`: once that comes within the horizon, list again.
    if (state !== null && state.until - now >= this.#aheadMs - 35 * DAY_MS) {
      if (state.dav !== null) {
        const incremental = await this.#changesSince(url, state, now);
        if (incremental !== null) return incremental;
      } else {
        const ctag = (await this.#collectionProps(url)).ctag;
        if (ctag !== null && ctag === state.ctag) {
          return { events: [], nextSyncToken: cal.syncToken ?? encodeState(state), fullResync: false };
        }
      }
    }
    const page = await this.#fullListing(url, cal.timeZone, now);
    return { ...page, fullResync: cal.syncToken !== null };
  }

  /** sync-collection from the stored token; null when the server no longer knows the token. */
  async #changesSince(url: string, state: DavSyncState, now: number): Promise<SyncPage | null> {
    const responses = await syncCollection({
      url,
      props: CALENDAR_DATA_PROPS,
      syncLevel: 1,
      syncToken: state.dav ?? "",
      fetch: this.#fetch,
    });
    const failed = requestFailure(responses);
    if (failed !== null) {
      // RFC 6578: a token the server no longer honours is refused with DAV:valid-sync-token.
      if (failed.status === 403 || failed.status === 409 || failed.status === 412) return null;
      throw statusError(failed, `sync ${url}`);
    }
    const nextToken = multistatusToken(responses) ?? state.dav;
    const { events, replaced } = await this.#objects(url, responses, state, now);
    return {
      events,
      replaced,
      nextSyncToken: encodeState({ ...state, dav: nextToken }),
      fullResync: false,
    };
  }

  async #fullListing(url: string, fallbackZone: string, now: number): Promise<Omit<SyncPage, "fullResync">> {
    const props = await this.#collectionProps(url);
    const timeZone = props.timeZone ?? fallbackZone;
    const until = now + this.#aheadMs;
    const state: DavSyncState = { dav: null, ctag: props.ctag, tz: timeZone, until };
    if (props.syncToken !== null) {
      const responses = await syncCollection({
        url,
        props: CALENDAR_DATA_PROPS,
        syncLevel: 1,
        syncToken: "",
        fetch: this.#fetch,
      });
      const token = requestFailure(responses) === null ? multistatusToken(responses) : null;
      if (token !== null) {
        const { events } = await this.#objects(url, responses, state, now);
        return { events: this.#recent(events, now), nextSyncToken: encodeState({ ...state, dav: token }) };
      }
    }
    const responses = await calendarQuery({
      url,
      props: CALENDAR_DATA_PROPS,
      filters: {
        "c:comp-filter": {
          _attributes: { name: "VCALENDAR" },
          "c:comp-filter": { _attributes: { name: "VEVENT" } },
        },
      },
      depth: "1",
      fetch: this.#fetch,
    });
    const failed = requestFailure(responses);
    if (failed !== null) throw statusError(failed, `list events of ${url}`);
    const { events } = await this.#objects(url, responses, state, now);
    return { events: this.#recent(events, now), nextSyncToken: encodeState(state) };
  }

  /** A full listing reaches back `lookbackMs`, as the Google provider's does. */
  #recent(events: ProviderEvent[], now: number): ProviderEvent[] {
    const from = now - this.#lookbackMs;
    return events.filter((e) => e.end > from);
  }

  /** The events of every object in a multistatus; objects listed without their data are fetched. */
  async #objects(
    url: string,
    responses: DAVResponse[],
    state: DavSyncState,
    now: number,
  ): Promise<{ events: ProviderEvent[]; replaced: string[] }> {
    const events: ProviderEvent[] = [];
    const replaced: string[] = [];
    const missing: string[] = [];
    const expand = {
      timeZone: state.tz,
      from: now - this.#lookbackMs,
      to: state.until,
      ownerAddress: this.#ownerAddress,
    };
    const add = (href: string, ics: string) => {
      replaced.push(href);
      events.push(...eventsOfObject(href, ics, expand));
    };
    for (const r of responses) {
      const href = r.href;
      if (href === undefined || href.endsWith("/")) continue;
      if (r.status === 404 || r.status === 410) {
        // Deleted: the object and every occurrence of it leave the mirror.
        replaced.push(href);
        events.push(deleted(href));
        continue;
      }
      if (!r.ok) continue;
      const data = textOf(r.props?.["calendarData"]);
      if (data === null) missing.push(href);
      else add(href, data);
    }
    if (missing.length > 0) {
      const fetched = await calendarMultiGet({
        url,
        props: CALENDAR_DATA_PROPS,
        objectUrls: missing,
        depth: "1",
        fetch: this.#fetch,
      });
      for (const r of fetched) {
        const data = textOf(r.props?.["calendarData"]);
        if (r.href !== undefined && r.ok && data !== null) add(r.href, data);
      }
    }
    return { events, replaced };
  }

  async #collectionProps(url: string) {
    const [first] = await propfind({
      url,
      props: { "d:sync-token": {}, "cs:getctag": {}, "c:calendar-timezone": {}, "d:resourcetype": {} },
      depth: "0",
      fetch: this.#fetch,
    });
    if (first === undefined || !first.ok) throw statusError(first, `read calendar ${url}`);
    return {
      syncToken: textOf(first.props?.["syncToken"]),
      ctag: textOf(first.props?.["getctag"]),
      timeZone: calendarZoneOf(first.props?.["calendarTimezone"]),
    };
  }

  /** PUTs the booking's object under its derived name: a retry or a move replaces it in place. */
  async upsertBooking(cal: { externalCalendarId: string }, booking: BookingWrite) {
    assertBookingWrite(booking);
    const target = new URL(resourceNameForBooking(booking.bookingId), collectionUrl(cal.externalCalendarId));
    const response = await this.#fetch(target, {
      method: "PUT",
      headers: { "content-type": "text/calendar; charset=utf-8" },
      body: bookingIcs(booking, this.#now()),
    });
    await response.body?.cancel();
    if (!response.ok) {
      throw httpError(response.status, `upsert booking ${booking.bookingId} at ${target.pathname}`);
    }
    return { externalEventId: target.pathname };
  }

  /** DELETEs the booking's object; one already gone (404, 410) counts as done. */
  async cancelBooking(cal: { externalCalendarId: string }, bookingId: string): Promise<void> {
    const target = new URL(resourceNameForBooking(bookingId), collectionUrl(cal.externalCalendarId));
    const response = await this.#fetch(target, { method: "DELETE" });
    await response.body?.cancel();
    if (response.ok || response.status === 404 || response.status === 410) return;
    throw httpError(response.status, `cancel booking ${bookingId} at ${target.pathname}`);
  }

  /**
   * The event calendars of the account: the collection at `serverUrl` itself when it is one (then
   * the only, and primary), else those found from the principal's calendar home (the first primary).
   */
  async listCalendars(): Promise<ProviderCalendar[]> {
    const url = collectionUrl(this.#serverUrl);
    const [self] = await propfind({
      url,
      props: { "d:resourcetype": {}, "d:displayname": {}, "c:calendar-timezone": {} },
      depth: "0",
      fetch: this.#fetch,
    });
    if (self?.ok && isCalendar(self.props?.["resourcetype"])) {
      return [
        {
          id: url,
          summary: textOf(self.props?.["displayname"]) ?? lastSegment(url),
          primary: true,
          timeZone: calendarZoneOf(self.props?.["calendarTimezone"]) ?? "UTC",
        },
      ];
    }
    let found: DAVCalendar[];
    try {
      const account = await createAccount({
        account: { serverUrl: this.#serverUrl, accountType: "caldav" },
        fetch: this.#fetch,
      });
      found = await fetchCalendars({ account, fetch: this.#fetch });
    } catch (err) {
      if (err instanceof ProviderError) throw err;
      throw new ProviderError(
        "not_found",
        `no CalDAV calendars found at ${this.#serverUrl} (${err instanceof Error ? err.message : String(err)}); give the calendar's own URL`,
      );
    }
    const calendars = found.filter((c) => c.components === undefined || c.components.includes("VEVENT"));
    return calendars.map((c, i) => ({
      id: collectionUrl(new URL(c.url, this.#serverUrl).href),
      summary: typeof c.displayName === "string" && c.displayName !== "" ? c.displayName : lastSegment(c.url),
      primary: i === 0,
      timeZone: calendarZoneOf(c.timezone) ?? "UTC",
    }));
  }
}
