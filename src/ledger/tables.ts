// Row types of the ledger. Instants are INTEGER epoch milliseconds; JSON columns are TEXT.
import type { ColumnType, Generated, Insertable, Selectable } from "kysely";

export interface OwnersTable {
  id: string;
  email: string;
  name: string | null;
  timezone: string;
  default_calendar_type: string | null;
  created_at: number;
}

export interface CalendarsTable {
  id: string;
  owner_id: string;
  calendar_type: string;
  /** Where the events live: the ledger alone (`local`) or a provider it mirrors. */
  provider: "local" | "google" | "microsoft" | "caldav";
  name: string | null;
  external_id: string | null;
  /** Validated AvailabilityRules as JSON, or null for "no rules". */
  rules_json: string | null;
  /** The rules' id (avr_...), null exactly when rules_json is; optional on insert, as no rules. */
  rules_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** When the rules were first set and last changed (epoch ms); null without rules. */
  rules_created_at: ColumnType<number | null, number | null | undefined, number | null>;
  rules_updated_at: ColumnType<number | null, number | null | undefined, number | null>;
  status: "active" | "needs_reconnect";
  credential_id: string | null;
  sync_token: string | null;
  synced_at: number | null;
  created_at: number;
}

export interface AgentsTable {
  id: string;
  name: string;
  description: string | null;
  default_class: string | null;
  priority: number;
  /** JSON array of scope names. */
  scopes_json: string;
  /** JSON array of owner emails, or ["*"]. */
  owners_json: string;
  status: "active" | "disabled";
  created_at: number;
  updated_at: number;
}

export interface ApiKeysTable {
  id: string;
  agent_id: string;
  prefix: string;
  hash: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
}

export type HoldStatus = "active" | "confirmed" | "released" | "expired";
export interface HoldsTable {
  id: string;
  owner_id: string;
  calendar_id: string;
  agent_id: string;
  start_ms: number;
  end_ms: number;
  meeting_class: string;
  status: HoldStatus;
  expires_at: number;
  created_at: number;
  updated_at: number;
  /** 1 for the hold check_availability placed (migration 0006); optional on insert. */
  from_check: ColumnType<number, number | undefined, number>;
}

export type BookingStatus = "confirmed" | "cancelled" | "needs_reschedule";
export interface BookingsTable {
  id: string;
  owner_id: string;
  calendar_id: string;
  agent_id: string;
  start_ms: number;
  end_ms: number;
  title: string;
  /** Event details, or null (migration 0005). */
  description: string | null;
  /** JSON array of attendees, each `{email, name, time_zone}` (the wire's Attendee; migration 0005). */
  attendees_json: string;
  meeting_class: string;
  status: BookingStatus;
  hold_id: string | null;
  created_at: number;
  updated_at: number;
}

export interface ExternalEventsTable {
  id: string;
  owner_id: string;
  calendar_id: string;
  external_id: string;
  start_ms: number;
  end_ms: number;
  /** 0 for cancelled, transparent or declined events: kept for sync, never busy. */
  busy: number;
  title: string | null;
  /** The Openavail booking this event mirrors, when it is one of ours. */
  booking_id: string | null;
  updated_at: number;
}

export interface DecisionsTable {
  seq: Generated<number>;
  id: string;
  at: number;
  agent_id: string;
  key_prefix: string | null;
  tool: string;
  owner_id: string | null;
  request_json: string;
  verdict: string;
  reason_code: string | null;
  booking_id: string | null;
  hold_id: string | null;
  alternatives_json: string;
  displaced_json: string;
  policy_hash: string;
  latency_us: number;
}

export interface NotificationsTable {
  seq: Generated<number>;
  id: string;
  agent_id: string;
  type: string;
  payload_json: string;
  created_at: number;
  delivered_at: number | null;
}

/** The authorization server's storage (oidc-provider adapter rows), keyed by the SHA-256 of each id. */
export interface OauthStoreTable {
  model: string;
  id_hash: string;
  payload_json: string;
  grant_id: string | null;
  uid: string | null;
  expires_at: number | null;
  consumed_at: number | null;
}

