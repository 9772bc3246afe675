// The `microsoft` provider: Microsoft 365 / Outlook calendars through Microsoft Graph v1.0, with
// tokens from msal-node (msal-tokens.ts). The mirror follows calendarView/delta (occurrences of
// recurring events already expanded by Graph) from a delta link, listing again when Graph forgot it
// (410 SyncStateNotFound) or the window must roll forward. A booking is one event carrying the
// booking id in a single-value extended property and as its transactionId, so a retried create
// returns the first event. No retries here: the outbox worker owns retry and backoff.
import type {
  BookingWrite,
  CalendarProvider,
  ProviderCalendar,
  ProviderEvent,
  SyncPage,
} from "../calendar-provider.js";
import { assertBookingWrite, ProviderError } from "../calendar-provider.js";
import { parseRetryAfter } from "../retry-after.js";
import {
  decodeState,
  encodeState,
  type GraphEventJson,
  mapGraphEvent,
  TRANSACTION_PREFIX,
} from "./graph-events.js";
import type { GraphTokens } from "./msal-tokens.js";

const DAY_MS = 86_400_000;
/** The extended property holding the booking id (a named string property in Openavail's GUID space). */
export const BOOKING_PROPERTY = "String {6d8d3b1e-3f0a-4d7e-9a51-0a7f0c1e2b44} Name openavail_booking_id";

export interface GraphProviderOptions {
  readonly tokens: GraphTokens;
  /** Graph's origin; default https://graph.microsoft.com. Tests point it at a fake. */
  readonly graphUrl?: string;
  readonly timeoutMs?: number;
  readonly lookbackMs?: number;
  /** How far ahead the calendar view reaches; default 400 days (past the 365-day horizon). */
  readonly aheadMs?: number;
  readonly now?: () => number;
}

/** Microsoft Graph adapter. Every method throws only ProviderError (or a bug). */
export class GraphProvider implements CalendarProvider {
  readonly kind = "microsoft" as const;
  readonly #tokens: GraphTokens;
  readonly #base: string;
  readonly #timeoutMs: number;
  readonly #lookbackMs: number;
  readonly #aheadMs: number;
  readonly #now: () => number;

  constructor(options: GraphProviderOptions) {
    this.#tokens = options.tokens;
    this.#base = `${(options.graphUrl ?? "https://graph.microsoft.com").replace(/\/+$/, "")}/v1.0`;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#lookbackMs = options.lookbackMs ?? 30 * DAY_MS;
    this.#aheadMs = options.aheadMs ?? 400 * DAY_MS;
    this.#now = options.now ?? Date.now;
  }

