// Fresh PostgreSQL databases for tests: when OPENAVAIL_TEST_DATABASE=postgres, the helpers that open
// a ledger ask here for a database of their own on the server postgres-setup.ts started.
import { randomBytes } from "node:crypto";
import pg from "pg";

/** The database migrated once at set-up that every test database is copied from. */
export const TEMPLATE_DATABASE = "openavail_template";

/** True when this run's ledgers are on PostgreSQL. */
export function testingOnPostgres(): boolean {
  return process.env.OPENAVAIL_TEST_DATABASE === "postgres";
}

function serverUrl(): string {
  const url = process.env.OPENAVAIL_TEST_POSTGRES_URL;
  if (!url)
    throw new Error(
      "OPENAVAIL_TEST_DATABASE=postgres, but no server: run through the postgres vitest project",
    );
  return url;
}

/** Runs `work` on a connection to the server's maintenance database, then closes it. */
export async function withAdmin<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  readonly url: string;
  /** Drops the database, ending any session still on it. */
  drop(): Promise<void>;
}

/** A new, migrated, empty database on the test server. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const admin = serverUrl();
  const name = `t_${randomBytes(6).toString("hex")}`;
  await withAdmin(admin, (c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DATABASE}`));
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () =>
      withAdmin(admin, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/** A database for a test's ledger: a fresh PostgreSQL one when testing on PostgreSQL, else none. */
export async function testDatabaseUrl(): Promise<TestDatabase | null> {
  return testingOnPostgres() ? createTestDatabase() : null;
}
