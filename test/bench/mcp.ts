// Benchmarks of the MCP transports, on the built JavaScript (`npm run bench` builds first):
// - cold start: spawn `openavail mcp` and time until it answers `initialize` (target p50 < 400 ms);
// - one tool call (get_free_busy over a week with 50 bookings) over Streamable HTTP from 50 concurrent
//   clients, against a server in its own process (targets p50 < 3 ms, p99 < 15 ms), paced: each
//   client calls every 200 ms, 250 calls/s in all, latency counted from when a call was due. Two
//   kinds of client: lean ones on a worker thread, which initialize and then POST tools/call as the
//   protocol says (raw-http-client.ts), judged against the targets; and 50 SDK Clients sharing the
//   bench's own event loop, reported beside them (most of their latency is the 50 SDK clients' own
//   work on one thread). The SDK clients are also run saturated (back to back) for capacity.
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { toInstant } from "../../schemas/time.js";
import { makeWorld } from "../helpers/world.js";
import { DIST, ROOT, requireBuild } from "./built.js";
import { RAW_HTTP_CLIENT_SOURCE } from "./raw-http-client.js";

const COLD_RUNS = 15;
const CLIENTS = 50;
const WARMUP_CALLS = 10;
const PACED_CALLS = 30;
const PACED_INTERVAL_MS = 200;
const SATURATED_CALLS = 40;
const TARGETS = { cold_start_p50_ms: 400, http_p50_ms: 3, http_p99_ms: 15 };
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface Figures {
  readonly p50: number;
  readonly p99: number;
  readonly min: number;
  readonly max: number;
  readonly samples: number;
}

function figures(samples: readonly number[]): Figures {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
  const round = (n: number) => Math.round(n * 1000) / 1000;
  return {
    p50: round(at(50)),
    p99: round(at(99)),
    min: round(sorted[0]!),
    max: round(sorted.at(-1)!),
    samples: sorted.length,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Spawns `args`, writes `initialize`, and resolves with the ms until its answer arrived on stdout. */
function timeToInitialize(args: readonly string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["pipe", "pipe", "ignore"],
    });
    let answered: number | undefined;
    createInterface({ input: child.stdout }).on("line", (line) => {
      if (answered === undefined && (JSON.parse(line) as { id?: number }).id === 1) {
        answered = performance.now() - started;
        child.stdin.end();
      }
    });
    child.on("error", reject);
    child.on("close", (code) =>
      answered === undefined ? reject(new Error(`exited ${code} before answering`)) : resolve(answered),
    );
    child.stdin.write(
      `${JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: {
          protocolVersion: "2025-06-18",
          capabilities: {},
          clientInfo: { name: "bench", version: "1" },
        },
      })}\n`,
    );
  });
}

/** The command line of `openavail mcp`: the built main when there is one, else a stand-in entry. */
function mcpCommand(dir: string): { args: string[]; entry: string } {
  const main = join(DIST, "cli", "main.js");
  if (existsSync(main)) return { args: [main, "mcp"], entry: "dist/cli/main.js" };
  const entry = join(dir, "mcp-entry.mjs");
  writeFileSync(
    entry,
    `import { Command } from ${JSON.stringify(import.meta.resolve("commander"))};
import { registerMcpCommand } from ${JSON.stringify(pathToFileURL(join(DIST, "src", "cli", "commands", "mcp.js")).href)};
const program = new Command("openavail");
registerMcpCommand(program, { env: process.env, stdout: process.stdout, stderr: process.stderr });
await program.parseAsync(process.argv);
`,
  );
  return { args: [entry, "mcp"], entry: "dist/src/cli/commands/mcp.js (stand-in entry)" };
}

