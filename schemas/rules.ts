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

export const AvailabilityRules = z
  .object({
    buffer_before_minutes: minutes("buffer_before_minutes", 120)
      .default(0)
      .describe("Minutes kept free before every existing event (0-120)."),
    buffer_after_minutes: minutes("buffer_after_minutes", 120)
      .default(0)
      .describe("Minutes kept free after every existing event (0-120)."),
    working_hours: WorkingHours.nullable().default(null),
    timezone: TimeZone.default("UTC").describe("IANA zone the working hours are in (default UTC)."),
    min_notice_minutes: minutes("min_notice_minutes", 525_600)
      .default(0)
      .describe("Nothing may start sooner than this many minutes after now."),
    max_horizon_days: wholeNumber("max_horizon_days", 1, 3650, "days")
      .default(365)
      .describe("Nothing may end later than this many days after now."),
    max_bookings_per_day: wholeNumber("max_bookings_per_day", 1, 1000)
      .nullable()
      .default(null)
      .describe("Cap on bookings per local day of the owner (null = no cap)."),
    hard_blocks: z
      .array(HardBlock)
      .max(1000, { error: "hard_blocks may hold at most 1000 intervals" })
      .default([])
      .describe("Explicit intervals nothing may book."),
  })
  .strict();
export type AvailabilityRules = z.infer<typeof AvailabilityRules>;
/** Rules as a caller writes them (every field optional, defaults applied on parse). */
export type AvailabilityRulesInput = z.input<typeof AvailabilityRules>;
