import { toInstant } from "../../schemas/time.js";
import type { AgentRow, ApiKeyRow, CalendarRow, DecisionRow, OwnerRow } from "../ledger/tables.js";

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

export function presentDecision(row: DecisionRow, ownerEmail: string | null): DecisionView {
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

export function instantOrNull(ms: number | null): string | null {
  return ms === null ? null : toInstant(ms);
}