/** Starts a Hono server with the MCP routes in a child process; resolves with its URL and a stop. */
async function startServer(
  dir: string,
  env: Record<string, string>,
): Promise<{ url: URL; cpuMs(): number | null; stop(): Promise<void> }> {
  const script = join(dir, "mcp-server.mjs");
  const dist = (path: string) => JSON.stringify(pathToFileURL(join(DIST, path)).href);
  writeFileSync(
    script,
    `import { serve } from ${JSON.stringify(import.meta.resolve("@hono/node-server"))};
import { Hono } from ${JSON.stringify(import.meta.resolve("hono"))};
import { configFromEnv, createApp } from ${dist("src/compose.js")};
import { mountMcpHttp } from ${dist("src/transports/mcp/http.js")};
const app = await createApp(configFromEnv(process.env));
const hono = new Hono();
mountMcpHttp(hono, app, { allowedOrigins: [] });
const server = serve({ fetch: hono.fetch, hostname: "127.0.0.1", port: 0 }, (info) =>
  process.stdout.write(JSON.stringify({ port: info.port }) + "\\n"));
process.stdin.on("end", () => server.close(() => app.close().then(() => process.exit(0))));
process.stdin.resume();
`,
  );
  const child = spawn(process.execPath, [script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout }).once("line", (line) =>
      resolve((JSON.parse(line) as { port: number }).port),
    );
    child.once("close", (code) => reject(new Error(`server exited ${code}`)));
  });
  return {
    url: new URL(`http://127.0.0.1:${port}/mcp`),
    cpuMs: () => processCpuMs(child.pid),
    stop: () =>
      new Promise((resolve) => {
        child.once("close", () => resolve());
        child.stdin.end();
      }),
  };
}

export async function benchMcp(): Promise<Record<string, unknown>> {
  requireBuild();
  const world = await makeWorld(new Date().toISOString());
  try {
    // A week of one owner's calendar with 50 bookings, a week from now (the servers run on the real clock).
    await world.addOwner("bench@example.com", "UTC");
    const start = Math.floor(Date.now() / DAY) * DAY + 7 * DAY;
    const booker = await world.addAgent({ name: "seeder" });
    for (let i = 0; i < 50; i++) {
      const at = start + Math.floor(i / 10) * DAY + 9 * HOUR + (i % 10) * 45 * 60_000;
      await world.call(booker.caller, "create_booking", {
        owner_email: "bench@example.com",
        start: toInstant(at),
        duration_minutes: 30,
        title: `seed ${i}`,
      });
    }
    const keys: string[] = [];
    for (let i = 0; i < CLIENTS; i++) keys.push((await world.addAgent({ name: `bench client ${i}` })).key);
    await world.app.close();
    // The limit of 120 calls a minute per key would refuse most of these calls.
    const env = { OPENAVAIL_DB: world.dbPath, OPENAVAIL_LOG_LEVEL: "warn", OPENAVAIL_RATE_LIMIT: "0" };
    // HTTP first: the keys were just used, so no call pays for the once-a-minute last_used_at write.
    const http = await benchHttp(world.dir, env, keys, {
      owner_email: "bench@example.com",
      window: { start: toInstant(start), end: toInstant(start + 7 * DAY) },
    });
    const cold = await benchColdStart(world.dir, { ...env, OPENAVAIL_API_KEY: keys[0]! });
    return {
      ...cold,
      ...http,
      targets: TARGETS,
      pass: {
        cold_start_p50: cold.cold_start_ms.p50 < TARGETS.cold_start_p50_ms,
        http_p50: http.http_paced_ms.p50 < TARGETS.http_p50_ms,
        http_p99: http.http_paced_ms.p99 < TARGETS.http_p99_ms,
        http_errors: http.http_paced_ms.errors === 0,
        http_2026_p50: http.http_paced_2026_ms.p50 < TARGETS.http_p50_ms,
        http_2026_p99: http.http_paced_2026_ms.p99 < TARGETS.http_p99_ms,
        http_2026_errors: http.http_paced_2026_ms.errors === 0,
      },
    };
  } finally {
    rmSync(world.dir, { recursive: true, force: true });
  }
}

