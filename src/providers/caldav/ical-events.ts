// One CalDAV calendar object (an iCalendar text) as ProviderEvents: recurring events expanded with
// ical.js into one event per occurrence (`<href>#<recurrence instant>`), overrides and EXDATEs
// applied; all-day and floating times placed in the calendar's zone through the core's one zone
// boundary; a TZID that names an IANA zone through that boundary too, any other through the
// object's own VTIMEZONE.
import ICAL from "ical.js";
import { instantOfWallTime } from "../../core/zoned-time.js";
import type { ProviderEvent } from "../calendar-provider.js";
import { bookingIdOfUid } from "./booking-ics.js";

type Time = InstanceType<typeof ICAL.Time>;
type Component = InstanceType<typeof ICAL.Component>;

/** A recurring object yields at most this many occurrences (a guard against unbounded rules). */
const MAX_OCCURRENCES = 5_000;

const ianaCache = new Map<string, boolean>();
/** True when this runtime's Intl knows `name` as a time zone (cached). */
export function isIanaZone(name: string): boolean {
  let ok = ianaCache.get(name);
  if (ok === undefined) {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: name });
      ok = true;
    } catch {
      ok = false;
    }
    ianaCache.set(name, ok);
  }
  return ok;
}

/** Where an object's times are placed: its calendar's zone for all-day and floating times. */
interface Zones {
  readonly calendar: string;
}

/**
 * A DATE or DATE-TIME value as epoch ms. `tzid` is the TZID parameter the value was written with:
 * ical.js drops it (the time turns floating) when the object carries no VTIMEZONE for it.
 */
function instantOf(time: Time, zones: Zones, tzid: string | null = null): number {
  const { year, month, day } = time;
  if (time.isDate) return instantOfWallTime(zones.calendar, year, month, day, 0);
  const wall = (zone: string) =>
    instantOfWallTime(zone, year, month, day, time.hour * 60 + time.minute) + time.second * 1000;
  if (time.zone === ICAL.Timezone.utcTimezone || time.zone?.tzid === "UTC") {
    return Date.UTC(year, month - 1, day, time.hour, time.minute, time.second);
  }
  const own = time.zone?.tzid;
  const named = own !== undefined && own !== "floating" && own !== "" ? own : tzid;
  if (named === null || named === "") return wall(zones.calendar);
  if (isIanaZone(named)) return wall(named);
  // A zone only the object's own VTIMEZONE defines (an Outlook name, say): ical.js converts.
  if (named === own) return time.toUnixTime() * 1000;
  return wall(zones.calendar);
}

function tzidOf(component: Component, name: string): string | null {
  const value = component.getFirstProperty(name)?.getParameter("tzid");
  return typeof value === "string" ? value : null;
}

function text(component: Component, name: string): string | null {
  const value = component.getFirstPropertyValue(name);
  return typeof value === "string" ? value : null;
}

function statusOf(component: Component): ProviderEvent["status"] {
  const status = text(component, "status")?.toUpperCase();
  if (status === "CANCELLED") return "cancelled";
  if (status === "TENTATIVE") return "tentative";
  return "confirmed";
}

function declinedBy(component: Component, ownerAddress: string | null): boolean {
  if (ownerAddress === null) return false;
  const me = ownerAddress.toLowerCase();
  return component.getAllProperties("attendee").some((p) => {
    const value = String(p.getFirstValue() ?? "")
      .toLowerCase()
      .replace(/^mailto:/, "");
    return value === me && String(p.getParameter("partstat") ?? "").toUpperCase() === "DECLINED";
  });
}

function updatedOf(component: Component, zones: Zones): number {
  const value =
    component.getFirstPropertyValue("last-modified") ?? component.getFirstPropertyValue("dtstamp");
  return value instanceof ICAL.Time ? instantOf(value, zones) : 0;
}

function bookingIdOf(component: Component): string | null {
  const marked = text(component, "x-openavail-booking-id");
  if (marked !== null && marked !== "") return marked;
  return bookingIdOfUid(text(component, "uid") ?? "");
}

