// A throwaway Openavail world for tests: a real SQLite file in a temp dir, an injected clock, and
// helpers to add owners, calendars and agents and to call tools as an agent would.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import pino from "pino";
import type { AvailabilityRulesInput } from "../../schemas/rules.js";
import { AvailabilityRules } from "../../schemas/rules.js";
import { type App, configFromEnv, createApp } from "../../src/compose.js";
import {
  createAgent,
  createApiKey,
  createCalendar,
  createOwner,
  type NewAgent,
} from "../../src/service/admin.js";
import { type Caller, SCOPES } from "../../src/service/caller.js";
import { OpenavailError } from "../../src/service/errors.js";
import { executeTool } from "../../tools/execute-tool.js";
import { findTool } from "../../tools/index.js";
import { testDatabaseUrl } from "./postgres-database.js";

export interface World {
  readonly app: App;
  readonly dir: string;
  readonly dbPath: string;
  /** The PostgreSQL database the ledger is on (the postgres project), else undefined: SQLite at dbPath. */
  readonly databaseUrl: string | undefined;
  /** The injected clock, epoch ms; tests move it by assignment. */
  clock: { now: number };
  addOwner(
    email: string,
    timezone?: string,
    rules?: AvailabilityRulesInput | null,
    calendarType?: string,
  ): Promise<{ ownerId: string; calendarId: string }>;
  addAgent(
    agent: Partial<NewAgent> & { name: string },
  ): Promise<{ agentId: string; key: string; caller: Caller }>;
  /** Calls a tool as `caller` and returns the parsed body, or the error body with `isError`. */
  call(caller: Caller, tool: string, args: unknown, idempotencyKey?: string): Promise<Record<string, any>>;
  close(): Promise<void>;
}

/**
 * The world's ledger for a CLI run or a spawned process: `--db` (on PostgreSQL it still names where
 * the secret key file is, which every process on the ledger must share) and the database URL.
 */
export function ledgerArgs(w: Pick<World, "dbPath" | "databaseUrl">): string[] {
  return ["--db", w.dbPath, ...(w.databaseUrl ? ["--database-url", w.databaseUrl] : [])];
}

/** The same as environment variables, for processes that read their ledger from the environment. */
export function ledgerEnv(w: Pick<World, "dbPath" | "databaseUrl">): Record<string, string> {
  return { OPENAVAIL_DB: w.dbPath, ...(w.databaseUrl ? { OPENAVAIL_DATABASE_URL: w.databaseUrl } : {}) };
}

/** COUNT(*) of `table` with an optional WHERE, on either ledger (PostgreSQL counts as bigint text). */
export async function countRows(db: App["ledger"]["db"], table: string, where = ""): Promise<number> {
  const result = await sql<{
    n: number | string;
  }>`SELECT COUNT(*) AS n FROM ${sql.table(table)} ${sql.raw(where ? `WHERE ${where}` : "")}`.execute(db);
  return Number(result.rows[0]!.n);
}

/** Every scope there is: the one list lives in src/service/caller.ts. */
export const ALL_SCOPES = SCOPES;

/**
 * A world at `startIso` on a fresh ledger: SQLite at `dbPath` (a new file when omitted), or the
 * PostgreSQL database at `databaseUrl` when given (shared, so left in place on close).
 */
export async function makeWorld(
  startIso = "2026-03-02T12:00:00Z",
  dbPath?: string,
  databaseUrl?: string,
): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), "openavail-test-"));
  const path = dbPath ?? join(dir, "openavail.db");
  const clock = { now: Date.parse(startIso) };
  // Under OPENAVAIL_TEST_DATABASE=postgres (the postgres vitest project) the ledger is a fresh
  // PostgreSQL database; `dbPath` then only names where the secret key file goes.
  const pgDatabase = dbPath === undefined && databaseUrl === undefined ? await testDatabaseUrl() : null;
  const url = databaseUrl ?? pgDatabase?.url;
  const config = configFromEnv(
    {},
    { dbPath: path, databaseUrl: url, now: () => clock.now, logLevel: "silent" },
  );
  const app = await createApp(config, pino({ level: "silent" }));
  const world: World = {
    app,
    dir,
    dbPath: path,
    databaseUrl: url,
    clock,
    async addOwner(email, timezone = "America/New_York", rules = null, calendarType = "work") {
      const db = app.ledger.db;
      const existing = await db
        .selectFrom("owners")
        .selectAll()
        .where("email", "=", email)
        .executeTakeFirst();
      const owner = existing ?? (await createOwner(db, { email, timezone }, clock.now));
      const cal = await createCalendar(
        db,
        {
          ownerEmail: email,
          calendarType,
          rulesJson: rules ? JSON.stringify(AvailabilityRules.parse(rules)) : null,
        },
        clock.now,
      );
      return { ownerId: owner.id, calendarId: cal.id };
    },
    async addAgent(agent) {
      const db = app.ledger.db;
      const row = await createAgent(db, { scopes: [...ALL_SCOPES], owners: ["*"], ...agent }, clock.now);
      const key = await createApiKey(db, row.id, clock.now);
      const caller = await app.authenticate(key.key);
      return { agentId: row.id, key: key.key, caller };
    },
    async call(caller, name, args, idempotencyKey) {
      const tool = findTool(name);
      if (!tool) throw new Error(`no tool ${name}`);
      try {
        const res = await executeTool(app.service, tool, caller, args, idempotencyKey);
        return { ...JSON.parse(res.json), _replayed: res.replayed, _json: res.json };
      } catch (err) {
        if (err instanceof OpenavailError) return { isError: true, ...err.toJSON() };
        throw err;
      }
    },
    async close() {
      await app.close();
      await pgDatabase?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return world;
}

/** Working hours 09:00-17:00 Monday to Friday. */
export const NINE_TO_FIVE = {
  mon: { start: "09:00", end: "17:00" },
  tue: { start: "09:00", end: "17:00" },
  wed: { start: "09:00", end: "17:00" },
  thu: { start: "09:00", end: "17:00" },
  fri: { start: "09:00", end: "17:00" },
};
