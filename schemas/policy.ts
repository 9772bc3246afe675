// The meeting-class policy file: which classes exist, their rank, and what may be displaced.
import { z } from "zod";

export const MeetingClassName = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,63}$/, { error: "must be lower_snake_case, 1-64 characters, e.g. internal_sync" })
  .describe("Meeting class name from the owner's policy, e.g. external_customer_call.");

export const MeetingClass = z
  .object({
    rank: z
      .number({ error: "rank must be a whole number from 0 to 100" })
      .int({ error: "rank must be a whole number from 0 to 100" })
      .min(0, { error: "rank must be a whole number from 0 to 100" })
      .max(100, { error: "rank must be a whole number from 0 to 100" })
      .describe("0-100; a higher rank may displace a lower one."),
    preemptible: z
      .boolean({ error: "preemptible must be true or false" })
      .describe("May be displaced at all."),
    description: z.string().max(500).optional(),
  })
  .strict();
export type MeetingClass = z.infer<typeof MeetingClass>;

export const Policy = z
  .object({
    protect_after_hours: z
      .number({ error: "protect_after_hours must be a number of hours" })
      .min(0, { error: "protect_after_hours must be between 0 and 8760" })
      .max(8760, { error: "protect_after_hours must be between 0 and 8760" })
      .default(24)
      .describe("A booking older than this many hours can no longer be displaced."),
    default_class: MeetingClassName.describe("Class used when neither the request nor the agent names one."),
    classes: z
      .record(MeetingClassName, MeetingClass)
      .refine((c) => Object.keys(c).length > 0, { error: "classes must define at least one meeting class" }),
  })
  .strict()
  .refine((p) => classNamed(p, p.default_class) !== undefined, {
    error: "default_class must name one of the classes",
    path: ["default_class"],
  });
export type Policy = z.infer<typeof Policy>;

/**
 * The meeting class called `name`, or undefined. Every lookup of a class by a name from outside (a
 * request, an agent's default, a stored booking) goes through here: an own key only, so no
 * Object.prototype member ("constructor", "toString", ...) is ever a class unless the policy
 * defines one by that name.
 */
export function classNamed(
  policy: { readonly classes: Readonly<Record<string, MeetingClass>> },
  name: string,
): MeetingClass | undefined {
  return Object.hasOwn(policy.classes, name) ? policy.classes[name] : undefined;
}
