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

/**
 * A served app whose group commits flush through `flush` (standing in for the WAL's fdatasync), with
 * an owner and an agent, an admin token, and `durableAsked` resolving when an answer first waits on
 * the service's durable().
 */
async function servedWithFlush(flush: Pick<WalFlush, "flush" | "failure">) {
  const w = await makeWorld("2026-03-02T12:00:00Z");
  const base = await serverAppOf(w);
  const walFlush = flush as unknown as WalFlush;
  const service = new SchedulingService({
    db: base.ledger.db,
    changes: base.ledger.changes,
    walFlush,
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
  const server = await startHttpServer(
    { ...base, service, ledger: { ...base.ledger, walFlush } },
    { port: 0 },
  );
  await w.addOwner("ceo@example.com", "UTC");
  const agent = await w.addAgent({ name: "a" });
  const token = (await createAdminToken(w.app.ledger.db, w.clock.now)).token;
  const admin = (path: string, init: RequestInit = {}) =>
    fetch(`${server.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    });
  return {
    w,
    server,
    admin,
    askedDurable,
    // Queued in one turn, the two share a group: its COMMIT is not fsynced, `flush` is asked instead.
    bookTwo: () =>
      Promise.all(["2026-03-03T15:00:00Z", "2026-03-03T16:00:00Z"].map(booker(service, agent.caller))),
    close: async () => {
      await server.close();
      await w.close();
    },
  };
}

describe("the owner's reads and a flush under way", () => {
  it("a console read that saw a group's bookings answers only once their WAL flush is done", async () => {
    let flushAsked!: () => void;
    const flushing = new Promise<void>((resolve) => {
      flushAsked = resolve;
    });
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const served = await servedWithFlush({
      flush: () => {
        flushAsked();
        return gate;
      },
      failure: null,
    });
    try {
      const booked = served.bookTwo();
      // (A failed booking fails the test here rather than leaving it waiting for a flush.)
      await Promise.race([flushing, booked.then(() => Promise.reject(new Error("answered unflushed")))]);
      let answered = false;
      const week = served.admin("/v1/admin/week?owner=ceo@example.com&date=2026-03-03").then((res) => {
        answered = true;
        return res;
      });
      // The read is made and its answer waits: a request sent after it is answered first.
      expect(await Promise.race([served.askedDurable, week.then(() => "answered")])).toBe("asked");
      expect((await fetch(`${served.server.url}/healthz`)).status).toBe(200);
      expect(answered).toBe(false);
      open();
      const res = await week;
      expect(res.status).toBe(200);
      const items = ((await res.json()) as { items: { kind: string }[] }).items;
      expect(items.filter((item) => item.kind === "booking")).toHaveLength(2);
      await booked;
    } finally {
      open();
      await served.close();
    }
  });

  it("after a failed flush, reads say the ledger is in doubt and writes change nothing, until a restart", async () => {
    let failure: DurabilityError | null = null;
    const served = await servedWithFlush({
      flush: () => {
        failure = new DurabilityError(new Error("EIO"));
        return Promise.reject(failure);
      },
      get failure() {
        return failure;
      },
    });
    try {
      // A decision stream open from the start sees the group's decisions, then ends: not on disk.
      const live = await served.admin("/v1/decisions/stream?after_seq=0");
      expect(live.status).toBe(200);
      // One whose filter nothing matches ends too: no decision would come again until a restart.
      const quiet = await served.admin("/v1/decisions/stream?after_seq=0&agent=agt_nobody");
      expect(quiet.status).toBe(200);
      await expect(served.bookTwo()).rejects.toMatchObject({ type: "internal" });
      const sent = await new Response(live.body).text();
      expect(sent).toContain("event: ledger_in_doubt");
      expect(sent).toMatch(/These decisions may not be on disk: /);
      expect(sent).not.toContain("event: decision");
      expect(await new Response(quiet.body).text()).toContain("event: ledger_in_doubt");
      const week = await served.admin("/v1/admin/week?owner=ceo@example.com&date=2026-03-03");
      expect(week.status).toBe(500);
      expect(((await week.json()) as { message: string }).message).toMatch(
        /may not be on disk: an fsync of the ledger's write-ahead log failed.*restarted/i,
      );
      const added = await served.admin("/v1/owners", {
        method: "POST",
        body: JSON.stringify({ email: "new@example.com", timezone: "UTC" }),
      });
      expect(added.status).toBe(500);
      expect(((await added.json()) as { message: string }).message).toMatch(/^Nothing was changed: /);
      const row = await served.w.app.ledger.db
        .selectFrom("owners")
        .select("id")
        .where("email", "=", "new@example.com")
        .executeTakeFirst();
      expect(row).toBeUndefined();
      // The decision stream (and every reconnect of it) is refused the same way.
      const stream = await served.admin("/v1/decisions/stream");
      expect(stream.status).toBe(500);
      expect(((await stream.json()) as { message: string }).message).toMatch(/^No decision is streamed: /);
      // A preview is a POST that only reads: it is answered as a read.
      const calendar = await served.w.app.ledger.db
        .selectFrom("calendars")
        .select("id")
        .executeTakeFirstOrThrow();
      const preview = await served.admin(`/v1/admin/calendars/${calendar.id}/rules/preview`, {
        method: "POST",
        body: JSON.stringify({ buffer_before_minutes: 10 }),
      });
      expect(preview.status).toBe(500);
      expect(((await preview.json()) as { message: string }).message).toMatch(/^What this page would show/);
    } finally {
      await served.close();
    }
  });
});
