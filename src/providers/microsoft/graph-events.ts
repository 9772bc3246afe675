// Graph's side of the mirror, as data: a calendarView/delta item as a ProviderEvent (cancelled,
// free, declined and all-day events included), the transactionId a booking's event carries, and what a
// Microsoft calendar's sync_token holds.
import { instantOfWallTime } from "../../core/zoned-time.js";
import type { ProviderEvent } from "../calendar-provider.js";

/** Prefix of the transactionId of a booking's event: the rest is the booking id. */
export const TRANSACTION_PREFIX = "openavail-";

export interface GraphEventJson {
  id?: string;
  subject?: string | null;
  start?: { dateTime?: string; timeZone?: string } | null;
  end?: { dateTime?: string; timeZone?: string } | null;
  isAllDay?: boolean;
  isCancelled?: boolean;
  showAs?: string;
  transactionId?: string | null;
  lastModifiedDateTime?: string;
  responseStatus?: { response?: string } | null;
  "@removed"?: unknown;
}

/** What a Microsoft calendar's `sync_token` holds: the delta link and how far ahead its window reaches. */
export interface DeltaState {
  readonly link: string;
  readonly until: number;
}
const STATE_PREFIX = "graph1:";

/** A Graph time (UTC wall time without an offset, as asked with Prefer: outlook.timezone="UTC"). */
function utcOf(time: { dateTime?: string } | null | undefined): number | null {
  if (!time?.dateTime) return null;
  const text = /[zZ]|[+-]\d\d:\d\d$/.test(time.dateTime) ? time.dateTime : `${time.dateTime}Z`;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : at;
}

/** An all-day boundary: the date Graph gives, at midnight in the calendar's zone. */
function dateOf(time: { dateTime?: string } | null | undefined, timeZone: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(time?.dateTime ?? "");
  return m ? instantOfWallTime(timeZone, Number(m[1]), Number(m[2]), Number(m[3]), 0) : null;
}

/** One delta item as a ProviderEvent; null for one that cannot be placed in time. */
export function mapGraphEvent(item: GraphEventJson, timeZone: string): ProviderEvent | null {
  if (!item.id) return null;
  const bookingId = item.transactionId?.startsWith(TRANSACTION_PREFIX)
    ? item.transactionId.slice(TRANSACTION_PREFIX.length)
    : null;
  if (item["@removed"] !== undefined || item.isCancelled === true) {
    return {
      externalId: item.id,
      start: 0,
      end: 0,
      busy: false,
      status: "cancelled",
      allDay: false,
      title: item.subject ?? null,
      bookingId,
      updatedAt: 0,
    };
  }
  const allDay = item.isAllDay === true;
  const start = allDay ? dateOf(item.start, timeZone) : utcOf(item.start);
  const end = allDay ? dateOf(item.end, timeZone) : utcOf(item.end);
  if (start === null || end === null || start >= end) return null;
  const updated = item.lastModifiedDateTime ? Date.parse(item.lastModifiedDateTime) : Number.NaN;
  return {
    externalId: item.id,
    start,
    end,
    busy:
      item.showAs !== "free" &&
      item.showAs !== "workingElsewhere" &&
      item.responseStatus?.response !== "declined",
    status: item.showAs === "tentative" ? "tentative" : "confirmed",
    allDay,
    title: item.subject ?? null,
    bookingId,
    updatedAt: Number.isNaN(updated) ? 0 : updated,
  };
}

export function encodeState(state: DeltaState): string {
  return STATE_PREFIX + JSON.stringify(state);
}

export function decodeState(token: string | null): DeltaState | null {
  if (token === null || !token.startsWith(STATE_PREFIX)) return null;
  try {
    const data = JSON.parse(token.slice(STATE_PREFIX.length)) as Record<string, unknown>;
    return typeof data["link"] === "string" && typeof data["until"] === "number"
      ? { link: data["link"], until: data["until"] }
      : null;
  } catch {
    return null;
  }
}
