// Google Calendar v3 events both ways: an event as a ProviderEvent (instants, busy-ness, the booking it
// mirrors), and a booking as the event written for it.
import type { calendar_v3 } from "@googleapis/calendar";
import { instantOfWallTime } from "../../core/zoned-time.js";
import type { BookingWrite, ProviderEvent } from "../calendar-provider.js";

/** Private extended property naming the Openavail booking an event was written for. */
export const BOOKING_ID_PROPERTY = "openavail_booking_id";

type GoogleEventTime = calendar_v3.Schema$EventDateTime | undefined;

function parseDate(date: string): { year: number; month: number; day: number } | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) return null;
  return { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
}

/**
 * An event boundary as epoch ms. `date` (all-day) is local midnight of that date in `timeZone`,
 * through the core's one zone boundary, so a DST-change day is 23 or 25 hours long.
 */
function instantOf(time: GoogleEventTime, timeZone: string): number | null {
  if (time?.dateTime) {
    const at = Date.parse(time.dateTime);
    return Number.isNaN(at) ? null : at;
  }
  if (time?.date) {
    const d = parseDate(time.date);
    return d === null ? null : instantOfWallTime(timeZone, d.year, d.month, d.day, 0);
  }
  return null;
}

function statusOf(event: calendar_v3.Schema$Event): ProviderEvent["status"] {
  if (event.status === "cancelled" || event.status === "tentative") return event.status;
  return "confirmed";
}

function declinedBySelf(event: calendar_v3.Schema$Event): boolean {
  return (event.attendees ?? []).some((a) => a.self === true && a.responseStatus === "declined");
}

/**
 * Maps one event of a calendar whose zone is `timeZone`. Returns null for an event that cannot be
 * placed in time (no id, or a live event without a parsable start and end).
 *
 * busy is false for: cancelled (deleted) events, transparent ("show as free") events, events the
 * calendar's owner declined, and working-location markers. Tentative events are busy.
 */
export function mapGoogleEvent(event: calendar_v3.Schema$Event, timeZone: string): ProviderEvent | null {
  if (!event.id) return null;
  const status = statusOf(event);
  const start = instantOf(event.start, timeZone);
  const end = instantOf(event.end, timeZone);
  const timed = start !== null && end !== null && start < end;
  if (!timed && status !== "cancelled") return null;
  const updated = event.updated ? Date.parse(event.updated) : Number.NaN;
  const busy =
    status !== "cancelled" &&
    event.transparency !== "transparent" &&
    event.eventType !== "workingLocation" &&
    !declinedBySelf(event);
  return {
    externalId: event.id,
    // Google reports a deleted event with its id and status only.
    start: timed ? start : 0,
    end: timed ? end : 0,
    busy,
    status,
    allDay: !event.start?.dateTime && Boolean(event.start?.date),
    title: event.summary ?? null,
    bookingId: event.extendedProperties?.private?.[BOOKING_ID_PROPERTY] ?? null,
    updatedAt: Number.isNaN(updated) ? 0 : updated,
  };
}

/**
 * The fields Openavail owns on a booking's event (attendees are handled per write). A booking without
 * a description leaves the event's own alone.
 */
export function bookingEvent(booking: BookingWrite): calendar_v3.Schema$Event {
  return {
    summary: booking.title,
    ...(booking.description !== null ? { description: booking.description } : {}),
    start: { dateTime: new Date(booking.start).toISOString() },
    end: { dateTime: new Date(booking.end).toISOString() },
    status: "confirmed",
    transparency: "opaque",
    extendedProperties: {
      private: {
        [BOOKING_ID_PROPERTY]: booking.bookingId,
        meeting_class: booking.meetingClass,
        agent: booking.agentName,
      },
    },
  };
}

/**
 * The attendee list to write: the booking's attendees (with their names as displayName), each keeping
 * its `existing` entry on the event (and so its RSVP), plus the organizer's own entry, which Google
 * manages.
 */
export function eventAttendees(
  attendees: BookingWrite["attendees"],
  existing: readonly calendar_v3.Schema$EventAttendee[] = [],
): calendar_v3.Schema$EventAttendee[] {
  const byEmail = new Map(existing.filter((a) => a.email).map((a) => [a.email!.toLowerCase(), a]));
  const wanted = new Set(attendees.map((a) => a.email.toLowerCase()));
  const kept = existing.filter(
    (a) => (a.organizer === true || a.self === true) && !wanted.has(a.email?.toLowerCase() ?? ""),
  );
  return [
    ...kept,
    ...attendees.map(({ email, name }) => ({
      ...(byEmail.get(email.toLowerCase()) ?? { email }),
      ...(name !== null ? { displayName: name } : {}),
    })),
  ];
}