/** The end of an occurrence: DTEND/DURATION as given, else one day for a date and nothing for a time. */
function spanOf(
  start: Time,
  end: Time | null,
  zones: Zones,
  tzids: { start: string | null; end: string | null },
): { start: number; end: number } {
  const from = instantOf(start, zones, tzids.start);
  if (end !== null && end.compare(start) > 0) return { start: from, end: instantOf(end, zones, tzids.end) };
  if (!start.isDate) return { start: from, end: from };
  const next = start.clone();
  next.day += 1;
  return { start: from, end: instantOf(next, zones) };
}

function eventOf(
  externalId: string,
  item: Component,
  span: { start: number; end: number },
  allDay: boolean,
  zones: Zones,
  ownerAddress: string | null,
): ProviderEvent | null {
  if (span.start >= span.end) return null;
  const status = statusOf(item);
  return {
    externalId,
    start: span.start,
    end: span.end,
    busy:
      status !== "cancelled" &&
      text(item, "transp")?.toUpperCase() !== "TRANSPARENT" &&
      !declinedBy(item, ownerAddress),
    status,
    allDay,
    title: text(item, "summary"),
    bookingId: bookingIdOf(item),
    updatedAt: updatedOf(item, zones),
  };
}

export interface ExpandOptions {
  /** The calendar's zone: all-day and floating times are wall times there. */
  readonly timeZone: string;
  /** Occurrences of recurring events are listed within `[from, to)` only (epoch ms). */
  readonly from: number;
  readonly to: number;
  /** The calendar owner's address: an event the owner declined is not busy. */
  readonly ownerAddress?: string | null;
}

/**
 * Every event of one calendar object. A single event is `href`; each occurrence of a recurring one
 * is `href#<epoch ms of its recurrence id>`. Unparsable text gives no events (the object is skipped,
 * as a calendar client would skip it).
 */
export function eventsOfObject(href: string, ics: string, options: ExpandOptions): ProviderEvent[] {
  let root: Component;
  try {
    root = new ICAL.Component(ICAL.parse(ics));
  } catch {
    return [];
  }
  const zones: Zones = { calendar: options.timeZone };
  const ownerAddress = options.ownerAddress ?? null;
  const vevents = root.getAllSubcomponents("vevent");
  const master = vevents.find((v) => !v.hasProperty("recurrence-id"));
  const overrides = vevents.filter((v) => v.hasProperty("recurrence-id"));
  const out: ProviderEvent[] = [];

  if (master === undefined || !new ICAL.Event(master).isRecurring()) {
    // A plain event, or overrides of a series whose master is not ours to see (an invitation).
    for (const v of master === undefined ? overrides : [master]) {
      const ev = new ICAL.Event(v);
      const recurrence = v.hasProperty("recurrence-id")
        ? `#${instantOf(ev.recurrenceId, zones, tzidOf(v, "recurrence-id"))}`
        : "";
      const made = eventOf(
        `${href}${recurrence}`,
        v,
        spanOf(ev.startDate, ev.endDate, zones, { start: tzidOf(v, "dtstart"), end: tzidOf(v, "dtend") }),
        ev.startDate.isDate,
        zones,
        ownerAddress,
      );
      if (made) out.push(made);
    }
    return out;
  }

  const series = new ICAL.Event(master);
  for (const o of overrides) series.relateException(o);
  const seriesTzid = tzidOf(master, "dtstart");
  const iterator = series.iterator();
  for (let n = 0; n < MAX_OCCURRENCES; n++) {
    const next = iterator.next();
    if (!next) break;
    const details = series.getOccurrenceDetails(next);
    const item = details.item.component;
    // An occurrence's end is its start plus the duration, in the start's zone.
    const startTzid = tzidOf(item, "dtstart") ?? seriesTzid;
    const span = spanOf(details.startDate, details.endDate, zones, { start: startTzid, end: startTzid });
    const recurrence = instantOf(details.recurrenceId, zones, seriesTzid);
    if (recurrence >= options.to && span.start >= options.to) break;
    if (span.end <= options.from) continue;
    const made = eventOf(`${href}#${recurrence}`, item, span, details.startDate.isDate, zones, ownerAddress);
    if (made) out.push(made);
  }
  return out;
}
