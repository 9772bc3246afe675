// Input and output schemas of every tool (DESIGN.md section 7). The descriptions are what an LLM reads.
import { z } from "zod";
import { Explanation } from "./explanation.js";
import { wholeNumber } from "./numbers.js";
import { MeetingClassName } from "./policy.js";
import { DeletedRules, RulesChange, RulesView } from "./rules.js";
import { INSTANT_RANGE_ERROR, Instant, MAX_INSTANT_MS, Window } from "./time.js";
import { AttendeeInput, Booking, CalendarType, Email, Hold, Notification, Slot, Verdict } from "./wire.js";

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
export const MAX_WINDOW_DAYS = 90;
/** How long a meeting may be, whether given as duration_minutes or as start + end. */
export const MIN_DURATION_MINUTES = 5;
export const MAX_DURATION_MINUTES = 1440;
const DURATION_RANGE = `between ${MIN_DURATION_MINUTES} and ${MAX_DURATION_MINUTES}`;

const BoundedWindow = Window.refine(
  (w) => Date.parse(w.end) - Date.parse(w.start) <= MAX_WINDOW_DAYS * DAY_MS,
  {
    error: `window may span at most ${MAX_WINDOW_DAYS} days`,
    path: ["end"],
  },
).describe("Time range [start, end), at most 90 days.");
/** Where a write looks for alternatives when its slot is not given: its own name, not `window`. */
const AlternativesWindow = BoundedWindow.optional().describe(
  "Where to look for alternatives (default: the slot's local day).",
);
const DryRun = z.boolean().optional().describe("Only say the verdict and why; change nothing.");

const IdempotencyKey = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, { error: "must be 1-255 printable ASCII characters without spaces" })
  .optional()
  .describe("Retry-safe key (kept 24 h).");

const Duration = wholeNumber(
  "duration_minutes",
  MIN_DURATION_MINUTES,
  MAX_DURATION_MINUTES,
  "minutes",
).describe(`Minutes (${MIN_DURATION_MINUTES}-${MAX_DURATION_MINUTES}).`);

const Granularity = wholeNumber("granularity_minutes", 5, 240, "minutes")
  .default(15)
  .describe("Slot starts fall on local midnight + k * this many minutes (default 15).");
const MaxSlots = wholeNumber("max_slots", 1, 100).default(10).describe("How many slots to return (1-100).");
const Limit = wholeNumber("limit", 1, 100).default(50).describe("Page size (1-100, default 50).");

const Title = z
  .string()
  .trim()
  .min(1, { error: "title must not be empty" })
  .max(300)
  .describe("Event title.");
const Attendees = z.array(AttendeeInput).max(100).default([]).describe("Who is invited.");
/** The longest booking description: the longest text any tool input takes. */
export const MAX_DESCRIPTION_CHARS = 2000;
// Bounded as sent, then trimmed: whitespace alone is no text (stored as null, like an omitted field).
const Description = z
  .string()
  .max(MAX_DESCRIPTION_CHARS)
  .trim()
  .optional()
  .describe("Event details: agenda, links.");
const Reason = z
  .string()
  .max(500)
  .trim()
  .optional()
  .describe("Why; logged and told to the agents it affects.");
const ClassOpt = MeetingClassName.optional().describe("Meeting class (default: yours).");
const OwnerEmail = Email.describe("Email of the calendar owner to act on.");
const Id = (prefix: string, what: string) =>
  z
    .string()
    .regex(new RegExp(`^${prefix}_[0-9a-z]{1,40}$`), { error: `must be a ${what} id like ${prefix}_...` })
    .describe(`The ${what} id (${prefix}_...).`);

/** A requested span: start plus end or duration_minutes (both, when they agree). */
const Span = {
  start: Instant.describe("Start."),
  end: Instant.optional().describe("End (exclusive), or give duration_minutes."),
  duration_minutes: Duration.optional(),
};
const SPAN_ERROR = "required: give end or duration_minutes";
// A slot given by start + end once could last 1 ms while duration_minutes had a 5-minute floor: both
// forms now obey the same bounds, and the message names them.
const SPAN_LENGTH_ERROR = `must be ${DURATION_RANGE} minutes after start (the length duration_minutes allows)`;

