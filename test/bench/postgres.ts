// Benchmark of scale-out (DESIGN.md section 10, issue 21): committed bookings per second and the
// decision latency, for one `openavail serve` on SQLite (synchronous=FULL) and for 1, 2 and 3
// instances on one PostgreSQL server (fsync and synchronous commit on: acknowledged means durable,
// as on SQLite). 50 clients, one per owner, each books its owner's next half hour as soon as the last
// answer is in (saturated), spread over the instances as a load balancer would; 50 owners, so
// decisions of different owners can run in parallel on PostgreSQL. Every instance is a child process
// (the built bundle when there is one); the clients run on a worker thread. After each run the ledger
// is checked for overlapping live items: there must be none.
// Run alone with `node --import tsx test/bench/postgres.ts`, or through `npm run bench`.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { sql } from "kysely";
import { openLedger } from "../../src/ledger/open-ledger.js";
import { createAgent, createApiKey, createCalendar, createOwner } from "../../src/service/admin.js";
import { SCOPES } from "../../src/service/caller.js";
import { findOverlaps } from "../helpers/invariants.js";
import { startPostgresCluster } from "../helpers/postgres-cluster.js";
import { withAdmin } from "../helpers/postgres-database.js";
import { cliEntry } from "../reliability/common.js";
import { type ServeChild, spawnServe } from "../reliability/servers.js";
import { RAW_HTTP_CLIENT_SOURCE } from "./raw-http-client.js";

const OWNERS = 50;
const WARMUP_MS = 1_000;
const DURATION_MS = 4_000;
/** A client stops after this many bookings even if the time is not up: every loop is bounded. */
const MAX_PER_CLIENT = 5_000;
const MINUTE = 60_000;
const DAY = 86_400_000;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

interface ClientResult {
  readonly latencies: number[];
  readonly accepted: number;
  readonly errors: number;
  readonly notAccepted: number;
  readonly seconds: number;
}

/** The load: client i books owner i's next half hour, over a keep-alive connection to instance i mod n. */
const CLIENT_SOURCE = `
${RAW_HTTP_CLIENT_SOURCE}
const { parentPort, workerData: d } = require("node:worker_threads");
const headers = { Authorization: "Bearer " + d.key, "Content-Type": "application/json" };
const connections = d.owners.map((_, i) => openConnection(new URL(d.urls[i % d.urls.length])));
const next = new Array(d.owners.length).fill(0);
const latencies = [];
let accepted = 0, errors = 0, notAccepted = 0, measuring = false, stopAt = performance.now() + d.warmupMs;
const client = async (i) => {
  for (let k = 0; k < d.maxPerClient && performance.now() < stopAt; k++) {
    const start = new Date(d.firstSlot + next[i]++ * 1800000).toISOString();
    const body = JSON.stringify({ owner_email: d.owners[i], start, duration_minutes: 30, title: "Bench call" });
    const sent = performance.now();
    const reply = await connections[i].post("/v1/bookings", headers, body);
    if (!measuring) continue;
    latencies.push(performance.now() - sent);
    if (reply.status !== 200) errors++;
    else if (reply.body.includes('"verdict":"Accept"')) accepted++;
    else notAccepted++;
  }
};
(async () => {
  const ids = d.owners.map((_, i) => i);
  await Promise.all(ids.map(client));
  measuring = true;
  const started = performance.now();
  stopAt = started + d.durationMs;
  await Promise.all(ids.map(client));
  const seconds = (performance.now() - started) / 1000;
  for (const c of connections) c.close();
  parentPort.postMessage({ latencies, accepted, errors, notAccepted, seconds });
})();
`;

interface Target {
  readonly label: string;
  readonly dbPath: string;
  readonly databaseUrl?: string;
  readonly instances: number;
}

/** Owners, their calendars and one agent with every scope; returns the owners' emails and the key. */
async function seed(target: Target, now: number): Promise<{ owners: string[]; key: string }> {
  const ledger = await openLedger({ path: target.dbPath, databaseUrl: target.databaseUrl });
  try {
    const owners: string[] = [];
    for (let i = 0; i < OWNERS; i++) {
      const email = `owner${i}@bench.example`;
      await createOwner(ledger.db, { email, timezone: "UTC" }, now);
      await createCalendar(ledger.db, { ownerEmail: email, calendarType: "work" }, now);
      owners.push(email);
    }
    const agent = await createAgent(ledger.db, { name: "bench", scopes: [...SCOPES], owners: ["*"] }, now);
    return { owners, key: (await createApiKey(ledger.db, agent.id, now)).key };
  } finally {
    await ledger.close();
  }
}

