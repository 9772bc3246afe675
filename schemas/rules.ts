// Availability rules of one calendar (DESIGN.md section 4): Chronary's fields plus Openavail's.
import { z } from "zod";
import { wholeNumber } from "./numbers.js";
import { Instant, TimeZone } from "./time.js";

const WallTime = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: "must be HH:MM between 00:00 and 23:59" });
const WallTimeEnd = z
  .string()
  .regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, { error: "must be HH:MM between 00:01 and 24:00" });

export const DayHours = z
  .object({
    start: WallTime.describe("Local start of working hours, HH:MM."),
    end: WallTimeEnd.describe("Local end of working hours, HH:MM (24:00 = midnight at the end of the day)."),
  })
  .strict()
  .refine((d) => d.end > d.start, { error: "end must be after start", path: ["end"] });
export type DayHours = z.infer<typeof DayHours>;

export const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export const WorkingHours = z
  .object({
    mon: DayHours.optional(),
    tue: DayHours.optional(),
    wed: DayHours.optional(),
    thu: DayHours.optional(),
    fri: DayHours.optional(),
    sat: DayHours.optional(),
    sun: DayHours.optional(),
  })
  .strict()
  .refine((w) => WEEKDAYS.some((d) => w[d] !== undefined), {
    error: "must name at least one day (mon..sun); use null for no working-hours limit",
  })
  .describe("Working hours per weekday in the rules' timezone; omitted days are non-working.");
export type WorkingHours = z.infer<typeof WorkingHours>;

const minutes = (field: string, max: number) => wholeNumber(field, 0, max, "minutes");

export const HardBlock = z
  .object({
    start: Instant,
    end: Instant,
    reason: z.string().max(200).optional().describe("Why nothing may be booked here (shown to people only)."),
  })
  .strict()
  .refine((b) => Date.parse(b.start) < Date.parse(b.end), {
    error: "end must be after start",
    path: ["end"],
  });
export type HardBlock = z.infer<typeof HardBlock>;

// The fields of the rules, without defaults: a change (set_availability_rules) names only some of them.
const RULE_FIELDS = {
  buffer_before_minutes: minutes("buffer_before_minutes", 120).describe(
    "Minutes kept free before every existing event (0-120).",
  ),
  buffer_after_minutes: minutes("buffer_after_minutes", 120).describe(
    "Minutes kept free after every existing event (0-120).",
  ),
  working_hours: WorkingHours.nullable(),
  // Null, not a zone: rules that name none follow the owner's zone, even when the owner's changes.
  timezone: TimeZone.nullable().describe("IANA zone of the working hours; null: the owner's zone."),
  min_notice_minutes: minutes("min_notice_minutes", 525_600).describe(
    "Nothing may start sooner than this many minutes after now.",
  ),
  max_horizon_days: wholeNumber("max_horizon_days", 1, 3650, "days").describe(
    "Nothing may end later than this many days after now.",
  ),
  max_bookings_per_day: wholeNumber("max_bookings_per_day", 1, 1000)
    .nullable()
    .describe("Cap on bookings per local day of the owner (null = no cap)."),
  hard_blocks: z
    .array(HardBlock)
    .max(1000, { error: "hard_blocks may hold at most 1000 intervals" })
    .describe("Explicit intervals nothing may book."),
};

/** The rules as stored: every field, with its default where it was never given. */
export const AvailabilityRules = z
  .object({
    buffer_before_minutes: RULE_FIELDS.buffer_before_minutes.default(0),
    buffer_after_minutes: RULE_FIELDS.buffer_after_minutes.default(0),
    working_hours: RULE_FIELDS.working_hours.default(null),
    timezone: RULE_FIELDS.timezone.default(null),
    min_notice_minutes: RULE_FIELDS.min_notice_minutes.default(0),
    max_horizon_days: RULE_FIELDS.max_horizon_days.default(365),
    max_bookings_per_day: RULE_FIELDS.max_bookings_per_day.default(null),
    hard_blocks: RULE_FIELDS.hard_blocks.default([]),
  })
  .strict();
export type AvailabilityRules = z.infer<typeof AvailabilityRules>;
/** Rules as a caller writes them (every field optional, defaults applied on parse). */
export type AvailabilityRulesInput = z.input<typeof AvailabilityRules>;

/** The names of the rules' fields, in their stored order. */
export const RULE_FIELD_NAMES = Object.keys(RULE_FIELDS) as (keyof AvailabilityRules)[];

/** A change to the rules: only the fields it names (null clears a nullable one). */
export const RulesChange = z.object(RULE_FIELDS).partial();
export type RulesChange = z.output<typeof RulesChange>;

/** Stored rules as answered: their id and times, every field, and the zone in force. */
export const RulesView = z.object({
  id: z.string().describe("The rules' id (avr_...)."),
  calendar_id: z.string(),
  ...RULE_FIELDS,
  effective_timezone: z.string().describe("The zone in force: timezone, or the owner's when it is null."),
  created_at: z.string(),
  updated_at: z.string(),
});
export type RulesView = z.output<typeof RulesView>;

/** What removing the rules answers: the id of the rules removed. */
export const DeletedRules = z.object({
  id: z.string().describe("The deleted rules' id (avr_...)."),
  calendar_id: z.string(),
  deleted: z.literal(true),
});
export type DeletedRules = z.output<typeof DeletedRules>;
