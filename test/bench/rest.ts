// Benchmark of the REST transport end to end: an in-process server on a temp database, 50 concurrent
// keep-alive clients (on a worker thread, off the server's event loop) doing create_booking on distinct
// free slots, each one a real arbitrated write (BEGIN IMMEDIATE, snapshot, arbiter, commit, decision
// row, one pino line), for about 5 s after a short warm-up.
// Targets: at least 1,500 requests/s and p99 below 20 ms. Run alone with
// `node --import tsx test/bench/rest.ts`, or through `npm run bench`.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import pino from "pino";
import { configFromEnv, createApp, loggerOptions } from "../../src/compose.js";
import type { Synchronous } from "../../src/ledger/open-ledger.js";
import { createAgent, createApiKey, createCalendar, createOwner } from "../../src/service/admin.js";
import { SCOPES } from "../../src/service/caller.js";
import { startHttpServer } from "../../src/transports/http/server.js";

const CLIENTS = 50;
const DURATION_MS = 5_000;
const WARMUP_MS = 500;
const TARGET_RPS = 1_500;
const TARGET_P99_MS = 20;
const MINUTE = 60_000;
const DAY = 86_400_000;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

interface ClientResult {
  readonly latencies: number[];
  readonly errors: number;
  readonly notAccepted: number;
  readonly seconds: number;
}

/**
 * The load generator, run on a worker thread: client i books owner i's next half hour each time.
 * Plain JavaScript in a string, because loader hooks (tsx) do not reach worker threads on Node 20.
 */
const CLIENT_SOURCE = `
const { Agent, request } = require("node:http");
const { parentPort, workerData: d } = require("node:worker_threads");
const http = new Agent({ keepAlive: true, maxSockets: d.clients });
const url = new URL(d.url);
const next = new Array(d.clients).fill(0);
const post = (body) => new Promise((resolve, reject) => {
  const req = request({ agent: http, host: url.hostname, port: url.port, path: "/v1/bookings", method: "POST",
    headers: { authorization: "Bearer " + d.key, "content-type": "application/json", "content-length": Buffer.byteLength(body) } },
    (res) => { const chunks = []; res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString("utf8") })); res.on("error", reject); });
  req.on("error", reject);
  req.end(body);
});
const latencies = [];
let errors = 0, notAccepted = 0, measuring = false, stopAt = Date.now() + d.warmupMs;
const client = async (i) => {
  while (Date.now() < stopAt) {
    const start = new Date(d.firstSlot + next[i]++ * 1800000).toISOString();
    const body = JSON.stringify({ owner_email: d.owners[i], start, duration_minutes: 30, title: "Bench call" });
    const t0 = performance.now();
    const reply = await post(body);
    const ms = performance.now() - t0;
    if (!measuring) continue;
    latencies.push(ms);
    if (reply.status !== 200) errors++;
    else if (!reply.body.includes('"verdict":"Accept"')) notAccepted++;
  }
};
(async () => {
  const ids = Array.from({ length: d.clients }, (_, i) => i);
  await Promise.all(ids.map(client)); // warm-up: JIT, code paths, connections
  measuring = true;
  const started = performance.now();
  stopAt = Date.now() + d.durationMs;
  await Promise.all(ids.map(client));
  const seconds = (performance.now() - started) / 1000;
  http.destroy();
  parentPort.postMessage({ latencies, errors, notAccepted, seconds });
})();
`;

/** One run at the given `synchronous` level; figures in ms and requests per second. */
async function run(synchronous: Synchronous): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), "openavail-bench-rest-"));
  const config = configFromEnv(
    {},
    { dbPath: join(dir, "bench.db"), port: 0, synchronous, rateLimitPerMinute: 0, logLevel: "info" },
  );
  // Decisions are logged at info as in production; the lines go to /dev/null instead of a terminal.
  const logger = pino(loggerOptions("info"), pino.destination({ dest: "/dev/null", sync: true }));
  const app = await createApp(config, logger);
  const now = Date.now();
  const db = app.ledger.db;
  const owners: string[] = [];
  for (let i = 0; i < CLIENTS; i++) {
    const email = `owner${i}@bench.example`;
    await createOwner(db, { email, timezone: "UTC" }, now);
    await createCalendar(db, { ownerEmail: email, calendarType: "work" }, now);
    owners.push(email);
  }
  const agent = await createAgent(db, { name: "bench", scopes: [...SCOPES], owners: ["*"] }, now);
  const { key } = await createApiKey(db, agent.id, now);
  const server = await startHttpServer(app);
  // The clients run on a worker thread, so the load generator does not share the server's event loop.
  const worker = new Worker(CLIENT_SOURCE, {
    eval: true,
    workerData: {
      url: server.url,
      key,
      owners,
      clients: CLIENTS,
      warmupMs: WARMUP_MS,
      durationMs: DURATION_MS,
      firstSlot: Math.ceil((now + DAY) / (30 * MINUTE)) * 30 * MINUTE,
    },
  });
  const result = await new Promise<ClientResult>((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  await worker.terminate();
  const { latencies, errors, notAccepted, seconds } = result;

  await server.close();
  rmSync(dir, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 100) / 100;
  const rps = round(latencies.length / seconds);
  const p50 = round(percentile(latencies, 50));
  const p99 = round(percentile(latencies, 99));
  return {
    synchronous,
    clients: CLIENTS,
    seconds: round(seconds),
    requests: latencies.length,
    requests_per_s: rps,
    p50_ms: p50,
    p99_ms: p99,
    max_ms: round(latencies[latencies.length - 1] ?? Number.NaN),
    errors,
    not_accepted: notAccepted,
  };
}

/**
 * Runs the REST benchmark with the default durability (synchronous=full) and, for comparison, with
 * synchronous=normal. Pass/fail is judged on the default.
 */
export async function benchRest(): Promise<Record<string, unknown>> {
  const full = await run("full");
  const normal = await run("normal");
  for (const r of [full, normal]) {
    console.log(
      `rest create_booking (${r["synchronous"]}): ${r["requests_per_s"]} req/s, p50 ${r["p50_ms"]} ms, p99 ${r["p99_ms"]} ms, ` +
        `${r["requests"]} requests by ${r["clients"]} clients in ${r["seconds"]} s, ${r["errors"]} errors, ${r["not_accepted"]} not accepted`,
    );
  }
  const rps = full["requests_per_s"] as number;
  const p99 = full["p99_ms"] as number;
  return {
    ...full,
    synchronous_normal: normal,
    targets: { requests_per_s: TARGET_RPS, p99_ms: TARGET_P99_MS },
    pass: {
      requests_per_s: rps >= TARGET_RPS,
      p99_ms: p99 < TARGET_P99_MS,
      no_errors: full["errors"] === 0 && full["not_accepted"] === 0,
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(await benchRest()));
}
