// A ledger file as an older Openavail left it: migrated only up to a given migration, for tests that
// then open it with today's code (migrations must keep existing databases working).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, type Migration, Migrator, SqliteDialect } from "kysely";
import { afterEach } from "vitest";
import * as initial from "../../src/ledger/migrations/0001-initial.js";
import * as longExternalEvents from "../../src/ledger/migrations/0002-long-external-events.js";
import * as liveSpanLength from "../../src/ledger/migrations/0003-live-span-length.js";
import * as rulesIdentity from "../../src/ledger/migrations/0004-rules-identity.js";
import * as bookingDetails from "../../src/ledger/migrations/0005-booking-details.js";
import * as checkHolds from "../../src/ledger/migrations/0006-check-holds.js";
import * as consoleTables from "../../src/ledger/migrations/0007-console.js";
import * as webhooks from "../../src/ledger/migrations/0008-webhooks.js";
import * as oauth from "../../src/ledger/migrations/0009-oauth.js";
import { makeWorld, type World } from "./world.js";

const MIGRATIONS = [
  ["0001-initial", initial],
  ["0002-long-external-events", longExternalEvents],
  ["0003-live-span-length", liveSpanLength],
  ["0004-rules-identity", rulesIdentity],
  ["0005-booking-details", bookingDetails],
  ["0006-check-holds", checkHolds],
  ["0007-console", consoleTables],
  ["0008-webhooks", webhooks],
  ["0009-oauth", oauth],
] as const satisfies readonly (readonly [string, Migration])[];

export type OldMigration = (typeof MIGRATIONS)[number][0];

/**
 * Creates the ledger at `path` with the migrations up to and including `upTo`, and returns it open
 * for seeding rows in that era's shape; destroy it before opening the file with today's code.
 */
export async function oldLedger(path: string, upTo: OldMigration): Promise<Kysely<any>> {
  const last = MIGRATIONS.findIndex(([name]) => name === upTo);
  const migrations: Record<string, Migration> = Object.fromEntries(MIGRATIONS.slice(0, last + 1));
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new BetterSqlite3(path) }) });
  const result = await new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
  }).migrateToLatest();
  if (result.error) throw result.error;
  return db;
}

/**
 * For a test that opens an older ledger with today's code: `open(seed)` makes a temporary folder,
 * has `seed` write the old ledger file there, and opens a world on it at `startIso`; the world is
 * closed and the folder removed after each test.
 */
export function useOldLedgerWorld(
  folderPrefix: string,
  startIso: string,
): (seed: (path: string) => Promise<void>) => Promise<World> {
  let world: World | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await world?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    world = undefined;
    dir = undefined;
  });
  return async (seed) => {
    dir = mkdtempSync(join(tmpdir(), folderPrefix));
    const path = join(dir, "old.db");
    await seed(path);
    world = await makeWorld(startIso, path);
    return world;
  };
}

/** An owner and its calendars (local, active, never synced) as migration 0001 shaped them. */
export async function insertOldOwner(
  db: Kysely<any>,
  owner: { id: string; email: string; timezone: string },
  calendars: readonly { id: string; type: string; rulesJson?: string | null }[],
): Promise<void> {
  await db
    .insertInto("owners")
    .values({ ...owner, name: null, default_calendar_type: null, created_at: 0 })
    .execute();
  for (const c of calendars) {
    await db
      .insertInto("calendars")
      .values({
        id: c.id,
        owner_id: owner.id,
        calendar_type: c.type,
        provider: "local",
        name: null,
        external_id: null,
        rules_json: c.rulesJson ?? null,
        status: "active",
        credential_id: null,
        sync_token: null,
        synced_at: null,
        created_at: 0,
      })
      .execute();
  }
}

/** An active agent "old bot" (class internal_sync, priority 3) acting for `owners`, as 0001 shaped it. */
export async function insertOldAgent(
  db: Kysely<any>,
  agent: { id: string; scopes: readonly string[]; owners: readonly string[] },
): Promise<void> {
  await db
    .insertInto("agents")
    .values({
      id: agent.id,
      name: "old bot",
      description: null,
      default_class: "internal_sync",
      priority: 3,
      scopes_json: JSON.stringify(agent.scopes),
      owners_json: JSON.stringify(agent.owners),
      status: "active",
      created_at: 0,
      updated_at: 0,
    })
    .execute();
}
