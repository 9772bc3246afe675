// The small readings of WebDAV answers the CalDAV provider makes: whether a whole request failed,
// a multistatus's sync-token, an HTTP status as the one ProviderError, and a deleted object as the
// cancelled event the mirror removes.
import type { DAVResponse } from "tsdav";
import { ProviderError, type ProviderEvent } from "../calendar-provider.js";
import { bookingIdOfHref } from "./booking-ics.js";
import { textOf } from "./dav-props.js";

/** The event that tells the mirror an object is gone (with the booking it was, when it was one). */
export function deleted(href: string): ProviderEvent {
  return {
    externalId: href,
    start: 0,
    end: 0,
    busy: false,
    status: "cancelled",
    allDay: false,
    title: null,
    bookingId: bookingIdOfHref(href),
    updatedAt: 0,
  };
}

/** A collection URL always ends in `/`, so object names resolve inside it. */
export function collectionUrl(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}

export function lastSegment(url: string): string {
  return decodeURIComponent(url.replace(/\/+$/, "").split("/").pop() ?? url);
}

export function isCalendar(resourcetype: unknown): boolean {
  return typeof resourcetype === "object" && resourcetype !== null && "calendar" in resourcetype;
}

/**
 * The answer itself when the whole request failed (tsdav then gives one entry holding the body's
 * text), else null: a multistatus, whose entries may each carry their own status (404: deleted).
 */
export function requestFailure(responses: DAVResponse[]): DAVResponse | null {
  const [first] = responses;
  if (first === undefined) return null;
  const raw = first.raw as unknown;
  const multistatus = typeof raw === "object" && raw !== null && "multistatus" in raw;
  return responses.length === 1 && !multistatus && !first.ok ? first : null;
}

/** The sync-token of a sync-collection multistatus, or null when it carries none. */
export function multistatusToken(responses: DAVResponse[]): string | null {
  for (const r of responses) {
    const raw = r.raw as { multistatus?: { syncToken?: unknown } } | undefined;
    const token = textOf(raw?.multistatus?.syncToken);
    if (token !== null) return token;
  }
  return null;
}

export function httpError(status: number, what: string): ProviderError {
  const message = `${what}: HTTP ${status}`;
  if (status === 404 || status === 410) return new ProviderError("not_found", message, { status });
  return new ProviderError("invalid", message, { status });
}

export function statusError(response: DAVResponse | undefined, what: string): ProviderError {
  if (response === undefined) return new ProviderError("unavailable", `${what}: empty answer`);
  return httpError(response.status, what);
}
