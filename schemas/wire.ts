// Shared wire objects: slots, holds, bookings, notifications, and the verdict envelope.
import { z } from "zod";
import { MeetingClassName } from "./policy.js";
import { TimeZone } from "./time.js";

/** An email address, lowercased; undescribed where the field around it says what it is. */
const EmailAddress = z
  .email({ error: "must be an email address" })
  .max(254)
  .transform((e) => e.toLowerCase());

export const Email = EmailAddress.describe("Email address (case-insensitive).");

/** An attendee in every response: always this object, with null for what was not given. */
export const Attendee = z.object({
  email: z.string(),
  name: z.string().nullable(),
  time_zone: z.string().nullable(),
});
export type Attendee = z.infer<typeof Attendee>;

/**
 * An attendee as a request may give one: a plain email (as before attendees had names) or
 * `{email, name?, time_zone?}`; either way it becomes an {@link Attendee}. A malformed object is
 * refused naming its field; anything else gets the one message below.
 */
export const AttendeeInput = z
  .union(
    [
      EmailAddress,
      z
        .object({
          email: EmailAddress,
          name: z
            .string()
            .trim()
            .min(1, { error: "must not be empty; omit name instead" })
            .max(200)
            .optional(),
          time_zone: TimeZone.optional().describe("IANA zone."),
        })
        .strict(),
    ],
    { error: "must be an email address, or {email, name?, time_zone?}" },
  )
  .transform(
    (a): Attendee =>
      typeof a === "string"
        ? { email: a, name: null, time_zone: null }
        : { email: a.email, name: a.name ?? null, time_zone: a.time_zone ?? null },
  );

export const CalendarType = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,31}$/, { error: "must be a lowercase calendar type such as work or personal" })
  .describe("The owner's calendar, e.g. work (default: their default).");

export const Slot = z.object({
  start: z.string().describe("Slot start, RFC 3339 UTC."),
  end: z.string().describe("Slot end (exclusive), RFC 3339 UTC."),
  local_start: z.string().describe("Slot start as the owner's wall time with offset."),
});
export type Slot = z.infer<typeof Slot>;

export const Alternative = Slot.extend({
  reason_code: z
    .string()
    .describe("Why the requested slot was not given (same as the verdict's reason_code)."),
});
export type Alternative = z.infer<typeof Alternative>;

export const HoldStatus = z.enum(["active", "confirmed", "released", "expired"]);
export const Hold = z.object({
  hold_id: z.string(),
  owner_email: z.string(),
  calendar_id: z.string(),
  calendar_type: z.string(),
  agent_id: z.string(),
  start: z.string(),
  end: z.string(),
  local_start: z.string(),
  meeting_class: z.string(),
  status: HoldStatus,
  expires_at: z.string().describe("When the hold lapses unless confirmed with create_booking(hold_id)."),
});
export type Hold = z.infer<typeof Hold>;

export const BookingStatus = z.enum(["confirmed", "cancelled", "needs_reschedule"]);
export const Booking = z.object({
  booking_id: z.string(),
  owner_email: z.string(),
  calendar_id: z.string(),
  calendar_type: z.string(),
  agent_id: z.string(),
  start: z.string(),
  end: z.string(),
  local_start: z.string(),
  title: z.string(),
  description: z.string().nullable(),
  attendees: z.array(Attendee),
  meeting_class: z.string(),
  class_rank: z
    .number()
    .nullable()
    .describe("Rank of the meeting class (higher wins); null once the policy no longer has the class."),
  agent_priority: z.number().describe("Priority of the booking's agent (breaks ties within a class)."),
  status: BookingStatus,
  created_at: z.string(),
});
export type Booking = z.infer<typeof Booking>;

export const Displaced = z.object({
  kind: z.enum(["booking", "hold"]),
  id: z.string(),
  agent_id: z.string(),
  start: z.string(),
  end: z.string(),
  meeting_class: z.string(),
  landing_hold_id: z
    .string()
    .nullable()
    .describe("Hold placed for the displaced agent on its best other slot."),
});
export type Displaced = z.infer<typeof Displaced>;

export const NotificationType = z.enum([
  "booking.preempted",
  "hold.preempted",
  "hold.expired",
  "booking.cancelled",
  "booking.needs_reschedule",
  "booking.moved",
  "booking.slot_freed",
  "webhook.disabled",
]);
export const Notification = z.object({
  notification_id: z.string(),
  type: NotificationType,
  created_at: z.string(),
  message: z.string().describe("What happened and what to do next."),
  booking_id: z.string().nullable(),
  hold_id: z.string().nullable(),
  winner_class: z.string().nullable(),
  landing_hold: Hold.nullable().describe(
    "A hold placed for you on the best other free slot, if one existed.",
  ),
  reason: z.string().nullable().describe("The reason the agent that cancelled or rescheduled gave, if any."),
});
export type Notification = z.infer<typeof Notification>;

export const VerdictKind = z.enum(["Accept", "Reject", "CounterPropose", "Preempt"]);

export const Verdict = z.object({
  decision_id: z.string().describe("Audit id of this decision."),
  verdict: VerdictKind.describe(
    "Accept: done. Reject: not possible (see reason_code). CounterPropose: pick one of alternatives. Preempt: done by displacing lower-priority items.",
  ),
  reason_code: z
    .string()
    .nullable()
    .describe(
      "WORKING_HOURS, HARD_BLOCK, DAILY_LIMIT, MIN_NOTICE, OUTSIDE_HORIZON, CONFLICT, NO_CAPACITY, PREEMPT_NOT_PERMITTED, TARGET_NOT_IN_SLOT; null on Accept/Preempt.",
    ),
  booking: Booking.nullable(),
  hold: Hold.nullable(),
  alternatives: z.array(Alternative),
  displaced: z.array(Displaced),
  resolved_calendar_type: z.string().nullable(),
  warnings: z.array(z.string()),
  pending_notifications: z.array(Notification),
});
export type Verdict = z.infer<typeof Verdict>;

export { MeetingClassName };
