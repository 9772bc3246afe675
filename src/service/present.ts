// Ledger rows in their wire form: UTC instants and owner wall times.
import { toInstant } from "../../schemas/time.js";
import type { Attendee, Booking, Hold, Notification, Slot } from "../../schemas/wire.js";
import type { Interval } from "../core/interval.js";
import { formatLocal } from "../core/zoned-time.js";
import type { BookingRow, CalendarRow, HoldRow, NotificationRow, OwnerRow } from "../ledger/tables.js";
import type { LoadedPolicy } from "./policy.js";

/** Where a booking stands against others: what a preemption weighs (DESIGN.md section 5). */
export interface Standing {
  /** Its meeting class's rank; null once the policy no longer has the class. */
  readonly classRank: number | null;
  readonly agentPriority: number;
}

/** The standing of a booking of `meetingClass` made by an agent of `agentPriority`. */
export function standingOf(loaded: LoadedPolicy, meetingClass: string, agentPriority: number): Standing {
  // A Map, so a class name can never find an Object.prototype member.
  return { classRank: loaded.arbiter.classes.get(meetingClass)?.rank ?? null, agentPriority };
}

/** A booking's stored attendees (objects since migration 0005). */
export function attendeesOf(row: BookingRow): Attendee[] {
  return JSON.parse(row.attendees_json) as Attendee[];
}

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
  standing: Standing,
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
    description: row.description,
    attendees: attendeesOf(row),
    meeting_class: row.meeting_class,
    class_rank: standing.classRank,
    agent_priority: standing.agentPriority,
    status: row.status,
    created_at: toInstant(row.created_at),
  };
}

/**
 * The stored payload of a notification (everything but its id, type and time). `reason` may be left
 * out: most notifications have none, and those stored before it existed have none either.
 */
export type NotificationPayload = Omit<Notification, "notification_id" | "type" | "created_at" | "reason"> &
  Partial<Pick<Notification, "reason">>;

export function presentNotification(row: NotificationRow): Notification {
  const { reason, ...payload } = JSON.parse(row.payload_json) as NotificationPayload;
  return {
    notification_id: row.id,
    type: row.type as Notification["type"],
    created_at: toInstant(row.created_at),
    ...payload,
    reason: reason ?? null,
  };
}
