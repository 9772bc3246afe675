// The first schema. Migrations are written against Kysely<any> so they never depend on today's types.
import { type Kysely, sql } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("owners")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("email", "text", (c) => c.notNull().unique())
    .addColumn("name", "text")
    .addColumn("timezone", "text", (c) => c.notNull())
    .addColumn("default_calendar_type", "text")
    .addColumn("created_at", "integer", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("credentials")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("owner_id", "text", (c) => c.notNull().references("owners.id"))
    .addColumn("provider", "text", (c) => c.notNull())
    .addColumn("account", "text")
    .addColumn("sealed_token", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("created_at", "integer", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("calendars")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("owner_id", "text", (c) => c.notNull().references("owners.id"))
    .addColumn("calendar_type", "text", (c) => c.notNull())
    .addColumn("provider", "text", (c) => c.notNull())
    .addColumn("name", "text")
    .addColumn("external_id", "text")
    .addColumn("rules_json", "text")
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("credential_id", "text", (c) => c.references("credentials.id"))
    .addColumn("sync_token", "text")
    .addColumn("synced_at", "integer")
    .addColumn("created_at", "integer", (c) => c.notNull())
    .addUniqueConstraint("calendars_owner_type", ["owner_id", "calendar_type"])
    .execute();

  await db.schema
    .createTable("agents")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("description", "text")
    .addColumn("default_class", "text")
    .addColumn("priority", "integer", (c) => c.notNull())
    .addColumn("scopes_json", "text", (c) => c.notNull())
    .addColumn("owners_json", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("created_at", "integer", (c) => c.notNull())
    .addColumn("updated_at", "integer", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("api_keys")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("agent_id", "text", (c) => c.notNull().references("agents.id"))
    .addColumn("prefix", "text", (c) => c.notNull())
    .addColumn("hash", "text", (c) => c.notNull().unique())
    .addColumn("created_at", "integer", (c) => c.notNull())
    .addColumn("expires_at", "integer")
    .addColumn("revoked_at", "integer")
    .addColumn("last_used_at", "integer")
    .execute();

  await db.schema
    .createTable("holds")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("owner_id", "text", (c) => c.notNull().references("owners.id"))
    .addColumn("calendar_id", "text", (c) => c.notNull().references("calendars.id"))
    .addColumn("agent_id", "text", (c) => c.notNull().references("agents.id"))
    .addColumn("start_ms", "integer", (c) => c.notNull())
    .addColumn("end_ms", "integer", (c) => c.notNull())
    .addColumn("meeting_class", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("expires_at", "integer", (c) => c.notNull())
    .addColumn("created_at", "integer", (c) => c.notNull())
    .addColumn("updated_at", "integer", (c) => c.notNull())
    .addCheckConstraint("holds_span", sql`start_ms < end_ms`)
    .execute();
  await db.schema
    .createIndex("holds_owner_live")
    .on("holds")
    .columns(["owner_id", "status", "start_ms"])
    .execute();
  await db.schema.createIndex("holds_expiry").on("holds").columns(["status", "expires_at"]).execute();

  await db.schema
    .createTable("bookings")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("owner_id", "text", (c) => c.notNull().references("owners.id"))
    .addColumn("calendar_id", "text", (c) => c.notNull().references("calendars.id"))
    .addColumn("agent_id", "text", (c) => c.notNull().references("agents.id"))
    .addColumn("start_ms", "integer", (c) => c.notNull())
    .addColumn("end_ms", "integer", (c) => c.notNull())
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("attendees_json", "text", (c) => c.notNull())
    .addColumn("meeting_class", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("hold_id", "text")
    .addColumn("created_at", "integer", (c) => c.notNull())
    .addColumn("updated_at", "integer", (c) => c.notNull())
    .addCheckConstraint("bookings_span", sql`start_ms < end_ms`)
    .execute();
  await db.schema
    .createIndex("bookings_owner_live")
    .on("bookings")
    .columns(["owner_id", "status", "start_ms"])
    .execute();
  await db.schema.createIndex("bookings_agent").on("bookings").columns(["agent_id", "start_ms"]).execute();

  await db.schema
    .createTable("external_events")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("owner_id", "text", (c) => c.notNull().references("owners.id"))
    .addColumn("calendar_id", "text", (c) => c.notNull().references("calendars.id"))
    .addColumn("external_id", "text", (c) => c.notNull())
    .addColumn("start_ms", "integer", (c) => c.notNull())
    .addColumn("end_ms", "integer", (c) => c.notNull())
    .addColumn("busy", "integer", (c) => c.notNull())
    .addColumn("title", "text")
    .addColumn("booking_id", "text")
    .addColumn("updated_at", "integer", (c) => c.notNull())
    .addUniqueConstraint("external_events_calendar_external", ["calendar_id", "external_id"])
    .execute();
  await db.schema
    .createIndex("external_events_owner_span")
    .on("external_events")
    .columns(["owner_id", "busy", "start_ms"])
    .execute();

  await db.schema
    .createTable("decisions")
    .addColumn("seq", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("id", "text", (c) => c.notNull().unique())
    .addColumn("at", "integer", (c) => c.notNull())
    .addColumn("agent_id", "text", (c) => c.notNull())
    .addColumn("key_prefix", "text")
    .addColumn("tool", "text", (c) => c.notNull())
    .addColumn("owner_id", "text")
    .addColumn("request_json", "text", (c) => c.notNull())
    .addColumn("verdict", "text", (c) => c.notNull())
    .addColumn("reason_code", "text")
    .addColumn("booking_id", "text")
    .addColumn("hold_id", "text")
    .addColumn("alternatives_json", "text", (c) => c.notNull())
    .addColumn("displaced_json", "text", (c) => c.notNull())
    .addColumn("policy_hash", "text", (c) => c.notNull())
    .addColumn("latency_us", "integer", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("decisions_at").on("decisions").columns(["at"]).execute();
  // Append-only: the audit log cannot be edited or pruned through SQL.
  await sql`CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END`.execute(
    db,
  );
  await sql`CREATE TRIGGER decisions_no_delete BEFORE DELETE ON decisions BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END`.execute(
    db,
  );

  await db.schema
    .createTable("notifications")
    .addColumn("seq", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("id", "text", (c) => c.notNull().unique())
    .addColumn("agent_id", "text", (c) => c.notNull())
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("payload_json", "text", (c) => c.notNull())
    .addColumn("created_at", "integer", (c) => c.notNull())
    .addColumn("delivered_at", "integer")
    .execute();
  await db.schema
    .createIndex("notifications_pending")
    .on("notifications")
    .columns(["agent_id", "delivered_at", "seq"])
    .execute();

  await db.schema
    .createTable("idempotency")
    .addColumn("agent_id", "text", (c) => c.notNull())
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("fingerprint", "text", (c) => c.notNull())
    .addColumn("response_json", "text", (c) => c.notNull())
    .addColumn("created_at", "integer", (c) => c.notNull())
    .addPrimaryKeyConstraint("idempotency_pk", ["agent_id", "key"])
    .execute();
  await db.schema.createIndex("idempotency_created").on("idempotency").columns(["created_at"]).execute();

  await db.schema
    .createTable("outbox")
    .addColumn("seq", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("booking_id", "text", (c) => c.notNull())
    .addColumn("calendar_id", "text", (c) => c.notNull())
    .addColumn("op", "text", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull())
    .addColumn("next_attempt_at", "integer", (c) => c.notNull())
    .addColumn("last_error", "text")
    .addColumn("created_at", "integer", (c) => c.notNull())
    .addColumn("done_at", "integer")
    .execute();
  await db.schema.createIndex("outbox_due").on("outbox").columns(["done_at", "next_attempt_at"]).execute();

  await db.schema
    .createTable("admin_tokens")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("prefix", "text", (c) => c.notNull())
    .addColumn("hash", "text", (c) => c.notNull().unique())
    .addColumn("created_at", "integer", (c) => c.notNull())
    .addColumn("revoked_at", "integer")
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema types
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    "admin_tokens",
    "outbox",
    "idempotency",
    "notifications",
    "decisions",
    "external_events",
    "bookings",
    "holds",
    "api_keys",
    "agents",
    "calendars",
    "credentials",
    "owners",
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