/** What the ledger says of the measured run: bookings, the decisions' own latency, overlaps. */
async function ledgerFigures(target: Target, now: number) {
  const ledger = await openLedger({ path: target.dbPath, databaseUrl: target.databaseUrl });
  try {
    const bookings = await ledger.db
      .selectFrom("bookings")
      .select(sql<number>`count(*)`.as("n"))
      .where("status", "=", "confirmed")
      .executeTakeFirstOrThrow();
    const decided = await ledger.db.selectFrom("decisions").select("latency_us").execute();
    const us = decided.map((d) => d.latency_us).sort((a, b) => a - b);
    const overlaps = await findOverlaps(ledger.db, now);
    return {
      confirmed: Number(bookings.n),
      decide_p50_ms: Math.round(percentile(us, 50)) / 1000,
      decide_p99_ms: Math.round(percentile(us, 99)) / 1000,
      overlaps: overlaps.length,
    };
  } finally {
    await ledger.close();
  }
}

async function run(target: Target): Promise<Record<string, unknown>> {
  const now = Date.now();
  const { owners, key } = await seed(target, now);
  const entry = cliEntry();
  const servers: ServeChild[] = [];
  try {
    for (let i = 0; i < target.instances; i++)
      servers.push(await spawnServe(entry, target.dbPath, 30_000, target.databaseUrl));
    const worker = new Worker(CLIENT_SOURCE, {
      eval: true,
      workerData: {
        urls: servers.map((s) => s.url),
        key,
        owners,
        warmupMs: WARMUP_MS,
        durationMs: DURATION_MS,
        maxPerClient: MAX_PER_CLIENT,
        firstSlot: Math.ceil((now + DAY) / (30 * MINUTE)) * 30 * MINUTE,
      },
    });
    const result = await new Promise<ClientResult>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    });
    await worker.terminate();
    const sorted = [...result.latencies].sort((a, b) => a - b);
    const round = (n: number) => Math.round(n * 100) / 100;
    return {
      target: target.label,
      instances: target.instances,
      entry: entry.kind,
      seconds: round(result.seconds),
      committed_bookings_per_s: round(result.accepted / result.seconds),
      p50_ms: round(percentile(sorted, 50)),
      p99_ms: round(percentile(sorted, 99)),
      errors: result.errors,
      not_accepted: result.notAccepted,
      ...(await ledgerFigures(target, now)),
    };
  } finally {
    for (const s of servers) await s.stop();
  }
}

/** SQLite with one instance, then PostgreSQL with 1, 2 and 3, each on a fresh ledger. */
export async function benchPostgres(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), "openavail-bench-pg-"));
  const cluster = await startPostgresCluster({ durable: true });
  const runs: Record<string, unknown>[] = [];
  try {
    runs.push(await run({ label: "sqlite", dbPath: join(dir, "bench.db"), instances: 1 }));
    for (const instances of [1, 2, 3]) {
      const name = `bench_${instances}`;
      await withAdmin(cluster.url(), (c) => c.query(`CREATE DATABASE ${name}`));
      runs.push(
        await run({
          label: "postgres",
          dbPath: join(dir, `${name}.db`),
          databaseUrl: cluster.url(name),
          instances,
        }),
      );
    }
  } finally {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  for (const r of runs) {
    console.log(
      `${String(r["target"]).padEnd(8)} x${r["instances"]}: ${r["committed_bookings_per_s"]} committed bookings/s, ` +
        `request p50 ${r["p50_ms"]} ms, p99 ${r["p99_ms"]} ms; decision (arrival to verdict) p50 ${r["decide_p50_ms"]} ms, ` +
        `p99 ${r["decide_p99_ms"]} ms; ${r["overlaps"]} overlaps, ${r["errors"]} errors, ${r["not_accepted"]} not accepted`,
    );
  }
  return {
    owners: OWNERS,
    clients: OWNERS,
    runs,
    pass: {
      zero_overlaps: runs.every((r) => r["overlaps"] === 0),
      no_errors: runs.every((r) => r["errors"] === 0 && r["not_accepted"] === 0),
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(await benchPostgres()));
}