/** The owner's consent to one OAuth client: its tokens act as agent_id until revoked_at. */
export interface OauthConnectionsTable {
  id: string;
  client_id: string;
  client_name: string;
  client_uri: string | null;
  agent_id: string;
  scopes_json: string;
  created_at: number;
  updated_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

/** PostgreSQL only (its migration 0009-rate-limits): one instance's requests per key in one bucket. */
export interface RateLimitCountsTable {
  /** The key's id as the rate limiter knows it (the SHA-256 of the raw key), never the key. */
  key_id: string;
  /** The bucket's start, epoch ms. */
  bucket: number;
  /** The process that counted them (a random id per process). */
  instance: string;
  count: number;
}

export interface IdempotencyTable {
  agent_id: string;
  key: string;
  fingerprint: string;
  response_json: string;
  created_at: number;
}

export interface OutboxTable {
  seq: Generated<number>;
  booking_id: string;
  calendar_id: string;
  op: "upsert" | "cancel";
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  created_at: number;
  done_at: number | null;
}

export interface CredentialsTable {
  id: string;
  owner_id: string;
  provider: "google" | "microsoft" | "caldav";
  account: string | null;
  /** AES-256-GCM sealed refresh token (secret-box format). */
  sealed_token: string;
  status: "active" | "revoked";
  created_at: number;
}

export interface AdminTokensTable {
  id: string;
  prefix: string;
  hash: string;
  created_at: number;
  revoked_at: number | null;
}

export interface ConsoleLinksTable {
  id: string;
  hash: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface ConsoleSessionsTable {
  id: string;
  hash: string;
  csrf_token: string;
  /** "admin_token:<prefix>" or "link:<id>": how the session began, for the audit trail. */
  signed_in_with: string;
  created_at: number;
  expires_at: number;
  ended_at: number | null;
}

export interface AdminActionsTable {
  seq: Generated<number>;
  id: string;
  at: number;
  /** The admin token prefix, "session:<id>" or "cli". */
  actor: string;
  action: string;
  target: string | null;
  details_json: string;
}

export interface WebhookSubscriptionsTable {
  id: string;
  /** The agent that owns it; null: organisation-wide (an admin's), receiving every agent's events. */
  agent_id: string | null;
  url: string;
  event_types_json: string;
  sealed_secret: string;
  /** The secret before the last rotation, still signing until previous_valid_until. */
  previous_sealed_secret: string | null;
  previous_valid_until: number | null;
  status: "active" | "disabled";
  disabled_reason: string | null;
  /** When deliveries began failing without a success since; null while healthy. */
  failing_since: number | null;
  created_at: number;
  updated_at: number;
}

/** An event's body, written once for every subscription it goes to. */
export interface WebhookEventsTable {
  id: string;
  event_type: string;
  payload_json: string;
  created_at: number;
}

export interface WebhookDeliveriesTable {
  seq: Generated<number>;
  /** The Standard Webhooks message id (webhook-id), the same on every attempt. */
  id: string;
  subscription_id: string;
  event_id: string;
  event_type: string;
  status: "pending" | "delivered" | "failed";
  attempts: number;
  next_attempt_at: number;
  last_status_code: number | null;
  last_error: string | null;
  latency_ms: number | null;
  created_at: number;
  delivered_at: number | null;
}

export interface Database {
  owners: OwnersTable;
  calendars: CalendarsTable;
  agents: AgentsTable;
  api_keys: ApiKeysTable;
  holds: HoldsTable;
  bookings: BookingsTable;
  external_events: ExternalEventsTable;
  decisions: DecisionsTable;
  notifications: NotificationsTable;
  idempotency: IdempotencyTable;
  outbox: OutboxTable;
  credentials: CredentialsTable;
  admin_tokens: AdminTokensTable;
  console_links: ConsoleLinksTable;
  console_sessions: ConsoleSessionsTable;
  admin_actions: AdminActionsTable;
  webhook_subscriptions: WebhookSubscriptionsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_events: WebhookEventsTable;
  oauth_store: OauthStoreTable;
  oauth_connections: OauthConnectionsTable;
  rate_limit_counts: RateLimitCountsTable;
}

export type OwnerRow = Selectable<OwnersTable>;
export type CalendarRow = Selectable<CalendarsTable>;
export type AgentRow = Selectable<AgentsTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type HoldRow = Selectable<HoldsTable>;
export type BookingRow = Selectable<BookingsTable>;
export type ExternalEventRow = Selectable<ExternalEventsTable>;
export type DecisionRow = Selectable<DecisionsTable>;
export type NewDecision = Insertable<DecisionsTable>;
export type NotificationRow = Selectable<NotificationsTable>;
