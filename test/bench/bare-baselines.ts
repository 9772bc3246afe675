// The baselines the request-path figures are judged against, measured in the same run on the same
// machine: a bare Hono server that parses the same JSON body and answers a small JSON object (the
// framework's own cost per request), and a bare SQLite commit loop on the same disk with the
// ledger's durability (WAL, synchronous=FULL): the floor under one booking's round trip.
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import Database from "better-sqlite3";
import { Hono } from "hono";

/**
 * A bare Hono server on loopback: POST /v1/bookings parses the body and answers a small JSON object;
 * GET /v1/owners/:email/freebusy reads the path and query and answers one too.
 */
export async function startBareHono(): Promise<{ url: string; close(): Promise<void> }> {
  const hono = new Hono();
  hono.post("/v1/bookings", async (c) => {
    const body = (await c.req.json()) as { start?: string };
    return c.json({ ok: true, verdict: "Accept", start: body.start ?? null });
  });
  hono.get("/v1/owners/:email/freebusy", (c) =>
    c.json({
      owner_email: c.req.param("email"),
      busy: [{ start: c.req.query("start"), end: c.req.query("end") }],
    }),
  );
  return new Promise((resolve) => {
    const server = serve({ fetch: hono.fetch, hostname: "127.0.0.1", port: 0 }, (info: AddressInfo) => {
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}

/** `count` commits of one small row each, one at a time, WAL + synchronous=FULL: ms per commit. */
export function bareCommitLoop(count: number): number[] {
  const dir = mkdtempSync(join(tmpdir(), "openavail-bench-commit-"));
  const db = new Database(join(dir, "bare.db"));
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)");
    const insert = db.prepare("INSERT INTO t (payload) VALUES (?)");
    const begin = db.prepare("BEGIN IMMEDIATE");
    const commit = db.prepare("COMMIT");
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      const t = performance.now();
      begin.run();
      insert.run(`booking ${i}`);
      commit.run();
      times.push(performance.now() - t);
    }
    return times;
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
