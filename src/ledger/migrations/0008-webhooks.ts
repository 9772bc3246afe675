// Webhooks: subscriptions (an agent's own, or organisation-wide with no agent) with their signing
// secrets sealed at rest (the previous one kept through a rotation's grace period), and the
// deliveries: one row per event and subscription, enqueued in the decision's own transaction, so
// the table is the webhooks' outbox.
import { type Kysely, sql } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema types
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE TABLE webhook_subscriptions (
    id TEXT PRIMARY KEY,
    agent_id TEXT,
    url TEXT NOT NULL,
    event_types_json TEXT NOT NULL,
    sealed_secret TEXT NOT NULL,
    previous_sealed_secret TEXT,
    previous_valid_until INTEGER,
    status TEXT NOT NULL DEFAULT 'active',
    disabled_reason TEXT,
    failing_since INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  )`.execute(db);
  await sql`CREATE INDEX webhook_subscriptions_agent ON webhook_subscriptions (agent_id) WHERE status = 'active'`.execute(
    db,
  );
  // An event's body is written once, however many subscriptions it goes to.
  await sql`CREATE TABLE webhook_events (
    id TEXT PRIMARY KEY,
    event_type TEXT NOT NULL,
    payload_json TEXT NOT NULL,
    created_at INTEGER NOT NULL
  )`.execute(db);
  await sql`CREATE TABLE webhook_deliveries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    subscription_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_status_code INTEGER,
    last_error TEXT,
    latency_ms INTEGER,
    created_at INTEGER NOT NULL,
    delivered_at INTEGER
  )`.execute(db);
  await sql`CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending'`.execute(
    db,
  );
  await sql`CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries (subscription_id, seq)`.execute(
    db,
  );
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema types
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("webhook_deliveries").ifExists().execute();
  await db.schema.dropTable("webhook_events").ifExists().execute();
  await db.schema.dropTable("webhook_subscriptions").ifExists().execute();
}
