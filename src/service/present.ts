// Ledger rows in their wire form: UTC instants and owner wall times.
import { toInstant } from "../../schemas/time.js";
import type { Booking, Hold, Notification, Slot } from "../../schemas/wire.js";
import type { Interval } from "../core/interval.js";
import { formatLocal } from "../core/zoned-time.js";
import type { BookingRow, CalendarRow, HoldRow, NotificationRow, OwnerRow } from "../ledger/tables.js";

export function presentSlot(span: Interval, timeZone: string): Slot {
  return {
    start: toInstant(span.start),
    end: toInstant(span.end),
    local_start: formatLocal(timeZone, span.start),
  };
}

export function presentHold(row: HoldRow, owner: OwnerRow, calendar: CalendarRow, timeZone: string): Hold {
  return {
    hold_id: row.id,
    owner_email: owner.email,
    calendar_id: calendar.id,
    calendar_type: calendar.calendar_type,
    agent_id: row.agent_id,
    start: toInstant(row.start_ms),
    end: toInstant(row.end_ms),
    local_start: formatLocal(timeZone, row.start_ms),
    meeting_class: row.meeting_class,
    status: row.status,
    expires_at: toInstant(row.expires_at),
  };
}

export function presentBooking(
  row: BookingRow,
  owner: OwnerRow,
  calendar: CalendarRow,
  timeZone: string,
): Booking {
  return {
    booking_id: row.id,
    owner_email: owner.email,
    calendar_id: calendar.id,
    calendar_type: calendar.calendar_type,
    agent_id: row.agent_id,
    start: toInstant(row.start_ms),
    end: toInstant(row.end_ms),
    local_start: formatLocal(timeZone, row.start_ms),
    title: row.title,
    attendees: JSON.parse(row.attendees_json) as string[],
    meeting_class: row.meeting_class,
    status: row.status,
    created_at: toInstant(row.created_at),
  };
}

/** The stored payload of a notification (everything but its id, type and time). */
export type NotificationPayload = Omit<Notification, "notification_id" | "type" | "created_at">;

export function presentNotification(row: NotificationRow): Notification {
  const payload = JSON.parse(row.payload_json) as NotificationPayload;
  return {
    notification_id: row.id,
    type: row.type as Notification["type"],
    created_at: toInstant(row.created_at),
    ...payload,
  };
}
