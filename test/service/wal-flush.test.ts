// WalFlush (src/ledger/wal-flush.ts): fdatasync of the WAL off the event loop, shared by the callers
// that arrive while one runs, and refusing everything after a failure.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { openLedger } from "../../src/ledger/open-ledger.js";
import { DurabilityError, WalFlush } from "../../src/ledger/wal-flush.js";
import { createAdminToken } from "../../src/service/admin-tokens.js";
import type { Caller } from "../../src/service/caller.js";
import { OpenavailError } from "../../src/service/errors.js";
import { SchedulingService } from "../../src/service/scheduling-service.js";
import { startHttpServer } from "../../src/transports/http/server.js";
import { executeTool } from "../../tools/execute-tool.js";
import { findTool } from "../../tools/index.js";
import { serverAppOf } from "../helpers/served-world.js";
import { useTempDirs } from "../helpers/temp-dirs.js";
import { makeWorld } from "../helpers/world.js";

const tempDir = useTempDirs("openavail-walflush");

/** Books 30 minutes at `start` on ceo@example.com through `service`, as `caller`. */
function booker(service: SchedulingService, caller: Caller) {
  return (start: string) =>
    executeTool(service, findTool("create_booking")!, caller, {
      owner_email: "ceo@example.com",
      start,
      duration_minutes: 30,
      title: "t",
    });
}

describe("WalFlush", () => {
  it("flushes, and callers arriving while one runs share a single next flush", async () => {
    const path = join(tempDir(), "x.db-wal");
    writeFileSync(path, "frames");
    const flush = new WalFlush(path);
    const first = flush.flush();
    const second = flush.flush();
    const third = flush.flush();
    // The first started at once; the other two began after it, together.
    expect(second).toBe(third);
    expect(second).not.toBe(first);
    await Promise.all([first, second, third]);
    await flush.close();
  });

  it("fails with a message that says what to do, and refuses every flush after a failure", async () => {
    const flush = new WalFlush(join(tempDir(), "missing.db-wal"));
    await expect(flush.flush()).rejects.toThrow(
      /could not make this decision durable.*restarted.*idempotency key/i,
    );
    await expect(flush.flush()).rejects.toBeInstanceOf(DurabilityError);
    await flush.close();
  });

  it("is what a synchronous=full file ledger gives its group commits, and only that", async () => {
    const dir = tempDir();
    const full = await openLedger({ path: join(dir, "full.db") });
    const normal = await openLedger({ path: join(dir, "normal.db"), synchronous: "normal" });
    const memory = await openLedger({ path: ":memory:" });
    expect(full.walFlush).toBeInstanceOf(WalFlush);
    expect(normal.walFlush).toBeNull();
    expect(memory.walFlush).toBeNull();
    // Everything outside group commits (admin writes, migrations) keeps SQLite's own fsync.
    expect(full.sqlite.pragma("synchronous", { simple: true })).toBe(2);
    await full.walFlush!.flush();
    await Promise.all([full.close(), normal.close(), memory.close()]);
  });
});

describe("a failed WAL flush, as an agent sees it", () => {
  it("answers every decision of the group with an internal error that says what happened and what to do", async () => {
    const w = await makeWorld("2026-03-02T12:00:00Z");
    try {
      await w.addOwner("ceo@example.com", "UTC");
      const agent = await w.addAgent({ name: "a" });
      const failing = { flush: () => Promise.reject(new DurabilityError(new Error("EIO"))) };
      const service = new SchedulingService({
        db: w.app.ledger.db,
        changes: w.app.ledger.changes,
        walFlush: failing as unknown as WalFlush,
        policy: w.app.policy,
        now: () => w.clock.now,
        logger: pino({ level: "silent" }),
      });
      const book = booker(service, agent.caller);
      // Queued in one turn, the two share a group, whose fsync is the one deferred to the flush.
      const outcomes = await Promise.allSettled([book("2026-03-03T15:00:00Z"), book("2026-03-03T16:00:00Z")]);
      for (const outcome of outcomes) {
        expect(outcome.status).toBe("rejected");
        const err = (outcome as PromiseRejectedResult).reason;
        expect(err).toBeInstanceOf(OpenavailError);
        expect(err).toMatchObject({ type: "internal", status: 500 });
        expect(err.message).toMatch(/could not make this decision durable/);
      }
    } finally {
      await w.close();
    }
  });
});

describe("the owner's reads and a flush under way", () => {
  it("a console read that saw a group's bookings answers only once their WAL flush is done", async () => {
    const w = await makeWorld("2026-03-02T12:00:00Z");
    const base = await serverAppOf(w);
    let flushAsked!: () => void;
    const flushing = new Promise<void>((resolve) => {
      flushAsked = resolve;
    });
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const service = new SchedulingService({
      db: base.ledger.db,
      changes: base.ledger.changes,
      walFlush: {
        flush: () => {
          flushAsked();
          return gate;
        },
        failure: null,
      } as unknown as WalFlush,
      policy: base.policy,
      now: () => w.clock.now,
      logger: pino({ level: "silent" }),
    });
    let durableAsked!: () => void;
    const askedDurable = new Promise<"asked">((resolve) => {
      durableAsked = () => resolve("asked");
    });
    const durable = service.durable.bind(service);
    service.durable = () => {
      durableAsked();
      return durable();
    };
    const server = await startHttpServer({ ...base, service }, { port: 0 });
    try {
      await w.addOwner("ceo@example.com", "UTC");
      const agent = await w.addAgent({ name: "a" });
      const token = (await createAdminToken(w.app.ledger.db, w.clock.now)).token;
      const book = booker(service, agent.caller);
      // Queued in one turn, the two share a group, committed without fsync; its flush waits at the gate.
      const booked = Promise.all([book("2026-03-03T15:00:00Z"), book("2026-03-03T16:00:00Z")]);
      // (A failed booking fails the test here rather than leaving it waiting for a flush.)
      await Promise.race([flushing, booked.then(() => Promise.reject(new Error("answered unflushed")))]);
      const week = fetch(`${server.url}/v1/admin/week?owner=ceo@example.com&date=2026-03-03`, {
        headers: { authorization: `Bearer ${token}` },
      });
      // The read is made; the answer waits for the flush (without the wait, it would come first).
      expect(await Promise.race([askedDurable, week.then(() => "answered")])).toBe("asked");
      open();
      const res = await week;
      expect(res.status).toBe(200);
      const items = ((await res.json()) as { items: { kind: string }[] }).items;
      expect(items.filter((item) => item.kind === "booking")).toHaveLength(2);
      await booked;
    } finally {
      open();
      await server.close();
      await w.close();
    }
  });
});
