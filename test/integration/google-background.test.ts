// The background jobs of a long-running process: periodic sync, outbox drain and hold sweep against
// the fake Google, and the scheduler's guarantees (no overlap, stop() waits, failures do not stop it).
import pino from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { findHold } from "../../src/ledger/schedule.repository.js";
import { startBackgroundJobs, startPeriodic, sweepHolds } from "../../src/service/background-jobs.js";
import { type GoogleWorld, makeGoogleWorld, OWNER } from "./google-world.js";

const silent = pino({ level: "silent" });
const at = (time: string) => `2026-03-03T${time}:00Z`;

let g: GoogleWorld | undefined;
afterEach(async () => {
  await g?.close();
  g = undefined;
});

describe("startBackgroundJobs", () => {
  it("writes bookings to Google, mirrors the owner's edits, and expires holds with a notification", async () => {
    g = await makeGoogleWorld();
    const gw = g;
    const agent = await gw.w.addAgent({ name: "sales bot", defaultClass: "external_customer_call" });
    const jobs = startBackgroundJobs({
      db: gw.w.app.ledger.db,
      now: () => gw.w.clock.now,
      logger: silent,
      providerFor: gw.registry,
      service: gw.service,
      syncIntervalMs: 20,
      outboxIntervalMs: 20,
      holdSweepIntervalMs: 20,
      random: () => 0.5,
    });
    try {
      const booked = await gw.call(agent.caller, "create_booking", {
        owner_email: OWNER,
        start: at("15:00"),
        end: at("15:30"),
        title: "Demo",
      });
      expect(booked.verdict).toBe("Accept");
      await vi.waitFor(() => expect(gw.fake.events(OWNER).map((e) => e.summary)).toEqual(["Demo"]), {
        timeout: 5_000,
      });

      gw.fake.human.addTimed(OWNER, "Dentist", at("18:00"), at("19:00"));
      await vi.waitFor(
        async () => {
          const rows = await gw.w.app.ledger.db.selectFrom("external_events").select("title").execute();
          expect(rows.map((r) => r.title)).toContain("Dentist");
        },
        { timeout: 5_000 },
      );

      const held = await gw.call(agent.caller, "create_hold", {
        owner_email: OWNER,
        start: at("16:00"),
        end: at("16:30"),
        ttl_seconds: 60,
      });
      expect(held.verdict).toBe("Accept");
      const holdId = held.hold.hold_id as string;
      gw.advance(61_000);
      await vi.waitFor(
        async () => expect((await findHold(gw.w.app.ledger.db, holdId))?.status).toBe("expired"),
        { timeout: 5_000 },
      );
      const notes = await gw.w.app.ledger.db
        .selectFrom("notifications")
        .select(["type", "payload_json"])
        .where("agent_id", "=", agent.agentId)
        .execute();
      expect(notes.map((n) => n.type)).toEqual(["hold.expired"]);
      expect(JSON.parse(notes[0]!.payload_json).message).toContain(holdId);
    } finally {
      await jobs.stop();
    }
  });

  it("kick() runs a job now instead of at its next tick", async () => {
    g = await makeGoogleWorld();
    const gw = g;
    const agent = await gw.w.addAgent({ name: "bot" });
    const jobs = startBackgroundJobs({
      db: gw.w.app.ledger.db,
      now: () => gw.w.clock.now,
      logger: silent,
      providerFor: gw.registry,
      service: gw.service,
      syncIntervalMs: 0,
      outboxIntervalMs: 3_600_000,
      holdSweepIntervalMs: 0,
    });
    try {
      await gw.call(agent.caller, "create_booking", {
        owner_email: OWNER,
        start: at("15:00"),
        end: at("15:30"),
        title: "Now",
      });
      jobs.kick("outbox");
      await vi.waitFor(() => expect(gw.fake.events(OWNER)).toHaveLength(1), { timeout: 5_000 });
    } finally {
      await jobs.stop();
    }
  });

  it("sweepHolds expires due holds through the service and returns how many", async () => {
    g = await makeGoogleWorld();
    const agent = await g.w.addAgent({ name: "bot" });
    await g.call(agent.caller, "create_hold", {
      owner_email: OWNER,
      start: at("16:00"),
      end: at("16:30"),
      ttl_seconds: 30,
    });
    expect(await sweepHolds(g.service)).toBe(0);
    g.advance(30_000);
    expect(await sweepHolds(g.service)).toBe(1);
    expect(await sweepHolds(g.service)).toBe(0);
  });
});

describe("startPeriodic", () => {
  it("never overlaps a run with itself and keeps going after a failure", async () => {
    let running = 0;
    let most = 0;
    let runs = 0;
    const job = startPeriodic("test", 1, silent, async () => {
      running++;
      most = Math.max(most, running);
      runs++;
      await new Promise((r) => setTimeout(r, 15));
      running--;
      if (runs === 2) throw new Error("boom");
    });
    for (let i = 0; i < 20; i++) job.kick();
    await vi.waitFor(() => expect(runs).toBeGreaterThanOrEqual(5), { timeout: 5_000 });
    await job.stop();
    expect(most).toBe(1);
    const after = runs;
    await new Promise((r) => setTimeout(r, 30));
    expect(runs).toBe(after);
  });

  it("stop() waits for the run in flight", async () => {
    let release: () => void = () => {};
    let started = false;
    let finished = false;
    const job = startPeriodic("test", 1, silent, async () => {
      started = true;
      await new Promise<void>((r) => {
        release = r;
      });
      finished = true;
    });
    await vi.waitFor(() => expect(started).toBe(true), { timeout: 1_000 });
    let stopped = false;
    const stopping = job.stop().then(() => {
      stopped = true;
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(finished).toBe(true);
  });

  it("does not keep the process alive: its timer is unref'd", async () => {
    const spy = vi.spyOn(globalThis, "setTimeout");
    const job = startPeriodic("test", 60_000, silent, async () => {});
    const timer = spy.mock.results.at(-1)?.value as NodeJS.Timeout;
    spy.mockRestore();
    expect(timer.hasRef()).toBe(false);
    await job.stop();
  });

  it("an interval of 0 never runs", async () => {
    let runs = 0;
    const job = startPeriodic("off", 0, silent, async () => {
      runs++;
    });
    job.kick();
    await new Promise((r) => setTimeout(r, 20));
    expect(runs).toBe(0);
    await job.stop();
  });
});
