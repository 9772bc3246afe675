// The admin use cases over agents, keys, owners and calendars, and the decision log: what the admin
// REST routes, the CLI and the console run. What they accept is admin-inputs.ts; what they show, admin-views.ts.
import type { Kysely } from "kysely";
import type { Policy } from "../../schemas/policy.js";
import { type DeletedRules, RulesChange, type RulesView } from "../../schemas/rules.js";
import { Email } from "../../schemas/wire.js";
import * as agentsRepo from "../ledger/agents.repository.js";
import { listDecisions } from "../ledger/audit.repository.js";
import * as ownersRepo from "../ledger/owners.repository.js";
import type { AgentRow, CalendarRow, Database, OwnerRow } from "../ledger/tables.js";
import { createAgent, createApiKey, createCalendar, createOwner } from "./admin.js";
import {
  AgentPatch,
  checkDefaultClass,
  DecisionQuery,
  NewAgentInput,
  NewCalendarInput,
  NewKeyInput,
  NewOwnerInput,
  parseInput,
} from "./admin-inputs.js";
import {
  type AgentView,
  type ApiKeyView,
  type CalendarView,
  type DecisionView,
  instantOrNull,
  type OwnerView,
  presentAgent,
  presentApiKey,
  presentCalendar,
  presentDecision,
  presentOwner,
} from "./admin-views.js";
import type { Scope } from "./caller.js";
import { OpenavailError } from "./errors.js";
import { changeRules, presentRules, removeRules, requireRules } from "./rules.js";

const DAY_MS = 86_400_000;

// ---- owners and calendars ----------------------------------------------------------------------

/** Adds an owner; `timezone` defaults to UTC. Throws `conflict` when the email exists. */
export async function addOwner(db: Kysely<Database>, input: unknown, now: number): Promise<OwnerView> {
  const v = parseInput(NewOwnerInput, input, "owner");
  return presentOwner(
    await createOwner(db, { email: v.email, name: v.name ?? null, timezone: v.timezone }, now),
  );
}

export async function listOwners(db: Kysely<Database>): Promise<OwnerView[]> {
  return (await ownersRepo.listOwners(db)).map(presentOwner);
}

/** Adds a calendar to an existing owner; one calendar per owner and type. */
export async function addCalendar(db: Kysely<Database>, input: unknown, now: number): Promise<CalendarView> {
  const v = parseInput(NewCalendarInput, input, "calendar");
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
    const email = parseInput(Email, filter.ownerEmail, "owner");
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
  const valid = parseInput(RulesChange.strict(), change, "rules");
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
  const v = parseInput(NewAgentInput, input, "agent");
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
  const v = parseInput(AgentPatch, patch, "agent update");
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
  const v = parseInput(NewKeyInput, input ?? {}, "key");
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
  const q = parseInput(DecisionQuery, query ?? {}, "decisions query");
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
