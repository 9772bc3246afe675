// Prepared queries (src/ledger/prepared-query.ts): inside a transaction they run straight on the
// driver, which must be the same connection and the same transaction kysely's own queries use.
import Database from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import { describe, expect, it, vi } from "vitest";
import { GroupCommit } from "../../src/ledger/group-commit.js";
import { preparedInsert, preparedQuery } from "../../src/ledger/prepared-query.js";
import type { Database as Tables } from "../../src/ledger/tables.js";
import { immediate } from "../../src/ledger/transaction.js";
import { createCalendar, createOwner } from "../../src/service/admin.js";
import { useWorld } from "./fixtures.js";

const world = useWorld("2026-03-02T12:00:00Z");

const insertOwner = preparedInsert("owners", [
  "id",
  "email",
  "name",
  "timezone",
  "default_calendar_type",
  "created_at",
]);
const ownersNamed = preparedQuery<[string], { id: string; email: string; created_at: number }>((db, arg) =>
  db.selectFrom("owners").select(["id", "email", "created_at"]).where("name", "=", arg(0)).orderBy("id"),
);

const owner = (id: string) => ({
  id,
  email: `${id}@example.com`,
  name: "prepared",
  timezone: "UTC",
  default_calendar_type: null,
  created_at: 7,
});

// Two tables, an alias and a column name both have ("id"): the later one wins, in either path.
const ownersWithCalendars = preparedQuery<[string], Record<string, unknown>>((db, arg) =>
  db
    .selectFrom("owners")
    .innerJoin("calendars", "calendars.owner_id", "owners.id")
    .select([
      "owners.id",
      "owners.email as address",
      "calendars.id",
      "calendars.calendar_type",
      "owners.name",
    ])
    .where("owners.name", "=", arg(0))
    .orderBy("owners.id"),
);

describe("prepared queries in a transaction", () => {
  it("give the same rows, with keys in the same order, as through kysely", async () => {
    const w = world();
    const db = w.app.ledger.db;
    const calendars: string[] = [];
    for (const email of ["x@example.com", "y@example.com"]) {
      await createOwner(db, { email, name: "joined", timezone: "UTC" }, 0);
      calendars.push((await createCalendar(db, { ownerEmail: email, calendarType: "work" }, 0)).id);
    }
    const outside = await ownersWithCalendars(db, "joined");
    const inside = await immediate(db, (trx) => ownersWithCalendars(trx, "joined"));
    expect(JSON.stringify(inside)).toBe(JSON.stringify(outside));
    expect(inside.map((r) => Object.keys(r))).toEqual([
      ["id", "address", "calendar_type", "name"],
      ["id", "address", "calendar_type", "name"],
    ]);
    expect(inside.map((r) => r.id).sort()).toEqual(calendars.sort());
    expect(inside.map((r) => r.address).sort()).toEqual(["x@example.com", "y@example.com"]);
    // The statement is shared with kysely's path, which still gets objects.
    expect(await ownersWithCalendars(db, "joined")).toEqual(outside);
  });

  it("share the transaction with kysely's queries: each sees the other's writes, a throw undoes both", async () => {
    const w = world();
    const db = w.app.ledger.db;
    await expect(
      immediate(db, async (trx) => {
        await insertOwner(trx, owner("own_a"));
        await trx.insertInto("owners").values(owner("own_b")).execute();
        expect(await ownersNamed(trx, "prepared")).toEqual([
          { id: "own_a", email: "own_a@example.com", created_at: 7 },
          { id: "own_b", email: "own_b@example.com", created_at: 7 },
        ]);
        const seen = await trx.selectFrom("owners").select("id").where("name", "=", "prepared").execute();
        expect(seen.map((r) => r.id)).toEqual(["own_a", "own_b"]);
        throw new Error("undo");
      }),
    ).rejects.toThrow("undo");
    expect(await ownersNamed(db, "prepared")).toEqual([]);
    expect(w.app.ledger.sqlite.inTransaction).toBe(false);

    await immediate(db, (trx) => insertOwner(trx, owner("own_c")));
    expect(await ownersNamed(db, "prepared")).toEqual([
      { id: "own_c", email: "own_c@example.com", created_at: 7 },
    ]);
  });

  it("skip kysely's executor only while the transaction holds the connection", async () => {
    const w = world();
    const db = w.app.ledger.db;
    let executorCalls = -1;
    let finished: typeof db | undefined;
    await immediate(db, async (trx) => {
      finished = trx;
      const spy = vi.spyOn(trx, "executeQuery");
      await insertOwner(trx, owner("own_d"));
      expect(await ownersNamed(trx, "prepared")).toHaveLength(1);
      executorCalls = spy.mock.calls.length;
      spy.mockRestore();
    });
    expect(executorCalls).toBe(0);
    // Once the transaction has ended, its trx no longer runs anything past kysely.
    const after = vi.spyOn(finished!, "executeQuery");
    expect(await ownersNamed(finished!, "prepared")).toHaveLength(1);
    expect(after).toHaveBeenCalledTimes(1);
    after.mockRestore();
    // Outside any transaction the query waits for kysely's connection mutex like any other.
    const spy = vi.spyOn(db, "executeQuery");
    expect(await ownersNamed(db, "prepared")).toHaveLength(1);
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
  });

  it("carry the transaction's own statements too: BEGIN, SAVEPOINT, RELEASE, ROLLBACK TO, COMMIT", async () => {
    const w = world();
    const db = w.app.ledger.db;
    const spy = vi.spyOn(Kysely.prototype, "executeQuery");
    await immediate(db, (trx) => insertOwner(trx, owner("own_e")));
    // Units queued in one turn form one group: each in a savepoint, the failing one undone alone.
    const commits = new GroupCommit(db);
    const outcomes = await Promise.allSettled([
      commits.run((trx) => insertOwner(trx, owner("own_f"))),
      commits.run(async (trx) => {
        await insertOwner(trx, owner("own_g"));
        throw new Error("undo");
      }),
    ]);
    const executorCalls = spy.mock.calls.length;
    spy.mockRestore();
    expect(executorCalls).toBe(0);
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected"]);
    expect((await ownersNamed(db, "prepared")).map((r) => r.id)).toEqual(["own_e", "own_f"]);
    expect(w.app.ledger.sqlite.inTransaction).toBe(false);
  });

  it("go through kysely on a database whose driver they do not know, in the same transaction", async () => {
    const sqlite = new Database(":memory:");
    const db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: sqlite }) });
    try {
      await db.schema.createTable("owners").addColumn("id", "text").execute();
      const spy = vi.spyOn(Kysely.prototype, "executeQuery");
      await expect(
        immediate(db, async (trx) => {
          await trx
            .insertInto("owners")
            .values({ id: "own_h" } as never)
            .execute();
          expect(sqlite.inTransaction).toBe(true);
          throw new Error("undo");
        }),
      ).rejects.toThrow("undo");
      const texts = spy.mock.calls.map(([query]) => ("sql" in query ? query.sql : query.compile().sql));
      spy.mockRestore();
      expect(texts).toEqual(["BEGIN IMMEDIATE", "ROLLBACK"]);
      expect(await db.selectFrom("owners").selectAll().execute()).toEqual([]);
    } finally {
      await db.destroy();
    }
  });
});