  /** One Graph request with a bearer token; a 401 gets one retry with a fresh token. */
  async #request(method: string, url: string, body?: unknown, what = `${method} ${url}`): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.#tokens.accessToken(attempt > 0);
      let res: Response;
      try {
        res = await fetch(url, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            prefer: 'outlook.timezone="UTC", odata.maxpagesize=200',
            ...(body === undefined ? {} : { "content-type": "application/json" }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(this.#timeoutMs),
        });
      } catch (err) {
        const name = err instanceof Error ? err.name : "";
        throw new ProviderError(
          "unavailable",
          `${what}: ${name === "TimeoutError" ? "timed out" : "no response"}`,
        );
      }
      if (res.status === 401 && attempt === 0) {
        await res.body?.cancel();
        continue;
      }
      if (res.ok || res.status === 404 || res.status === 410) return res;
      const text = await res.text();
      const code = /"code"\s*:\s*"([^"]+)"/.exec(text)?.[1];
      const message = `${what}: HTTP ${res.status}${code ? ` (${code})` : ""}`;
      const retryAfterMs = parseRetryAfter(res.headers.get("retry-after"), this.#now());
      const retry = retryAfterMs === undefined ? {} : { retryAfterMs };
      if (res.status === 429) throw new ProviderError("rate_limited", message, { status: 429, ...retry });
      if (res.status === 401) throw new ProviderError("auth_revoked", message, { status: 401 });
      if (res.status === 408 || res.status >= 500) {
        throw new ProviderError("unavailable", message, { status: res.status, ...retry });
      }
      throw new ProviderError("invalid", message, { status: res.status });
    }
  }

  async sync(cal: {
    externalCalendarId: string;
    syncToken: string | null;
    timeZone: string;
  }): Promise<SyncPage> {
    const now = this.#now();
    const state = decodeState(cal.syncToken);
    if (state !== null && state.until - now >= this.#aheadMs - 35 * DAY_MS) {
      const page = await this.#follow(state.link, cal.timeZone);
      if (page !== null)
        return { ...page, nextSyncToken: encodeState({ ...state, link: page.link }), fullResync: false };
    }
    const start = new Date(now - this.#lookbackMs).toISOString();
    const until = now + this.#aheadMs;
    const first =
      `${this.#base}/me/calendars/${encodeURIComponent(cal.externalCalendarId)}/calendarView/delta` +
      `?startDateTime=${encodeURIComponent(start)}&endDateTime=${encodeURIComponent(new Date(until).toISOString())}`;
    const page = await this.#follow(first, cal.timeZone);
    if (page === null)
      throw new ProviderError("unavailable", "calendar delta: Graph refused a new delta query (410)");
    return {
      events: page.events,
      nextSyncToken: encodeState({ link: page.link, until }),
      fullResync: cal.syncToken !== null,
    };
  }

  /** Pages from `url` to the delta link; null when Graph no longer knows the delta token (410). */
  async #follow(url: string, timeZone: string): Promise<{ events: ProviderEvent[]; link: string } | null> {
    const events = new Map<string, ProviderEvent>();
    let next = url;
    for (;;) {
      const res = await this.#request("GET", next, undefined, "calendar delta");
      if (res.status === 410) {
        // SyncStateNotFound: the delta token is gone; the caller lists everything again.
        await res.body?.cancel();
        return null;
      }
      if (res.status === 404) {
        await res.body?.cancel();
        throw new ProviderError("not_found", "calendar delta: the calendar is gone", { status: 404 });
      }
      const data = (await res.json()) as {
        value?: GraphEventJson[];
        "@odata.nextLink"?: string;
        "@odata.deltaLink"?: string;
      };
      for (const item of data.value ?? []) {
        const event = mapGraphEvent(item, timeZone);
        if (event !== null) events.set(event.externalId, event);
      }
      if (data["@odata.nextLink"]) {
        next = data["@odata.nextLink"];
        continue;
      }
      if (!data["@odata.deltaLink"])
        throw new ProviderError("invalid", "calendar delta ended without a delta link");
      return { events: [...events.values()], link: data["@odata.deltaLink"] };
    }
  }

  /** The event written for a booking, found by its extended property; null when there is none. */
  async #find(calendarId: string, bookingId: string): Promise<string | null> {
    const filter = `singleValueExtendedProperties/any(ep: ep/id eq '${BOOKING_PROPERTY}' and ep/value eq '${bookingId.replace(/'/g, "''")}')`;
    const res = await this.#request(
      "GET",
      `${this.#base}/me/calendars/${encodeURIComponent(calendarId)}/events?$filter=${encodeURIComponent(filter)}&$select=id`,
      undefined,
      `find booking ${bookingId}`,
    );
    if (res.status === 404)
      throw new ProviderError("not_found", `calendar ${calendarId} is gone`, { status: 404 });
    const data = (await res.json()) as { value?: { id?: string }[] };
    return data.value?.[0]?.id ?? null;
  }

  async upsertBooking(cal: { externalCalendarId: string }, booking: BookingWrite) {
    assertBookingWrite(booking);
    // Attendees go into the body, not `attendees`: Graph mails an invitation to every attendee of an
    // event created through it, and Openavail tells its agents itself (as Google's sendUpdates=none).
    const guests = booking.attendees.map((a) => (a.name === null ? a.email : `${a.name} <${a.email}>`));
    const content = [booking.description, guests.length > 0 ? `Attendees: ${guests.join(", ")}` : null]
      .filter((line) => line !== null)
      .join("\n\n");
    const fields = {
      subject: booking.title,
      ...(content === "" ? {} : { body: { contentType: "text", content } }),
      start: { dateTime: new Date(booking.start).toISOString().replace("Z", ""), timeZone: "UTC" },
      end: { dateTime: new Date(booking.end).toISOString().replace("Z", ""), timeZone: "UTC" },
      showAs: "busy",
    };
    const what = `upsert booking ${booking.bookingId}`;
    const existing = await this.#find(cal.externalCalendarId, booking.bookingId);
    if (existing !== null) {
      const res = await this.#request(
        "PATCH",
        `${this.#base}/me/events/${encodeURIComponent(existing)}`,
        fields,
        what,
      );
      await res.body?.cancel();
      if (res.ok) return { externalEventId: existing };
    }
    // A create retried after a lost answer returns the first event: Graph dedupes by transactionId.
    const res = await this.#request(
      "POST",
      `${this.#base}/me/calendars/${encodeURIComponent(cal.externalCalendarId)}/events`,
      {
        ...fields,
        transactionId: `${TRANSACTION_PREFIX}${booking.bookingId}`,
        singleValueExtendedProperties: [{ id: BOOKING_PROPERTY, value: booking.bookingId }],
      },
      what,
    );
    if (!res.ok) throw new ProviderError("not_found", `${what}: HTTP ${res.status}`, { status: res.status });
    const created = (await res.json()) as { id?: string };
    if (!created.id) throw new ProviderError("invalid", `${what}: Graph answered without an event id`);
    return { externalEventId: created.id };
  }

  async cancelBooking(cal: { externalCalendarId: string }, bookingId: string): Promise<void> {
    const id = await this.#find(cal.externalCalendarId, bookingId);
    if (id === null) return;
    const res = await this.#request(
      "DELETE",
      `${this.#base}/me/events/${encodeURIComponent(id)}`,
      undefined,
      `cancel booking ${bookingId}`,
    );
    await res.body?.cancel();
  }

  /** The account's calendars it can write to; the default one is primary. Zones are the owner's (UTC here). */
  async listCalendars(): Promise<ProviderCalendar[]> {
    const res = await this.#request(
      "GET",
      `${this.#base}/me/calendars?$top=200`,
      undefined,
      "list calendars",
    );
    const data = (await res.json()) as {
      value?: { id?: string; name?: string; isDefaultCalendar?: boolean; canEdit?: boolean }[];
    };
    return (data.value ?? [])
      .filter((c) => c.id && c.canEdit !== false)
      .map((c) => ({
        id: c.id!,
        summary: c.name ?? c.id!,
        primary: c.isDefaultCalendar === true,
        timeZone: "UTC",
      }));
  }

  /** The signed-in account's address. */
  async accountEmail(): Promise<string | null> {
    const res = await this.#request(
      "GET",
      `${this.#base}/me?$select=mail,userPrincipalName`,
      undefined,
      "read the account",
    );
    const data = (await res.json()) as { mail?: string | null; userPrincipalName?: string | null };
    return data.mail ?? data.userPrincipalName ?? null;
  }
}
