import { z } from "zod";
import { classNamed, type Policy } from "../../schemas/policy.js";
import { TimeZone } from "../../schemas/time.js";
import { CalendarType, Email } from "../../schemas/wire.js";
import { SCOPES } from "./caller.js";
import { badRequestFrom, OpenavailError } from "./errors.js";
import { isObjectPrototypeName } from "./lookups.js";
import { requireWellFormedText } from "./well-formed-text.js";

const ScopeName = z.string().refine((s) => (SCOPES as readonly string[]).includes(s), {
  error: `must be one of ${SCOPES.join(", ")}`,
});

const Scopes = z
  .array(ScopeName, { error: "must be a list of scope names" })
  .max(SCOPES.length * 2)
  .describe(`Scopes the agent holds: ${SCOPES.join(", ")}.`);

const Owners = z
  .array(z.union([z.literal("*"), Email], { error: "must be an email address or *" }), {
    error: 'must be a list of emails, or ["*"]',
  })
  .min(1, { error: "must name at least one email, or * for every owner" })
  .max(1000)
  .refine((o) => !o.includes("*") || o.length === 1, { error: "* must be the only entry when given" })
  .describe('Owner emails the agent may act on, or ["*"] for every owner.');

const AgentName = z
  .string({ error: "must be text" })
  .trim()
  .min(1, { error: "must not be empty" })
  .max(100, { error: "may be at most 100 characters" });

const Description = z
  .string({ error: "must be text or null" })
  .max(500, { error: "may be at most 500 characters" })
  .nullable();

const Priority = z
  .number({ error: "must be a whole number" })
  .int({ error: "must be a whole number" })
  .min(-1000, { error: "must be between -1000 and 1000" })
  .max(1000, { error: "must be between -1000 and 1000" });

const DefaultClass = z.string({ error: "must be a meeting class name or null" }).nullable();

export const NewAgentInput = z
  .object({
    name: AgentName,
    description: Description.optional(),
    default_class: DefaultClass.optional(),
    priority: Priority.default(0),
    scopes: Scopes,
    owners: Owners,
  })
  .strict();
export type NewAgentInput = z.input<typeof NewAgentInput>;

export const AgentPatch = z
  .object({
    name: AgentName.optional(),
    description: Description.optional(),
    default_class: DefaultClass.optional(),
    priority: Priority.optional(),
    scopes: Scopes.optional(),
    owners: Owners.optional(),
  })
  .strict();
export type AgentPatch = z.input<typeof AgentPatch>;

export const NewOwnerInput = z
  .object({
    email: Email,
    name: z.string().trim().min(1).max(200).nullable().optional(),
    timezone: TimeZone.default("UTC"),
  })
  .strict();
export type NewOwnerInput = z.input<typeof NewOwnerInput>;

export const NewCalendarInput = z
  .object({
    owner_email: Email,
    calendar_type: CalendarType.refine((t) => !isObjectPrototypeName(t), {
      error: "must not be a reserved name such as constructor; use a word such as work or personal",
    }),
    provider: z.enum(["local", "google"], { error: "must be local or google" }).default("local"),
    name: z.string().trim().min(1).max(200).nullable().optional(),
  })
  .strict();
export type NewCalendarInput = z.input<typeof NewCalendarInput>;

export const NewKeyInput = z
  .object({
    expires_in_days: z
      .number({ error: "must be a whole number of days" })
      .int({ error: "must be a whole number of days" })
      .min(1, { error: "must be between 1 and 3650" })
      .max(3650, { error: "must be between 1 and 3650" })
      .optional(),
  })
  .strict();
export type NewKeyInput = z.input<typeof NewKeyInput>;

export const VERDICTS = ["Accept", "Reject", "CounterPropose", "Preempt"] as const;

export const DecisionQuery = z
  .object({
    owner_email: Email.optional(),
    agent_id: z
      .string()
      .regex(/^agt_[0-9a-z]{1,40}$/, { error: "must be an agent id (agt_...)" })
      .optional(),
    since: z.number({ error: "must be an instant in epoch ms" }).int().optional(),
    until: z.number({ error: "must be an instant in epoch ms" }).int().optional(),
    reason_code: z.string().max(40).optional(),
    verdict: z.enum(VERDICTS, { error: `must be one of ${VERDICTS.join(", ")}` }).optional(),
    limit: z.number().int().min(1).max(10_000).default(1000),
    after_seq: z.number().int().min(0).optional(),
    before_seq: z.number().int().min(0).optional(),
    newest_first: z.boolean().default(false),
  })
  .strict();
export type DecisionQuery = z.input<typeof DecisionQuery>;

/** `input` as `schema` has it, or `bad_request` naming every field that is not. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  requireWellFormedText(input, what);
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw badRequestFrom(parsed.error, what);
  return parsed.data;
}

/** Refuses a default class the policy does not name. */
export function checkDefaultClass(policy: Policy, name: string | null | undefined): void {
  if (name === undefined || name === null) return;
  if (classNamed(policy, name) === undefined) {
    const known = Object.keys(policy.classes).join(", ");
    throw new OpenavailError(
      "bad_request",
      `Invalid agent: default_class: "${name}" is not a meeting class of the policy; use one of ${known}.`,
      { details: [{ field: "default_class", message: `must be one of ${known}` }] },
    );
  }
}