/** Whether `end` is the allowed meeting length after `start` (both already valid instants). */
function spanLengthOk(start: string, end: string): boolean {
  const minutes = (Date.parse(end) - Date.parse(start)) / MINUTE_MS;
  return minutes >= MIN_DURATION_MINUTES && minutes <= MAX_DURATION_MINUTES;
}

type SpanFields = {
  start?: string | undefined;
  end?: string | undefined;
  duration_minutes?: number | undefined;
};

/**
 * The rules of a requested span: end or duration_minutes (both only when they agree), an end the
 * same length duration_minutes could give, and a computed end that stays in the accepted range, like
 * a written one. `lengthOptional`: neither may be given (reschedule keeps the booking's length).
 */
function checkSpan(v: SpanFields, ctx: z.RefinementCtx, lengthOptional = false): void {
  if (v.end === undefined && v.duration_minutes === undefined) {
    if (!lengthOptional) ctx.addIssue({ code: "custom", path: ["end"], message: SPAN_ERROR });
  } else if (
    v.start !== undefined &&
    v.end !== undefined &&
    v.duration_minutes !== undefined &&
    Date.parse(v.end) - Date.parse(v.start) !== v.duration_minutes * MINUTE_MS
  ) {
    ctx.addIssue({
      code: "custom",
      path: ["duration_minutes"],
      message: `disagrees with end (${(Date.parse(v.end) - Date.parse(v.start)) / MINUTE_MS} minutes after start); give one or make them agree`,
    });
  } else if (v.start !== undefined && v.end !== undefined && !spanLengthOk(v.start, v.end)) {
    ctx.addIssue({ code: "custom", path: ["end"], message: SPAN_LENGTH_ERROR });
  } else if (
    v.start !== undefined &&
    v.duration_minutes !== undefined &&
    Date.parse(v.start) + v.duration_minutes * MINUTE_MS > MAX_INSTANT_MS
  ) {
    ctx.addIssue({ code: "custom", path: ["duration_minutes"], message: `the end ${INSTANT_RANGE_ERROR}` });
  }
}

export const CheckAvailabilityInput = z
  .object({
    owner_email: OwnerEmail,
    calendar_type: CalendarType.optional(),
    duration_minutes: Duration,
    meeting_class: ClassOpt,
    window: BoundedWindow,
    granularity_minutes: Granularity,
    max_slots: MaxSlots,
    hold: z
      .boolean()
      .optional()
      .describe("Hold the first slot for you (default true when you may create holds)."),
    idempotency_key: IdempotencyKey,
  })
  .strict();

/** The verdict of an arbitrated write, which may be a dry run. */
export const WriteVerdict = Verdict.extend({
  dry_run: z.boolean().optional().describe("True when nothing was held or booked."),
  explanation: Explanation.optional(),
});

export const CheckAvailabilityOutput = Verdict.extend({
  slots: z.array(Slot).describe("Free slots in start order."),
  hold_id: z.string().nullable().describe("The hold on the first slot (also in hold), or null."),
  expires_at: z.string().nullable().describe("When that hold lapses unless confirmed."),
});

export const CreateHoldInput = z
  .object({
    owner_email: OwnerEmail,
    calendar_type: CalendarType.optional(),
    ...Span,
    meeting_class: ClassOpt,
    ttl_seconds: wholeNumber("ttl_seconds", 30, 3600, "seconds")
      .default(300)
      .describe("How long the hold lasts (30-3600 s)."),
    alternatives_window: AlternativesWindow,
    dry_run: DryRun,
    idempotency_key: IdempotencyKey,
  })
  .strict()
  .superRefine((v, ctx) => checkSpan(v, ctx));

