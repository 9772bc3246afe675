// A booking as the CalDAV object written for it: its UID and resource name are derived from the
// booking id alone, so a retried PUT replaces (never duplicates) what an earlier attempt wrote.
import ICAL from "ical.js";
import type { BookingWrite } from "../calendar-provider.js";

const UID_PREFIX = "openavail-";
const UID_SUFFIX = "@openavail";

/** The VEVENT UID of a booking's event. */
export function uidForBooking(bookingId: string): string {
  return `${UID_PREFIX}${bookingId}${UID_SUFFIX}`;
}

/** The booking id a UID was derived from, or null for anyone else's event. */
export function bookingIdOfUid(uid: string): string | null {
  if (!uid.startsWith(UID_PREFIX) || !uid.endsWith(UID_SUFFIX)) return null;
  const id = uid.slice(UID_PREFIX.length, uid.length - UID_SUFFIX.length);
  return id === "" ? null : id;
}

/** The resource name of a booking's object inside its calendar collection. */
export function resourceNameForBooking(bookingId: string): string {
  return `${encodeURIComponent(`${UID_PREFIX}${bookingId}`)}.ics`;
}

/** The booking id of a resource `href` (its last path segment), or null when it is not a booking's. */
export function bookingIdOfHref(href: string): string | null {
  const name = href.replace(/\/+$/, "").split("/").pop() ?? "";
  if (!name.endsWith(".ics")) return null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(name.slice(0, -4));
  } catch {
    return null;
  }
  if (!decoded.startsWith(UID_PREFIX) || decoded.length === UID_PREFIX.length) return null;
  return decoded.slice(UID_PREFIX.length);
}

function utc(ms: number): InstanceType<typeof ICAL.Time> {
  return ICAL.Time.fromJSDate(new Date(ms), true);
}

/**
 * The iCalendar text of a booking's event, in UTC. Attendees carry SCHEDULE-AGENT=CLIENT so a
 * server with implicit scheduling (RFC 6638) sends them no invitation: Openavail tells its agents
 * itself, as the Google provider writes with sendUpdates=none. SEQUENCE grows with `now` (seconds),
 * so clients take each rewrite as the newer version.
 */
export function bookingIcs(booking: BookingWrite, now: number): string {
  const calendar = new ICAL.Component("vcalendar");
  calendar.addPropertyWithValue("version", "2.0");
  calendar.addPropertyWithValue("prodid", "-//Openavail//Openavail//EN");
  const event = new ICAL.Component("vevent");
  event.addPropertyWithValue("uid", uidForBooking(booking.bookingId));
  event.addPropertyWithValue("dtstamp", utc(now));
  event.addPropertyWithValue("last-modified", utc(now));
  event.addPropertyWithValue("sequence", Math.floor(now / 1000));
  event.addPropertyWithValue("dtstart", utc(booking.start));
  event.addPropertyWithValue("dtend", utc(booking.end));
  event.addPropertyWithValue("summary", booking.title);
  if (booking.description !== null) event.addPropertyWithValue("description", booking.description);
  event.addPropertyWithValue("status", "CONFIRMED");
  event.addPropertyWithValue("transp", "OPAQUE");
  for (const attendee of booking.attendees) {
    const prop = event.addPropertyWithValue("attendee", `mailto:${attendee.email}`);
    if (attendee.name !== null) prop.setParameter("cn", attendee.name);
    prop.setParameter("partstat", "NEEDS-ACTION");
    prop.setParameter("schedule-agent", "CLIENT");
  }
  event.addPropertyWithValue("x-openavail-booking-id", booking.bookingId);
  event.addPropertyWithValue("x-openavail-meeting-class", booking.meetingClass);
  event.addPropertyWithValue("x-openavail-agent", booking.agentName);
  calendar.addSubcomponent(event);
  return calendar.toString();
}