async function benchColdStart(dir: string, env: Record<string, string>) {
  const command = mcpCommand(dir);
  const baseline: number[] = [];
  const cold: number[] = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    baseline.push(await timeNodeBaseline());
    cold.push(await timeToInitialize(command.args, env));
  }
  return { cold_start_ms: { ...figures(cold), entry: command.entry, node_startup_ms: figures(baseline) } };
}

async function benchHttp(dir: string, env: Record<string, string>, keys: readonly string[], args: object) {
  const server = await startServer(dir, env);
  const clients: Client[] = [];
  try {
    for (const key of keys) {
      const client = new Client({ name: "bench", version: "1" });
      await client.connect(
        new StreamableHTTPClientTransport(server.url, {
          requestInit: { headers: { Authorization: `Bearer ${key}` } },
        }),
      );
      clients.push(client);
    }
    const once = async (client: Client): Promise<number> => {
      const t = performance.now();
      const res = await client.callTool({ name: "get_free_busy", arguments: { ...args } });
      const ms = performance.now() - t;
      if (res.isError) throw new Error(`get_free_busy failed: ${JSON.stringify(res.content)}`);
      return ms;
    };
    await Promise.all(
      clients.map(async (c) => {
        for (let i = 0; i < WARMUP_CALLS; i++) await once(c);
      }),
    );

    const paced: number[] = [];
    const pacedStart = performance.now();
    await Promise.all(
      clients.map(async (c, n) => {
        // Stagger the clients across one interval, as independent agents would be.
        await sleep((n * PACED_INTERVAL_MS) / CLIENTS);
        for (let i = 0; i < PACED_CALLS; i++) {
          const ms = await once(c);
          paced.push(ms);
          await sleep(Math.max(0, PACED_INTERVAL_MS - ms));
        }
      }),
    );
    const pacedSeconds = (performance.now() - pacedStart) / 1000;

    const saturated: number[] = [];
    const cpuBefore = server.cpuMs();
    const saturatedStart = performance.now();
    await Promise.all(
      clients.map(async (c) => {
        for (let i = 0; i < SATURATED_CALLS; i++) saturated.push(await once(c));
      }),
    );
    const saturatedSeconds = (performance.now() - saturatedStart) / 1000;
    const cpuAfter = server.cpuMs();
    const lean = await leanPaced(server.url, keys, args);
    const modern = await leanPaced(server.url, keys, args, "2026-07-28");
    return {
      http_paced_ms: lean,
      http_paced_2026_ms: modern,
      http_paced_sdk_ms: {
        ...figures(paced),
        clients: CLIENTS,
        calls_per_second: Math.round(paced.length / pacedSeconds),
      },
      http_saturated_ms: {
        ...figures(saturated),
        clients: CLIENTS,
        calls_per_second: Math.round(saturated.length / saturatedSeconds),
        server_cpu_ms_per_call:
          cpuBefore === null || cpuAfter === null
            ? null
            : Math.round(((cpuAfter - cpuBefore) / saturated.length) * 1000) / 1000,
      },
    };
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await server.stop();
  }
}

/**
 * The lean clients, on a worker thread: each initializes, sends notifications/initialized, then calls
 * get_free_busy every PACED_INTERVAL_MS (after WARMUP_CALLS unmeasured calls), checking every answer.
 */