export const ReleaseHoldInput = z
  .object({ hold_id: Id("hld", "hold"), idempotency_key: IdempotencyKey })
  .strict();
export const ReleaseHoldOutput = z.object({
  decision_id: z.string().describe("Audit id of the release."),
  hold: Hold,
  pending_notifications: z.array(Notification),
});

export const ListHoldsInput = z
  .object({ owner_email: OwnerEmail.optional().describe("Only this owner's holds.") })
  .strict();
export const ListHoldsOutput = z.object({
  holds: z.array(Hold),
  pending_notifications: z.array(Notification),
});

export const CreateBookingInput = z
  .object({
    hold_id: Id("hld", "hold")
      .optional()
      .describe("Confirm this hold of yours; owner_email, start, end may be omitted or must match it."),
    owner_email: OwnerEmail.optional(),
    calendar_type: CalendarType.optional(),
    start: Span.start.optional(),
    end: Span.end,
    duration_minutes: Span.duration_minutes,
    title: Title,
    description: Description,
    attendees: Attendees,
    meeting_class: ClassOpt,
    alternatives_window: AlternativesWindow,
    dry_run: DryRun,
    idempotency_key: IdempotencyKey,
  })
  .strict()
  .superRefine((v, ctx) => {
    // With a hold, the fields that repeat it are checked against it by the service.
    if (v.hold_id !== undefined) {
      if (v.end !== undefined || v.duration_minutes !== undefined) checkSpan(v, ctx, true);
      return;
    }
    if (v.owner_email === undefined)
      ctx.addIssue({ code: "custom", path: ["owner_email"], message: "required unless hold_id is given" });
    if (v.start === undefined)
      ctx.addIssue({ code: "custom", path: ["start"], message: "required unless hold_id is given" });
    else checkSpan(v, ctx);
  });

export const PreemptInput = z
  .object({
    booking_id: Id("bkg", "booking").describe("The booking to displace."),
    start: Instant.optional().describe("Start of the new booking (default: the displaced booking's)."),
    end: Span.end,
    duration_minutes: Span.duration_minutes,
    title: Title,
    description: Description,
    attendees: Attendees,
    meeting_class: ClassOpt,
    dry_run: DryRun,
    idempotency_key: IdempotencyKey,
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.start !== undefined) checkSpan(v, ctx, true);
    else if (v.end !== undefined || v.duration_minutes !== undefined)
      ctx.addIssue({ code: "custom", path: ["start"], message: "required with end or duration_minutes" });
  });

export const CancelBookingInput = z
  .object({
    booking_id: Id("bkg", "booking"),
    reason: Reason,
    idempotency_key: IdempotencyKey,
  })
  .strict();
export const BookingOutput = z.object({ booking: Booking, pending_notifications: z.array(Notification) });
export const CancelBookingOutput = BookingOutput.extend({
  decision_id: z.string().describe("Audit id of the cancellation."),
});

export const GetBookingInput = z.object({ booking_id: Id("bkg", "booking") }).strict();

export const RescheduleBookingInput = z
  .object({
    booking_id: Id("bkg", "booking"),
    start: Span.start,
    end: Instant.optional().describe("New end (exclusive); default: the booking keeps its length."),
    duration_minutes: Duration.optional().describe("New length in minutes; default: unchanged."),
    reason: Reason,
    alternatives_window: AlternativesWindow,
    dry_run: DryRun,
    idempotency_key: IdempotencyKey,
  })
  .strict()
  .superRefine((v, ctx) => checkSpan(v, ctx, true));

export const ListBookingsInput = z
  .object({
    owner_email: OwnerEmail.optional().describe(
      "Only this owner's bookings (default: every owner you may act on).",
    ),
    status: z.enum(["confirmed", "cancelled", "needs_reschedule"]).optional(),
    window: Window.optional().describe("Only bookings overlapping [start, end)."),
    limit: Limit,
    cursor: z.string().max(200).optional().describe("next_cursor from the previous page."),
  })
  .strict();
