import type { Kysely } from "kysely";
import { z } from "zod";
import { classNamed, type Policy } from "../../schemas/policy.js";
import { type DeletedRules, RulesChange, type RulesView } from "../../schemas/rules.js";
import { TimeZone, toInstant } from "../../schemas/time.js";
import { CalendarType, Email } from "../../schemas/wire.js";
import * as agentsRepo from "../ledger/agents.repository.js";
import { listDecisions } from "../ledger/audit.repository.js";
import * as ownersRepo from "../ledger/owners.repository.js";
import type { AgentRow, ApiKeyRow, CalendarRow, Database, DecisionRow, OwnerRow } from "../ledger/tables.js";
import { createAgent, createApiKey, createCalendar, createOwner } from "./admin.js";
import { SCOPES, type Scope } from "./caller.js";
import { badRequestFrom, OpenavailError } from "./errors.js";
import { isObjectPrototypeName } from "./lookups.js";
import { changeRules, presentRules, removeRules, requireRules } from "./rules.js";
import { requireWellFormedText } from "./well-formed-text.js";

const DAY_MS = 86_400_000;

// ---- views -------------------------------------------------------------------------------------

export interface AgentView {
  id: string;
  name: string;
  description: string | null;
  default_class: string | null;
  priority: number;
  scopes: string[];
  /** Lowercased emails, or ["*"]. */
  owners: string[];
  status: "active" | "disabled";
  created_at: string;
  updated_at: string;
}

/** A key's metadata. The raw key exists only in `createKey`'s result; the hash is never shown. */
export interface ApiKeyView {
  id: string;
  agent_id: string;
  /** `ak_` and the key's first 8 characters: enough to recognise it, useless to use it. */
  prefix: string;
  status: "active" | "revoked" | "expired";
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}

export interface OwnerView {
  id: string;
  email: string;
  name: string | null;
  timezone: string;
  default_calendar_type: string | null;
  created_at: string;
}

export interface CalendarView {
  id: string;
  owner_id: string;
  owner_email: string;
  calendar_type: string;
  provider: "local" | "google" | "microsoft" | "caldav";
  name: string | null;
  /** `needs_reconnect`: the provider refused the stored credential; run `openavail connect` again. */
  status: "active" | "needs_reconnect";
  has_rules: boolean;
  synced_at: string | null;
  created_at: string;
}

export interface DecisionView {
  seq: number;
  decision_id: string;
  at: string;
  agent_id: string;
  key_prefix: string | null;
  tool: string;
  owner_id: string | null;
  owner_email: string | null;
  verdict: string;
  reason_code: string | null;
  booking_id: string | null;
  hold_id: string | null;
  request: unknown;
  alternatives: unknown;
  displaced: unknown;
  policy_hash: string;
  latency_us: number;
}

export function presentAgent(row: AgentRow): AgentView {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    default_class: row.default_class,
    priority: row.priority,
    scopes: JSON.parse(row.scopes_json) as string[],
    owners: JSON.parse(row.owners_json) as string[],
    status: row.status,
    created_at: toInstant(row.created_at),
    updated_at: toInstant(row.updated_at),
  };
}

export function presentApiKey(row: ApiKeyRow, now: number): ApiKeyView {
  const status =
    row.revoked_at !== null
      ? "revoked"
      : row.expires_at !== null && row.expires_at <= now
        ? "expired"
        : "active";
  return {
    id: row.id,
    agent_id: row.agent_id,
    prefix: row.prefix,
    status,
    created_at: toInstant(row.created_at),
    expires_at: instantOrNull(row.expires_at),
    revoked_at: instantOrNull(row.revoked_at),
    last_used_at: instantOrNull(row.last_used_at),
  };
}

export function presentOwner(row: OwnerRow): OwnerView {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    timezone: row.timezone,
    default_calendar_type: row.default_calendar_type,
    created_at: toInstant(row.created_at),
  };
}

export function presentCalendar(row: CalendarRow, ownerEmail: string): CalendarView {
  return {
    id: row.id,
    owner_id: row.owner_id,
    owner_email: ownerEmail,
    calendar_type: row.calendar_type,
    provider: row.provider,
    name: row.name,
    status: row.status,
    has_rules: row.rules_json !== null,
    synced_at: instantOrNull(row.synced_at),
    created_at: toInstant(row.created_at),
  };
}