const LEAN_CLIENT_SOURCE = `
${RAW_HTTP_CLIENT_SOURCE}
const { parentPort, workerData: d } = require("node:worker_threads");
const url = new URL(d.url);
const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const latencies = [];
const fromSend = [];
let errors = 0;
/**
 * Connects client i and warms it up; resolves with its call function. 2025 era: initialize, then
 * tools/call. 2026-07-28: no handshake; every call carries the version headers and the _meta envelope.
 */
const connectClient = async (i) => {
  const connection = openConnection(url);
  const headers = {
    Authorization: "Bearer " + d.keys[i],
    "Content-Type": "application/json",
    Accept: "application/json, text/event-stream",
  };
  const rpc = (message) => connection.post(url.pathname, headers, JSON.stringify(message));
  let call;
  if (d.era === "2026-07-28") {
    Object.assign(headers, { "MCP-Protocol-Version": d.era, "Mcp-Method": "tools/call", "Mcp-Name": "get_free_busy" });
    const _meta = {
      "io.modelcontextprotocol/protocolVersion": d.era,
      "io.modelcontextprotocol/clientInfo": { name: "lean bench", version: "1" },
      "io.modelcontextprotocol/clientCapabilities": {},
    };
    call = (id) => rpc({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "get_free_busy", arguments: d.args, _meta } });
  } else {
    const init = await rpc({ jsonrpc: "2.0", id: 0, method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "lean bench", version: "1" } } });
    headers["MCP-Protocol-Version"] = JSON.parse(init.body).result.protocolVersion;
    await rpc({ jsonrpc: "2.0", method: "notifications/initialized" });
    call = (id) => rpc({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "get_free_busy", arguments: d.args } });
  }
  for (let k = 1; k <= d.warmupCalls; k++) await call(k);
  return { call, close: connection.close };
};
(async () => {
  const clients = await Promise.all(d.keys.map((_, i) => connectClient(i)));
  // One schedule for all, once every client is warm; the clients spread over one interval.
  const epoch = performance.now() + d.intervalMs;
  await Promise.all(clients.map(async ({ call }, i) => {
    for (let k = 0; k < d.calls; k++) {
      const due = epoch + (i / clients.length + k) * d.intervalMs;
      if (due > performance.now()) await wait(due - performance.now());
      const sent = performance.now();
      const reply = await call(1000 + k);
      const done = performance.now();
      // A timer may fire early: from the due time, or from the send when that came first, so never negative.
      latencies.push(done - Math.min(due, sent));
      fromSend.push(done - sent);
      if (reply.status !== 200 || !reply.body.includes('"structuredContent"')) errors++;
    }
  }));
  for (const c of clients) c.close();
  parentPort.postMessage({ latencies, fromSend, errors });
})();
`;

async function leanPaced(url: URL, keys: readonly string[], args: object, era = "2025-06-18") {
  const worker = new Worker(LEAN_CLIENT_SOURCE, {
    eval: true,
    workerData: {
      url: url.href,
      keys,
      args,
      calls: PACED_CALLS,
      warmupCalls: WARMUP_CALLS,
      intervalMs: PACED_INTERVAL_MS,
      era,
    },
  });
  try {
    const { latencies, fromSend, errors } = await new Promise<{
      latencies: number[];
      fromSend: number[];
      errors: number;
    }>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    });
    return {
      ...figures(latencies),
      from_send: figures(fromSend),
      era,
      clients: keys.length,
      calls_per_second: Math.round((keys.length * 1000) / PACED_INTERVAL_MS),
      errors,
    };
  } finally {
    await worker.terminate();
  }
}

/** CPU time (user + system) a process has used, in ms; null where /proc is not available. */
export function processCpuMs(pid: number | undefined): number | null {
  const stat = `/proc/${pid}/stat`;
  if (pid === undefined || !existsSync(stat)) return null;
  // Fields after the parenthesised command name; utime and stime are the 12th and 13th, in clock ticks (10 ms).
  const fields = readFileSync(stat, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** How long this machine takes to start a bare node process, for reading the cold-start figure. */
function timeNodeBaseline(): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ["-e", "0"], { stdio: "ignore" });
    child.on("error", reject);
    child.on("close", () => resolve(performance.now() - started));
  });
}

// `node --import tsx test/bench/mcp.ts` runs this bench alone.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = await benchMcp();
  console.log(JSON.stringify(out, null, 2));
}