export const ListBookingsOutput = z.object({
  bookings: z.array(Booking),
  next_cursor: z.string().nullable(),
  pending_notifications: z.array(Notification),
});

export const GetFreeBusyInput = z
  .object({
    owner_email: OwnerEmail,
    window: BoundedWindow,
  })
  .strict();
export const BusyBlock = z.object({ start: z.string(), end: z.string() });
export const GetFreeBusyOutput = z.object({
  owner_email: z.string(),
  timezone: z.string(),
  busy: z.array(BusyBlock).describe("Merged busy blocks across all of the owner's calendars."),
  warnings: z.array(z.string()),
  pending_notifications: z.array(Notification),
});

export const FindCommonSlotsInput = z
  .object({
    owner_emails: z.array(Email).min(1).max(20).describe("Owners who must all be free."),
    duration_minutes: Duration,
    window: BoundedWindow,
    granularity_minutes: Granularity,
    max_slots: MaxSlots,
  })
  .strict();
export const FindCommonSlotsOutput = z.object({
  slots: z.array(z.object({ start: z.string(), end: z.string() })),
  warnings: z.array(z.string()),
  pending_notifications: z.array(Notification),
});

export const CalendarIdInput = z.object({ calendar_id: Id("cal", "calendar") }).strict();
export const DeleteRulesInput = CalendarIdInput.extend({ idempotency_key: IdempotencyKey }).strict();
export const SetRulesInput = z
  .object({
    calendar_id: Id("cal", "calendar"),
    ...RulesChange.shape,
    replace: z.boolean().default(false).describe("true: fields you omit reset to their defaults."),
    idempotency_key: IdempotencyKey,
  })
  .strict();
export const RulesOutput = RulesView.extend({ pending_notifications: z.array(Notification) });
export const DeleteRulesOutput = DeletedRules.extend({ pending_notifications: z.array(Notification) });

export const GetNotificationsInput = z.object({ limit: Limit }).strict();
export const GetNotificationsOutput = z.object({ notifications: z.array(Notification) });

export const WhoamiInput = z.object({}).strict();
export const WhoamiOutput = z.object({
  agent_id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  default_meeting_class: z.string(),
  priority: z.number(),
  scopes: z.array(z.string()),
  allowed_owners: z.array(z.string()),
  owners: z
    .array(
      z.object({
        email: z.string(),
        name: z.string().nullable(),
        timezone: z.string().describe("The owner's IANA time zone; rules without one use it."),
        default_calendar_type: z.string().nullable().describe("The calendar a request naming none uses."),
        calendars: z.array(
          z.object({ calendar_id: z.string(), calendar_type: z.string(), provider: z.string() }),
        ),
      }),
    )
    .describe("The owners you may act on that exist, by email."),
  key_prefix: z.string(),
  meeting_classes: z.record(z.string(), z.object({ rank: z.number(), preemptible: z.boolean() })),
  pending_notifications: z.array(Notification),
});

export { Verdict };

export type CheckAvailabilityInput = z.output<typeof CheckAvailabilityInput>;
export type CreateHoldInput = z.output<typeof CreateHoldInput>;
export type ReleaseHoldInput = z.output<typeof ReleaseHoldInput>;
export type CreateBookingInput = z.output<typeof CreateBookingInput>;
export type PreemptInput = z.output<typeof PreemptInput>;
export type CancelBookingInput = z.output<typeof CancelBookingInput>;
export type ListHoldsInput = z.output<typeof ListHoldsInput>;
export type WhoamiOutput = z.output<typeof WhoamiOutput>;
export type RescheduleBookingInput = z.output<typeof RescheduleBookingInput>;
export type ListBookingsInput = z.output<typeof ListBookingsInput>;
export type GetFreeBusyInput = z.output<typeof GetFreeBusyInput>;
export type FindCommonSlotsInput = z.output<typeof FindCommonSlotsInput>;
export type SetRulesInput = z.output<typeof SetRulesInput>;
