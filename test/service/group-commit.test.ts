// Group commit (src/ledger/group-commit.ts): units queued together share one transaction but keep
// the semantics of one transaction each: order, visibility, failure of one alone, and nothing
// answered before the COMMIT.
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { GroupCommit } from "../../src/ledger/group-commit.js";
import { useWorld } from "./fixtures.js";

const world = useWorld("2026-03-02T12:00:00Z");

async function emails(db: ReturnType<typeof world>["app"]["ledger"]["db"]): Promise<string[]> {
  const rows = await db.selectFrom("owners").select("email").orderBy("email").execute();
  return rows.map((r) => r.email);
}

type Db = ReturnType<typeof world>["app"]["ledger"]["db"];

/** Adds an owner row through `trx`: the write every unit here makes. */
async function addOwner(trx: Db, id: string, email = `${id}@example.com`): Promise<void> {
  await trx
    .insertInto("owners")
    .values({ id, email, name: null, timezone: "UTC", default_calendar_type: null, created_at: 0 })
    .execute();
}

describe("GroupCommit", () => {
  it("runs queued units in order, each seeing the ones before it, and undoes a failing one alone", async () => {
    const w = world();
    const db = w.app.ledger.db;
    const commits = new GroupCommit(db);
    const add = (email: string) => async (trx: typeof db) => {
      await addOwner(trx, `own_${email[0]}`, email);
      return (await emails(trx)).length;
    };
    const results = await Promise.allSettled([
      // Queued in one turn of the event loop: all five share one transaction, in order.
      commits.run(add("a@example.com")),
      commits.run(add("b@example.com")),
      commits.run(async (trx) => {
        await add("c@example.com")(trx);
        throw new Error("changed my mind");
      }),
      commits.run(add("d@example.com")),
      commits.run(async (trx) => emails(trx)),
    ]);
    expect(results.map((r) => r.status)).toEqual([
      "fulfilled",
      "fulfilled",
      "rejected",
      "fulfilled",
      "fulfilled",
    ]);
    const values = results.map((r) => (r.status === "fulfilled" ? r.value : (r.reason as Error).message));
    expect(values).toEqual([1, 2, "changed my mind", 3, ["a@example.com", "b@example.com", "d@example.com"]]);
    expect(await emails(db)).toEqual(["a@example.com", "b@example.com", "d@example.com"]);
    // The connection is left outside any transaction.
    expect(w.app.ledger.sqlite.inTransaction).toBe(false);
  });

  it("fails every unit of a group whose COMMIT fails, and commits none of them", async () => {
    const w = world();
    const db = w.app.ledger.db;
    const commits = new GroupCommit(db);
    // Units queued in one turn of the event loop form one group (the committer yields once first).
    const first = commits.run(async () => "first");
    const ok = commits.run(async (trx) => {
      await addOwner(trx, "own_x", "x@example.com");
      return "ok";
    });
    const poison = commits.run(async (trx) => {
      // A deferred foreign-key violation is only detected at COMMIT.
      await sql`PRAGMA defer_foreign_keys = ON`.execute(trx);
      await trx
        .insertInto("calendars")
        .values({
          id: "cal_orphan",
          owner_id: "own_missing",
          calendar_type: "work",
          provider: "local",
          name: null,
          external_id: null,
          rules_json: null,
          status: "active",
          credential_id: null,
          sync_token: null,
          synced_at: null,
          created_at: 0,
        })
        .execute();
      return "poison";
    });
    const settled = await Promise.allSettled([first, ok, poison]);
    expect(settled.map((s) => s.status)).toEqual(["rejected", "rejected", "rejected"]);
    expect(String((settled[1] as PromiseRejectedResult).reason)).toMatch(/FOREIGN KEY/);
    expect(await emails(db)).toEqual([]);
    expect(w.app.ledger.sqlite.inTransaction).toBe(false);
    // The committer keeps working afterwards.
    expect(await commits.run(async () => "next")).toBe("next");
  });

  describe("trying a group whole before a savepoint per unit", () => {
    /** Units that count their runs: `add(id)` adds an owner, `fail(id)` adds one and throws. */
    function counted() {
      const runs: Record<string, number> = {};
      const add = (id: string) => async (trx: Db) => {
        runs[id] = (runs[id] ?? 0) + 1;
        await addOwner(trx, `own_${id}`, `${id}@example.com`);
        return id;
      };
      const fail = (id: string) => async (trx: Db) => {
        await add(id)(trx);
        throw new Error(`${id} failed`);
      };
      return { runs, add, fail };
    }
    /** Queues the units in one turn of the event loop (one group) and waits for all of them. */
    const group = (commits: GroupCommit, units: ((trx: Db) => Promise<string>)[]) =>
      Promise.allSettled(units.map((unit) => commits.run(unit)));

    it("runs a group again with savepoints when a unit throws, keeping nothing of the first try", async () => {
      const w = world();
      const commits = new GroupCommit(w.app.ledger.db);
      const { runs, add, fail } = counted();
      // What the units never wrote stays vouched for: the requests queued behind a rolled-back try
      // keep their caches (the provider mirrors' check, the keys) and are not sent round again.
      const calendars = w.app.ledger.changes.stamp(["calendars"]);
      const settled = await group(commits, [add("a"), fail("b"), add("c")]);
      expect(w.app.ledger.changes.unchangedHere(calendars, ["calendars"])).toBe(true);
      expect(settled.map((s) => s.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
      expect(String((settled[1] as PromiseRejectedResult).reason)).toMatch(/b failed/);
      // Tried whole: a, then b threw and all was rolled back; again with savepoints: a, b, c.
      expect(runs).toEqual({ a: 2, b: 2, c: 1 });
      // Each kept once (a second insert of the same id would have failed), b's undone.
      expect(await emails(w.app.ledger.db)).toEqual(["a@example.com", "c@example.com"]);
      expect(w.app.ledger.sqlite.inTransaction).toBe(false);
    });

    it("puts each unit in a savepoint from the start for the next groups after a failure, then tries whole again", async () => {
      const w = world();
      const commits = new GroupCommit(w.app.ledger.db, { carefulGroups: 1 });
      const { runs, add, fail } = counted();
      await group(commits, [add("a"), fail("b")]);
      expect(runs).toEqual({ a: 2, b: 2 });
      // The next group runs once, with savepoints: its failing unit costs the others nothing.
      await group(commits, [add("c"), fail("d"), add("e")]);
      expect(runs).toMatchObject({ c: 1, d: 1, e: 1 });
      // One careful group was asked for: the one after it is tried whole again.
      await group(commits, [add("f"), fail("g")]);
      expect(runs).toMatchObject({ f: 2, g: 2 });
      // A group without a failure runs each unit once.
      await group(commits, [add("h"), add("i")]);
      expect(runs).toMatchObject({ h: 1, i: 1 });
      expect(await emails(w.app.ledger.db)).toEqual(
        ["a", "c", "e", "f", "h", "i"].map((id) => `${id}@example.com`),
      );
    });
  });

  describe("with a deferred WAL flush", () => {
    /** A flush that resolves or fails only when the test says so; `called(n)` waits for the n-th call. */
    function manualFlush() {
      const calls: { resolve: () => void; reject: (err: Error) => void }[] = [];
      const waiting: (() => void)[] = [];
      return {
        calls,
        failure: null,
        flush: () =>
          new Promise<void>((resolve, reject) => {
            calls.push({ resolve, reject });
            for (const wake of waiting.splice(0)) wake();
          }),
        async called(n: number): Promise<void> {
          while (calls.length < n) await new Promise<void>((wake) => waiting.push(wake));
        },
      };
    }
    const owner = (id: string) => async (trx: Db) => {
      await addOwner(trx, id);
      return id;
    };

    it("answers the units of a group, committed or failed, only once the flush has returned", async () => {
      const w = world();
      const db = w.app.ledger.db;
      const flush = manualFlush();
      const commits = new GroupCommit(db, { walFlush: flush });
      let answered = false;
      const ok = commits.run(owner("own_a")).then((v) => {
        answered = true;
        return v;
      });
      let refused = false;
      const failing = commits
        .run(async () => {
          throw new Error("refused");
        })
        .catch((err: Error) => {
          refused = true;
          throw err;
        });
      await flush.called(1);
      // Committed (another connection sees it) but not yet durable, so not yet answered.
      expect(await emails(db)).toEqual(["own_a@example.com"]);
      expect(answered).toBe(false);
      // A refusal may rest on writes of the same group just as well, so it waits too.
      expect(refused).toBe(false);
      flush.calls[0]!.resolve();
      expect(await ok).toBe("own_a");
      await expect(failing).rejects.toThrow("refused");
      // The commit ran with SQLite's own fsync off, and the connection is back to FULL after it.
      expect(w.app.ledger.sqlite.pragma("synchronous", { simple: true })).toBe(2);
    });

    it("runs the next group while a flush is under way, and fails only the units it covered", async () => {
      const w = world();
      const flush = manualFlush();
      const commits = new GroupCommit(w.app.ledger.db, { walFlush: flush });
      const first = [commits.run(owner("own_1")), commits.run(owner("own_2"))];
      await flush.called(1);
      const second = [commits.run(owner("own_3")), commits.run(owner("own_4"))];
      await flush.called(2);
      flush.calls[0]!.reject(new Error("disk gone"));
      flush.calls[1]!.resolve();
      for (const unit of first) await expect(unit).rejects.toThrow("disk gone");
      expect(await Promise.all(second)).toEqual(["own_3", "own_4"]);
    });

    it("commits a lone unit with SQLite's own fsync and answers it without the flush", async () => {
      const w = world();
      const flush = manualFlush();
      const commits = new GroupCommit(w.app.ledger.db, { walFlush: flush });
      expect(await commits.run(owner("own_alone"))).toBe("own_alone");
      expect(flush.calls).toHaveLength(0);
    });

    it("flushes a lone unit off the loop too while units have lately come in groups, then no longer", async () => {
      const w = world();
      let flushes = 0;
      const commits = new GroupCommit(w.app.ledger.db, {
        walFlush: { failure: null, flush: async () => void flushes++ },
      });
      await Promise.all([commits.run(owner("own_p1")), commits.run(owner("own_p2"))]);
      expect(flushes).toBe(1);
      // Requests arrive together: the next lone one must not hold the event loop for its fsync.
      await commits.run(owner("own_next"));
      expect(flushes).toBe(2);
      // Once no unit has had company for a while, a lone unit commits with SQLite's fsync again.
      for (let i = 0; i < 100; i++) await commits.run(owner(`own_l${i}`));
      const before = flushes;
      await commits.run(owner("own_quiet"));
      expect(flushes).toBe(before);
      expect(before).toBeLessThan(100);
    });

    it("does not flush a group of read-only units: one that writes after all gets SQLite's own fsync", async () => {
      const w = world();
      let flushes = 0;
      const commits = new GroupCommit(w.app.ledger.db, {
        walFlush: { failure: null, flush: async () => void flushes++ },
      });
      const read = async (trx: typeof w.app.ledger.db) =>
        (await trx.selectFrom("owners").select("id").execute()).length;
      expect(
        await Promise.all([commits.run(read, { readOnly: true }), commits.run(read, { readOnly: true })]),
      ).toEqual([0, 0]);
      // Said to be a read, yet it writes: committed with synchronous=FULL, never switched off for it.
      await Promise.all([
        commits.run(owner("own_r1"), { readOnly: true }),
        commits.run(read, { readOnly: true }),
      ]);
      expect(flushes).toBe(0);
      expect(w.app.ledger.sqlite.pragma("synchronous", { simple: true })).toBe(2);
      expect(await emails(w.app.ledger.db)).toEqual(["own_r1@example.com"]);
      // With a writer in it, a group is flushed as ever.
      await Promise.all([commits.run(owner("own_w1")), commits.run(read, { readOnly: true })]);
      expect(flushes).toBe(1);
    });

    it("keeps synchronous=NORMAL from one flushed group to the next, and FULL for anything else", async () => {
      const w = world();
      const db = w.app.ledger.db;
      const level = async (trx: typeof db) =>
        (await sql<{ synchronous: number }>`PRAGMA synchronous`.execute(trx)).rows[0]!.synchronous;
      const raw = () => w.app.ledger.sqlite.pragma("synchronous", { simple: true });
      let flushes = 0;
      const commits = new GroupCommit(db, {
        walFlush: { failure: null, flush: async () => void flushes++ },
        companyMemory: 0,
      });
      const group = () => Promise.all([commits.run(level), commits.run(level)]);
      expect(await group()).toEqual([1, 1]);
      // Left as it was: the next flushed group needs no switch.
      expect(raw()).toBe(1);
      expect(await group()).toEqual([1, 1]);
      expect(flushes).toBe(2);
      // A lone unit (no company remembered) commits under FULL, with SQLite's own fsync.
      expect(await commits.run(level)).toBe(2);
      expect(flushes).toBe(2);
      await group();
      // So does any other statement on the connection: an autocommit write, a read.
      await addOwner(db, "own_auto", "auto@example.com");
      expect(raw()).toBe(2);
      await group();
      expect(await level(db)).toBe(2);
    });

    it("answers a unit that runs while a deferred flush is under way only after that flush", async () => {
      const w = world();
      const flush = manualFlush();
      // Lone units right after a group flush off the loop too (the test above): not here.
      const commits = new GroupCommit(w.app.ledger.db, { walFlush: flush, companyMemory: 0 });
      const pair = [commits.run(owner("own_p1")), commits.run(owner("own_p2"))];
      await flush.called(1);
      // Alone, so committed with SQLite's own fsync; it may have read the pair's writes. Its
      // transaction runs in microtasks from `ran` on: one macrotask later it has committed.
      const settledAfter = async <T>(unit: (trx: typeof w.app.ledger.db) => Promise<T>) => {
        let ran!: () => void;
        const running = new Promise<void>((resolve) => {
          ran = resolve;
        });
        let answered = false;
        const result = commits.run(async (trx) => {
          ran();
          return unit(trx);
        });
        result.then(
          () => {
            answered = true;
          },
          () => {
            answered = true;
          },
        );
        await running;
        await new Promise((resolve) => setImmediate(resolve));
        return { result, answered: () => answered };
      };
      const reader = await settledAfter(
        async (trx) => (await trx.selectFrom("owners").select("id").execute()).length,
      );
      const refusal = await settledAfter(async () => {
        throw new Error("refused after reading");
      });
      expect(reader.answered()).toBe(false);
      expect(refusal.answered()).toBe(false);
      flush.calls[0]!.resolve();
      expect(await reader.result).toBe(2);
      await expect(refusal.result).rejects.toThrow("refused after reading");
      expect(await Promise.all(pair)).toEqual(["own_p1", "own_p2"]);
    });

    it("runs nothing once a flush has failed", async () => {
      const w = world();
      const failure = new Error("EIO");
      let ran = false;
      const commits = new GroupCommit(w.app.ledger.db, {
        walFlush: { failure: failure as never, flush: () => Promise.reject(failure) },
      });
      await expect(
        commits.run(async () => {
          ran = true;
        }),
      ).rejects.toBe(failure);
      expect(ran).toBe(false);
    });

    it("fails units queued before a flush failed, and any that would answer after it", async () => {
      const w = world();
      const failure = new Error("EIO");
      const walFlush = { failure: null as Error | null, flush: () => Promise.reject(failure) };
      const commits = new GroupCommit(w.app.ledger.db, { walFlush: walFlush as never, companyMemory: 0 });
      // The pair's flush fails; a lone unit after it (SQLite's own fsync) may have read the pair's
      // writes, so it fails too, though its own commit went through.
      const pair = [commits.run(owner("own_f1")), commits.run(owner("own_f2"))];
      for (const unit of pair) await expect(unit).rejects.toBe(failure);
      await expect(commits.run(async () => "read")).rejects.toBe(failure);
      // Queued while the failure was not yet known, run once it is: refused, nothing written.
      const queued = commits.run(owner("own_late"));
      walFlush.failure = failure;
      await expect(queued).rejects.toBe(failure);
      expect(await emails(w.app.ledger.db)).not.toContain("own_late@example.com");
    });
  });
});