function presentDecision(row: DecisionRow, ownerEmail: string | null): DecisionView {
  return {
    seq: row.seq,
    decision_id: row.id,
    at: toInstant(row.at),
    agent_id: row.agent_id,
    key_prefix: row.key_prefix,
    tool: row.tool,
    owner_id: row.owner_id,
    owner_email: ownerEmail,
    verdict: row.verdict,
    reason_code: row.reason_code,
    booking_id: row.booking_id,
    hold_id: row.hold_id,
    request: JSON.parse(row.request_json),
    alternatives: JSON.parse(row.alternatives_json),
    displaced: JSON.parse(row.displaced_json),
    policy_hash: row.policy_hash,
    latency_us: row.latency_us,
  };
}

function instantOrNull(ms: number | null): string | null {
  return ms === null ? null : toInstant(ms);
}

// ---- input schemas -----------------------------------------------------------------------------

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

function parse<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  requireWellFormedText(input, what);
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw badRequestFrom(parsed.error, what);
  return parsed.data;
}

function checkDefaultClass(policy: Policy, name: string | null | undefined): void {
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

// ---- owners and calendars ----------------------------------------------------------------------

/** Adds an owner; `timezone` defaults to UTC. Throws `conflict` when the email exists. */
export async function addOwner(db: Kysely<Database>, input: unknown, now: number): Promise<OwnerView> {
  const v = parse(NewOwnerInput, input, "owner");
  return presentOwner(
    await createOwner(db, { email: v.email, name: v.name ?? null, timezone: v.timezone }, now),
  );
}

export async function listOwners(db: Kysely<Database>): Promise<OwnerView[]> {
  return (await ownersRepo.listOwners(db)).map(presentOwner);
}

/** Adds a calendar to an existing owner; one calendar per owner and type. */
export async function addCalendar(db: Kysely<Database>, input: unknown, now: number): Promise<CalendarView> {
  const v = parse(NewCalendarInput, input, "calendar");
  const row = await createCalendar(
    db,
    { ownerEmail: v.owner_email, calendarType: v.calendar_type, provider: v.provider, name: v.name ?? null },
    now,
  );
  return presentCalendar(row, v.owner_email);
}

/** Every calendar, or one owner's, oldest first, with its status (`needs_reconnect` included). */
export async function listCalendars(
  db: Kysely<Database>,
  filter: { ownerEmail?: string } = {},
): Promise<CalendarView[]> {
  const owners = await ownersRepo.listOwners(db);
  const emailOf = new Map(owners.map((o) => [o.id, o.email]));
  let ownerId: string | undefined;
  if (filter.ownerEmail !== undefined) {
    const email = parse(Email, filter.ownerEmail, "owner");
    const owner = owners.find((o) => o.email === email);
    if (!owner) throw noOwner(email, "owner_email");
    ownerId = owner.id;
  }
  const rows = await ownersRepo.listCalendars(db, ownerId);
  return rows.map((r) => presentCalendar(r, emailOf.get(r.owner_id) ?? ""));
}

export async function getCalendarRules(db: Kysely<Database>, calendarId: string): Promise<RulesView> {
  const { calendar, owner } = await findCalendarAndOwner(db, calendarId);
  return presentRules(calendar, owner, requireRules(calendar, RULES_SET_COMMAND));
}

/**
 * Changes a calendar's rules after validating `change`, a flat rules object as the tools take: the
 * fields it names change (null clears), the rest stay, or with `replace` reset to their defaults.
 */
export async function setCalendarRules(
  db: Kysely<Database>,
  calendarId: string,
  change: unknown,
  options: { replace?: boolean; now: number },
): Promise<RulesView> {
  const valid = parse(RulesChange.strict(), change, "rules");
  const { calendar, owner } = await findCalendarAndOwner(db, calendarId);
  const stored = await changeRules(db, calendar, valid, options.replace ?? false, options.now);
  return presentRules(calendar, owner, stored);
}

/** Removes a calendar's rules: every minute outside an event becomes free. */
export async function deleteCalendarRules(
  db: Kysely<Database>,
  calendarId: string,
  now: number,
): Promise<DeletedRules> {
  return removeRules(db, await findCalendar(db, calendarId), now, RULES_SET_COMMAND);
}

const RULES_SET_COMMAND = "`openavail rules set`";

async function findCalendarAndOwner(
  db: Kysely<Database>,
  calendarId: string,
): Promise<{ calendar: CalendarRow; owner: OwnerRow }> {
  const calendar = await findCalendar(db, calendarId);
  return { calendar, owner: (await ownersRepo.findOwnerById(db, calendar.owner_id))! };
}

async function findCalendar(db: Kysely<Database>, calendarId: string): Promise<CalendarRow> {
  const calendar = await ownersRepo.findCalendarById(db, calendarId);
  if (!calendar) {
    throw new OpenavailError("not_found", `No calendar ${calendarId}; see \`openavail calendar list\`.`, {
      details: [{ field: "calendar_id", message: "no such calendar" }],
    });
  }
  return calendar;
}

// ---- agents --------------------------------------------------------------------------------------

/** Creates an agent; `default_class` must name a class of `policy`. */
export async function addAgent(
  db: Kysely<Database>,
  policy: Policy,
  input: unknown,
  now: number,
): Promise<AgentView> {
  const v = parse(NewAgentInput, input, "agent");
  checkDefaultClass(policy, v.default_class);
  const row = await createAgent(
    db,
    {
      name: v.name,
      description: v.description ?? null,
      defaultClass: v.default_class ?? null,
      priority: v.priority,
      scopes: v.scopes as Scope[],
      owners: v.owners,
    },
    now,
  );
  return presentAgent(row);
}

export async function listAgents(db: Kysely<Database>): Promise<AgentView[]> {
  return (await agentsRepo.listAgents(db)).map(presentAgent);
}

/** One agent with its keys' metadata (never hashes, never raw keys). */
export async function showAgent(
  db: Kysely<Database>,
  agentId: string,
  now: number,
): Promise<AgentView & { keys: ApiKeyView[] }> {
  const agent = await findAgentOrThrow(db, agentId);
  const keys = await agentsRepo.listApiKeys(db, agent.id);
  return { ...presentAgent(agent), keys: keys.map((k) => presentApiKey(k, now)) };
}

/**
 * PATCH semantics: only the fields given change; `scopes` and `owners` replace the whole list. The
 * change applies to the agent's next request, because authentication reads the agent on every call.
 */
export async function updateAgent(
  db: Kysely<Database>,
  policy: Policy,
  agentId: string,
  patch: unknown,
  now: number,
): Promise<AgentView> {
  const v = parse(AgentPatch, patch, "agent update");
  if (Object.values(v).every((x) => x === undefined)) {
    throw new OpenavailError(
      "bad_request",
      "Nothing to update: give at least one of name, description, default_class, priority, scopes, owners.",
    );
  }
  checkDefaultClass(policy, v.default_class);
  await findAgentOrThrow(db, agentId);
  await agentsRepo.updateAgent(db, agentId, {
    ...(v.name !== undefined ? { name: v.name } : {}),
    ...(v.description !== undefined ? { description: v.description } : {}),
    ...(v.default_class !== undefined ? { default_class: v.default_class } : {}),
    ...(v.priority !== undefined ? { priority: v.priority } : {}),
    ...(v.scopes !== undefined ? { scopes_json: JSON.stringify([...new Set(v.scopes)]) } : {}),
    ...(v.owners !== undefined ? { owners_json: JSON.stringify([...new Set(v.owners)]) } : {}),
    updated_at: now,
  });
  return presentAgent(await findAgentOrThrow(db, agentId));
}

/**
 * Disables or re-enables an agent. A disabled agent's keys get `unauthorized` on their next request;
 * its holds are left to expire normally and its bookings stay.
 */
export async function setAgentStatus(
  db: Kysely<Database>,
  agentId: string,
  status: "active" | "disabled",
  now: number,
): Promise<AgentView> {
  const agent = await findAgentOrThrow(db, agentId);
  if (agent.status !== status) await agentsRepo.updateAgent(db, agent.id, { status, updated_at: now });
  return presentAgent(await findAgentOrThrow(db, agent.id));
}

async function findAgentOrThrow(db: Kysely<Database>, agentId: string): Promise<AgentRow> {
  const agent = await agentsRepo.findAgent(db, agentId);
  if (!agent) {
    throw new OpenavailError("not_found", `No agent ${agentId}; see \`openavail agent list\`.`, {
      details: [{ field: "agent_id", message: "no such agent" }],
    });
  }
  return agent;
}

// ---- keys ----------------------------------------------------------------------------------------

export async function listKeys(db: Kysely<Database>, agentId: string, now: number): Promise<ApiKeyView[]> {
  const agent = await findAgentOrThrow(db, agentId);
  return (await agentsRepo.listApiKeys(db, agent.id)).map((k) => presentApiKey(k, now));
}

/** Creates a key; the result is the only place the raw key ever appears. */
export async function createKey(
  db: Kysely<Database>,
  agentId: string,
  input: unknown,
  now: number,
): Promise<{ id: string; key: string; agent_id: string; prefix: string; expires_at: string | null }> {
  const v = parse(NewKeyInput, input ?? {}, "key");
  const agent = await findAgentOrThrow(db, agentId);
  const expiresAt = v.expires_in_days !== undefined ? now + v.expires_in_days * DAY_MS : null;
  const made = await createApiKey(db, agent.id, now, expiresAt);
  return {
    id: made.id,
    key: made.key,
    agent_id: agent.id,
    prefix: made.prefix,
    expires_at: instantOrNull(made.expires_at),
  };
}

/** Revokes one of the agent's keys at once; revoking a revoked key changes nothing. */
export async function revokeKey(
  db: Kysely<Database>,
  agentId: string,
  keyId: string,
  now: number,
): Promise<ApiKeyView> {
  const agent = await findAgentOrThrow(db, agentId);
  const find = async () => (await agentsRepo.listApiKeys(db, agent.id)).find((k) => k.id === keyId);
  if (!(await find())) {
    throw new OpenavailError("not_found", `Agent ${agent.id} has no key ${keyId}.`, {
      details: [{ field: "key_id", message: "no such key for this agent" }],
    });
  }
  await agentsRepo.revokeApiKey(db, agent.id, keyId, now);
  return presentApiKey((await find())!, now);
}

// ---- audit ---------------------------------------------------------------------------------------

/** Decisions in append order (or newest first), filtered; page with `after_seq` (or `before_seq`) = the last `seq` seen. */
export async function listDecisionViews(db: Kysely<Database>, query: unknown): Promise<DecisionView[]> {
  const q = parse(DecisionQuery, query ?? {}, "decisions query");
  const owners = await ownersRepo.listOwners(db);
  const emailOf = new Map(owners.map((o) => [o.id, o.email]));
  let ownerId: string | undefined;
  if (q.owner_email !== undefined) {
    const owner = owners.find((o) => o.email === q.owner_email);
    if (!owner) throw noOwner(q.owner_email, "owner_email");
    ownerId = owner.id;
  }
  const rows = await listDecisions(db, {
    ...(ownerId !== undefined ? { ownerId } : {}),
    ...(q.agent_id !== undefined ? { agentId: q.agent_id } : {}),
    ...(q.since !== undefined ? { since: q.since } : {}),
    ...(q.until !== undefined ? { until: q.until } : {}),
    ...(q.reason_code !== undefined ? { reasonCode: q.reason_code } : {}),
    ...(q.verdict !== undefined ? { verdict: q.verdict } : {}),
    ...(q.after_seq !== undefined ? { afterSeq: q.after_seq } : {}),
    ...(q.before_seq !== undefined ? { beforeSeq: q.before_seq } : {}),
    newestFirst: q.newest_first,
    limit: q.limit,
  });
  return rows.map((r) => presentDecision(r, r.owner_id ? (emailOf.get(r.owner_id) ?? null) : null));
}

function noOwner(email: string, field: string): OpenavailError {
  return new OpenavailError("not_found", `No owner ${email}; see \`openavail owner list\`.`, {
    details: [{ field, message: "no such owner" }],
  });
}

export { createAdminToken, hashAdminToken } from "./admin-tokens.js";
