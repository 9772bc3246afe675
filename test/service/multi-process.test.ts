// Four processes booking on one SQLite file at once (DESIGN.md section 6: several `openavail mcp`
// processes sharing a file is the normal case). BEGIN IMMEDIATE plus busy_timeout must serialize
// them: no overlapping bookings, no SQLITE_BUSY, and every Accept a worker saw is in the ledger.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";
import { PACKAGE_ROOT } from "../../src/compose.js";
import { findOverlaps } from "../helpers/invariants.js";
import { confirmedBookings, useWorld } from "./fixtures.js";

const WORKERS = 4;
const CALLS_PER_WORKER = 40;
const WORKER = join(PACKAGE_ROOT, "test", "helpers", "booking-worker.ts");

// Now: Mon 2026-03-02 12:00Z = 07:00 EST. The owner has no rules: every minute is bookable.
const world = useWorld("2026-03-02T12:00:00Z", async (w) => {
  await w.addOwner("ceo@example.com", "America/New_York");
});

interface Line {
  ready?: boolean;
  opened?: boolean;
  done?: boolean;
  i?: number;
  verdict?: string;
  reason_code?: string | null;
  booking_id?: string | null;
  decision_id?: string;
  start?: string;
  end?: string;
  error?: string;
  code?: string | null;
  message?: string;
}

interface Worker {
  readonly child: ChildProcess;
  readonly lines: Line[];
  readonly stderr: string[];
  readonly ready: Promise<void>;
  readonly exited: Promise<number | null>;
}

function startWorker(dbPath: string, key: string, seed: number): Worker {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", WORKER, dbPath, key, String(seed), String(CALLS_PER_WORKER), "2026-03-02T12:00:00Z"],
    { cwd: PACKAGE_ROOT, stdio: ["pipe", "pipe", "pipe"] },
  );
  const lines: Line[] = [];
  const stderr: string[] = [];
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  createInterface({ input: child.stdout! }).on("line", (text) => {
    const parsed = JSON.parse(text) as Line;
    lines.push(parsed);
    if (parsed.ready) markReady();
  });
  child.stderr!.on("data", (chunk: Buffer) => stderr.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, lines, stderr, ready, exited };
}

describe("several processes on one database file", () => {
  it("4 workers booking overlapping slots concurrently never overlap, never see SQLITE_BUSY, and lose no Accept", async () => {
    const w = world();
    const keys: string[] = [];
    for (let i = 0; i < WORKERS; i++) {
      keys.push((await w.addAgent({ name: `worker ${i}`, scopes: ["create_bookings"] })).key);
    }
    const workers = keys.map((key, i) => startWorker(w.dbPath, key, 1000 + i));
    // All four open the ledger first, then start together, so their transactions interleave.
    await Promise.race([
      Promise.all(workers.map((wk) => wk.ready)),
      Promise.all(workers.map((wk) => wk.exited)).then(() => {
        throw new Error(
          `a worker exited before it was ready: ${workers.map((wk) => wk.stderr.join("")).join("\n")}`,
        );
      }),
    ]);
    for (const wk of workers) wk.child.stdin!.end("go\n");
    const codes = await Promise.all(workers.map((wk) => wk.exited));

    expect(workers.map((wk) => wk.stderr.join(""))).toEqual(workers.map(() => ""));
    expect(codes).toEqual(workers.map(() => 0));
    const results = workers.flatMap((wk) => wk.lines.filter((l) => l.i !== undefined));
    expect(results).toHaveLength(WORKERS * CALLS_PER_WORKER);
    // No SQLITE_BUSY, nor any other error, anywhere.
    expect(results.filter((r) => r.error !== undefined)).toEqual([]);
    for (const wk of workers) expect(wk.lines.at(-1)?.done).toBe(true);

    expect(await findOverlaps(w.app.ledger.db, w.clock.now)).toEqual([]);
    const accepted = results.filter((r) => r.verdict === "Accept");
    expect(accepted.length).toBeGreaterThan(1);
    for (const r of results.filter((r) => r.verdict !== "Accept")) {
      expect(["CounterPropose", "Reject"]).toContain(r.verdict);
      expect(["CONFLICT", "NO_CAPACITY"]).toContain(r.reason_code);
    }
    // Every Accept a worker saw is a confirmed booking at the time it was told, and nothing else is.
    const live = await confirmedBookings(w);
    const byId = new Map(live.map((b) => [b.id, b]));
    for (const r of accepted) {
      const row = byId.get(r.booking_id!);
      expect(row, `booking ${r.booking_id} seen by a worker`).toBeDefined();
      expect([row!.start_ms, row!.end_ms]).toEqual([Date.parse(r.start!), Date.parse(r.end!)]);
    }
    expect(live).toHaveLength(accepted.length);
    // One decision row per call, each the one the worker was told about.
    const decisions = await w.app.ledger.db
      .selectFrom("decisions")
      .select(["id", "verdict", "agent_id"])
      .orderBy("seq")
      .execute();
    // The processes really did take turns (not one whole run after another).
    let switches = 0;
    for (let i = 1; i < decisions.length; i++)
      if (decisions[i]!.agent_id !== decisions[i - 1]!.agent_id) switches++;
    expect(switches).toBeGreaterThan(WORKERS);
    expect(decisions).toHaveLength(results.length);
    const verdictOf = new Map(decisions.map((d) => [d.id, d.verdict]));
    for (const r of results) expect(verdictOf.get(r.decision_id!)).toBe(r.verdict);
  }, 120_000);

  it("4 processes opening one fresh file at once all migrate it without error", async () => {
    // Regression: each process ran the migrations in a deferred transaction, so a second process
    // could create the tables again and die with `table "owners" already exists`.
    const dir = mkdtempSync(join(tmpdir(), "openavail-fresh-"));
    try {
      const dbPath = join(dir, "fresh.db");
      const workers = Array.from({ length: WORKERS }, (_, i) => startWorker(dbPath, "-", i));
      const codes = await Promise.all(workers.map((wk) => wk.exited));
      expect(workers.map((wk) => wk.stderr.join(""))).toEqual(workers.map(() => ""));
      expect(codes).toEqual(workers.map(() => 0));
      expect(workers.map((wk) => wk.lines[0]?.opened)).toEqual(workers.map(() => true));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
