// Whole-number fields, read the same way in every tool: a numeric string ("30") is the number it
// spells, as a query parameter already is, so an agent that quotes a number is never refused for it.
import { z } from "zod";

const NUMERIC = /^\s*-?\d+(\.\d+)?\s*$/;

/**
 * A whole number from `min` to `max`; errors name `field` and the range. Typed as taking a number:
 * the string form is a courtesy to agents, not part of the contract code is written against.
 */
export function wholeNumber(field: string, min: number, max: number, unit = ""): z.ZodType<number, number> {
  const range = `${field} must be between ${min} and ${max}`;
  const whole = `${field} must be a whole number${unit ? ` of ${unit}` : ""}`;
  const schema = z.preprocess(
    (v) => (typeof v === "string" && NUMERIC.test(v) ? Number(v) : v),
    z
      .number({ error: (issue) => (issue.input === undefined ? "required" : whole) })
      .int({ error: whole })
      .min(min, { error: range })
      .max(max, { error: range }),
  );
  return schema as unknown as z.ZodType<number, number>;
}
