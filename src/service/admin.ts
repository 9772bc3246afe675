// Administration shared by the CLI, the admin REST surface and first run: owners, calendars, agents, keys.
import type { Kysely } from "kysely";
import { findAgent, insertAgent, insertApiKey } from "../ledger/agents.repository.js";
import { newId } from "../ledger/ids.js";
import { findOwnerByEmail, insertCalendar, insertOwner } from "../ledger/owners.repository.js";
import { newRulesColumns } from "../ledger/rules.repository.js";
import type { AgentRow, CalendarRow, Database, OwnerRow } from "../ledger/tables.js";
import { generateApiKey } from "./api-keys.js";
import type { Scope } from "./caller.js";
import { OpenavailError } from "./errors.js";

export async function createOwner(
  db: Kysely<Database>,
  input: { email: string; name?: string | null; timezone: string },
  now: number,
): Promise<OwnerRow> {
  const email = input.email.toLowerCase();
  if (await findOwnerByEmail(db, email))
    throw new OpenavailError("conflict", `Owner ${email} already exists.`);
  const row: OwnerRow = {
    id: newId("own"),
    email,
    name: input.name ?? null,
    timezone: input.timezone,
    default_calendar_type: null,
    created_at: now,
  };
  await insertOwner(db, row);
  return row;
}

export async function createCalendar(
  db: Kysely<Database>,
  input: {
    ownerEmail: string;
    calendarType: string;
    provider?: "local" | "google";
    name?: string | null;
    rulesJson?: string | null;
  },
  now: number,
): Promise<CalendarRow> {
  const owner = await findOwnerByEmail(db, input.ownerEmail);
  if (!owner)
    throw new OpenavailError(
      "not_found",
      `No owner ${input.ownerEmail}; add it first with \`openavail owner add\`.`,
    );
  const row: CalendarRow = {
    id: newId("cal"),
    owner_id: owner.id,
    calendar_type: input.calendarType,
    provider: input.provider ?? "local",
    name: input.name ?? null,
    external_id: null,
    ...newRulesColumns(input.rulesJson ?? null, now),
    status: "active",
    credential_id: null,
    sync_token: null,
    synced_at: null,
    created_at: now,
  };
  try {
    await insertCalendar(db, row);
  } catch (err) {
    if (String(err).includes("UNIQUE")) {
      throw new OpenavailError("conflict", `${owner.email} already has a ${input.calendarType} calendar.`);
    }
    throw err;
  }
  return row;
}

export interface NewAgent {
  name: string;
  description?: string | null;
  defaultClass?: string | null;
  priority?: number;
  scopes: readonly Scope[];
  owners: readonly string[];
}

export async function createAgent(db: Kysely<Database>, input: NewAgent, now: number): Promise<AgentRow> {
  const row: AgentRow = {
    id: newId("agt"),
    name: input.name,
    description: input.description ?? null,
    default_class: input.defaultClass ?? null,
    priority: input.priority ?? 0,
    scopes_json: JSON.stringify([...new Set(input.scopes)]),
    owners_json: JSON.stringify(input.owners.map((o) => o.toLowerCase())),
    status: "active",
    created_at: now,
    updated_at: now,
  };
  await insertAgent(db, row);
  return row;
}

/** Creates a key for an agent; the raw key is in the result and nowhere else, ever. */
export async function createApiKey(
  db: Kysely<Database>,
  agentId: string,
  now: number,
  expiresAt: number | null = null,
): Promise<{ id: string; key: string; prefix: string; expires_at: number | null }> {
  if (!(await findAgent(db, agentId))) throw new OpenavailError("not_found", `No agent ${agentId}.`);
  const key = generateApiKey();
  const id = newId("key");
  await insertApiKey(db, {
    id,
    agent_id: agentId,
    prefix: key.prefix,
    hash: key.hash,
    created_at: now,
    expires_at: expiresAt,
    revoked_at: null,
    last_used_at: null,
  });
  return { id, key: key.raw, prefix: key.prefix, expires_at: expiresAt };
}
