// Whether tables may have changed since a moment, on PostgreSQL (the twin of change-tracker.ts), so
// that the caches of rarely changed rows (keys, agents, owners, calendars, pending notifications,
// webhook subscriptions) work with several instances on one ledger. Another instance's write arrives
// by LISTEN/NOTIFY: a statement trigger on each of those tables notifies at COMMIT. This process's
// own writes are counted as their statements are sent, before they commit, so a cache never vouches
// for a row this process has just changed. While the listening connection is down nothing is
// vouched for, and neither is a table without a notifying trigger: a cache over it would never hear of
// another instance's writes. The answer errs one way only: "may have changed" when in doubt. What
// another instance committed is seen here once its notification arrives, a few milliseconds later.
import pg from "pg";
import type { ChangeStamp, Changes } from "./change-tracker.js";

/** The channel the triggers of migration postgres/0010-change-notify notify on, with the table's name. */
export const CHANGES_CHANNEL = "openavail_changes";

// The table a write statement changes: kysely writes `insert into "t"`, `update "t"`, `delete from "t"`.
const WRITE_TARGET = /^\s*(?:insert\s+into|update|delete\s+from)\s+"?(\w+)"?/i;
const WRITES = /\b(?:insert|update|delete|truncate|alter|drop)\b/i;

export class PostgresChanges implements Changes {
  readonly #writes = new Map<string, number>();
  /** Moves whenever notifications may have been missed (the listener lost, a write not attributed). */
  #epoch = 0;
  #listening = false;
  /** The tables whose writes notify (a trigger of migrations postgres/0010, 0012), read at LISTEN. */
  #notified: ReadonlySet<string> = new Set();
  #listener: pg.Client | null = null;
  #closed = false;
  #barriers = 0;
  readonly #waiting = new Map<string, () => void>();
  readonly #url: string;
  readonly #types: pg.CustomTypesConfig | undefined;

  constructor(url: string, types?: pg.CustomTypesConfig) {
    this.#url = url;
    this.#types = types;
  }

  /** Starts listening; resolves once LISTEN is in place (caches vouch for nothing before). */
  async start(): Promise<void> {
    try {
      await this.#listen();
    } catch (err) {
      // The ledger did not open: nothing is to listen, now or later.
      this.#closed = true;
      throw err;
    }
  }

  /** Called with the text of every statement this process sends on the pool. */
  noteStatement(text: string): void {
    const table = WRITE_TARGET.exec(text)?.[1];
    if (table) this.#writes.set(table, (this.#writes.get(table) ?? 0) + 1);
    else if (!/^\s*select\b/i.test(text) && WRITES.test(text) && !/^\s*(begin|commit|rollback)\b/i.test(text))
      this.#epoch++;
  }

  stamp(tables: readonly string[]): ChangeStamp {
    return { dataVersion: this.#epoch, writes: tables.map((t) => this.#writes.get(t) ?? 0) };
  }

  /** Already free here (notifications are taken in as they come): the same as `unchangedSince`. */
  unchangedHere(stamp: ChangeStamp, tables: readonly string[]): boolean {
    return this.unchangedSince(stamp, tables);
  }

  unchangedSince(stamp: ChangeStamp, tables: readonly string[]): boolean {
    if (!this.#listening || stamp.dataVersion !== this.#epoch) return false;
    return tables.every((t, i) => this.#notified.has(t) && (this.#writes.get(t) ?? 0) === stamp.writes[i]);
  }

  /**
   * Resolves once every notification committed before the call has been taken in: notifications of
   * different transactions arrive in commit order, so this one, sent after them, arrives after them.
   * For tests and for a caller that must see another instance's last commit.
   */
  async barrier(): Promise<void> {
    const listener = this.#listener;
    if (!listener || !this.#listening) throw new Error("not listening for changes");
    const token = `barrier:${++this.#barriers}`;
    const seen = new Promise<void>((resolve) => this.#waiting.set(token, resolve));
    await listener.query("SELECT pg_notify($1, $2)", [CHANGES_CHANNEL, token]);
    await seen;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#listening = false;
    await this.#listener?.end().catch(() => undefined);
  }

  async #listen(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.#url,
      ...(this.#types ? { types: this.#types } : {}),
    });
    this.#listener = client;
    client.on("notification", (msg) => {
      const table = msg.payload ?? "";
      const waiter = this.#waiting.get(table);
      if (waiter) {
        this.#waiting.delete(table);
        waiter();
        return;
      }
      this.#writes.set(table, (this.#writes.get(table) ?? 0) + 1);
    });
    const lost = () => {
      if (this.#listener !== client) return;
      // Whatever was notified meanwhile is lost: nothing cached before may be trusted again.
      this.#listening = false;
      this.#epoch++;
      this.#listener = null;
      // One that failed before it was listening may still hold its connection.
      void client.end().catch(() => undefined);
      // Each attempt that fails schedules the next, here (through this same path).
      setTimeout(() => {
        if (!this.#closed) void this.#listen().catch(() => undefined);
      }, 1_000).unref();
    };
    client.on("error", lost);
    client.on("end", lost);
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGES_CHANNEL}`);
      const triggers = await client.query<{ table: string }>(
        `SELECT DISTINCT c.relname AS table FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
         WHERE NOT t.tgisinternal AND t.tgenabled IN ('O', 'A') AND t.tgname = c.relname || '_notify_change'
         AND c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())`,
      );
      this.#notified = new Set(triggers.rows.map((row) => row.table));
    } catch (err) {
      lost();
      throw err;
    }
    this.#epoch++;
    this.#listening = true;
  }
}

/**
 * Makes every connection of `pool` report the statements it sends to `changes`. pg's query() takes
 * the text, or a config object with it, first.
 */
export function reportStatements(pool: pg.Pool, changes: PostgresChanges): void {
  pool.on("connect", (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const first = args[0];
      const text = typeof first === "string" ? first : (first as { text?: unknown } | null)?.text;
      if (typeof text === "string") changes.noteStatement(text);
      return query(...args);
    };
  });
}
