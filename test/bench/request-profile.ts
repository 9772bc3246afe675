// Where one request's server time goes (issue 23): a REST create_booking, a REST get_free_busy over a
// week with 50 bookings, and an MCP tools/call (get_free_busy), each served in this process while a
// client process sends them. V8's sampling profiler attributes every sample of the server's thread to
// the phase of the nearest frame that names one (phases below), and the shares are scaled to that
// thread's busy time per request (its event loop's utilization) measured without the profiler in the
// same run; the process's CPU per request (every thread: checkpoints, off-loop fsyncs) is beside it.
// One client sending one request at a time gives the round trip; what it spends beyond the serving
// thread's busy time is waiting: the commit's fsync off the loop, the socket, the client.
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { toInstant } from "../../schemas/time.js";
import { seededApp } from "./built.js";
import { RAW_HTTP_CLIENT_SOURCE } from "./raw-http-client.js";

const OWNER = "profile@bench.example";
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Unmeasured requests first, per kind: the server's JIT, caches and group sizes settle. */
const WARMUP = 2_000;
/** Measured requests per kind and load: long enough that a run is not dominated by its edges. */
const MEASURED = Number(process.env["PROFILE_REQUESTS"] ?? 5_000);
/** Requests sent one at a time, for the round trip. */
const SEQUENTIAL = 300;
/** Concurrent clients; `PROFILE_CLIENTS=50` profiles the saturated server the REST bench measures. */
const CLIENTS = Number(process.env["PROFILE_CLIENTS"] ?? 4);
/** `PROFILE_TOP=N` also prints the N functions with the most self time, to find what to cut. */
const TOP = Number(process.env["PROFILE_TOP"] ?? 0);

/** Phases, by the source of a frame; a sample goes to the phase of its nearest frame that has one. */
const PHASES: readonly [string, RegExp][] = [
  ["log", /\/node_modules\/(pino|sonic-boom|thread-stream)\//],
  [
    "parse",
    /\/src\/transports\/(rest\/json-body|rest\/query-params|mcp\/(raw-arguments|batch-rules|direct-tool-call|modern-direct|era))\.[jt]s/,
  ],
  [
    "authenticate",
    /\/src\/(service\/(authenticate|rate-limiter|api-keys|oauth\/access-tokens)|transports\/rest\/agent-auth)\.[jt]s|request-guards\.[jt]s/,
  ],
  [
    "validate",
    /\/node_modules\/zod\/|\/src\/service\/(well-formed-text|field-names)\.[jt]s|\/tools\/execute-tool\.[jt]s/,
  ],
  ["arbitrate", /\/src\/core\//],
  ["transaction (begin, commit)", /\/src\/ledger\/(group-commit|transaction|wal-flush)\.[jt]s/],
  ["snapshot", /\/src\/ledger\/|\/node_modules\/(kysely|better-sqlite3)\//],
  ["serialize", /\/src\/(service\/(present|presenter)|transports\/rest\/respond)\.[jt]s|tool-list\.[jt]s/],
  ["mcp sdk", /\/node_modules\/@modelcontextprotocol\//],
  [
    "http",
    /\/node_modules\/(hono|@hono)\/|^node:(_http|http|net|stream|internal\/(http|stream|streams))|\/src\/transports\/http\//,
  ],
  ["service (other)", /\/src\/service\/|\/tools\//],
];
/** Frames that only pass statements on: the phase is their caller's (a read, or the commit). */
const NEUTRAL = /\/src\/ledger\/prepared-query\.[jt]s/;

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly url: string; readonly functionName: string };
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** The `n` functions with the most self time, as shares of the busy samples. */
function topFunctions(profile: Profile, n: number): [string, number][] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const c of node.children ?? []) parent.set(c, node.id);
  const frame = (id: number) => {
    const { url, functionName } = byId.get(id)!.callFrame;
    return `${functionName || "(anonymous)"} ${url.replace(/^.*\/(node_modules|src)\//, "$1/")}`.trim();
  };
  const time = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const { url, functionName } = byId.get(id)!.callFrame;
    if (functionName === "(idle)" || functionName === "(program)") return;
    // A native function is named with its caller, which says what it did.
    const up = parent.get(id);
    const name = url || up === undefined ? frame(id) : `${frame(id)} < ${frame(up)}`;
    const dt = profile.timeDeltas[i] ?? 0;
    busy += dt;
    time.set(name, (time.get(name) ?? 0) + dt);
  });
  return [...time]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => [k, v / busy]);
}

/** Per phase, the share of the profiled thread's busy samples (idle and GC counted apart). */
function phaseShares(profile: Profile): Record<string, number> {
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const phaseOf = new Map<number, string>();
  const resolve = (id: number): string => {
    const known = phaseOf.get(id);
    if (known) return known;
    const node = byId.get(id)!;
    const { url, functionName } = node.callFrame;
    let phase: string | undefined;
    if (functionName === "(idle)" || functionName === "(program)") phase = "(idle)";
    // SQLite's own fsync at COMMIT (a group of one) blocks the event loop: waiting, not work.
    else if (functionName === "fdatasync" || functionName === "fsync") phase = "fsync wait (on the loop)";
    else if (functionName === "(garbage collector)") phase = "gc";
    else if (!NEUTRAL.test(url)) phase = PHASES.find(([, re]) => re.test(url))?.[0];
    if (!phase) {
      const up = parent.get(id);
      phase = up === undefined ? "other" : resolve(up);
    }
    phaseOf.set(id, phase);
    return phase;
  };
  const time = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const phase = resolve(id);
    time.set(phase, (time.get(phase) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  time.delete("(idle)");
  const busy = [...time.values()].reduce((a, b) => a + b, 0);
  return Object.fromEntries([...time].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, v / busy]));
}

// The client runs in its own process, so the server process's CPU time is the server's alone. It opens
// its connections and sends its warm-up requests, says "ready" and waits for "go" on stdin: only the
// requests after that are measured, so neither the client's start (a new Node process) nor its
// connections nor the server's JIT warm-up are charged to them.
const CLIENT_SOURCE = `
${RAW_HTTP_CLIENT_SOURCE}
const d = JSON.parse(process.argv[1]);
const say = (message) => process.stdout.write(JSON.stringify(message) + "\\n");
const url = new URL(d.url);
let next = 0;
const make = (i) => {
  const auth = { Authorization: "Bearer " + d.key, "Content-Type": "application/json" };
  if (d.kind === "rest_create_booking") {
    const start = new Date(d.firstSlot + i * 900000).toISOString();
    return ["POST", "/v1/bookings", auth, JSON.stringify({ owner_email: d.owner, start, duration_minutes: 15, title: "Profiled" })];
  }
  if (d.kind === "rest_get_free_busy") {
    return ["GET", "/v1/owners/" + encodeURIComponent(d.owner) + "/freebusy?start=" + d.weekStart + "&end=" + d.weekEnd, auth, ""];
  }
  const body = JSON.stringify({ jsonrpc: "2.0", id: i, method: "tools/call", params: { name: "get_free_busy",
    arguments: { owner_email: d.owner, window: { start: d.weekStart, end: d.weekEnd } } } });
  return ["POST", "/mcp", { ...auth, Accept: "application/json, text/event-stream", "MCP-Protocol-Version": "2025-06-18" }, body];
};
const latencies = [];
let errors = 0;
const send = (connections, count, measured) => {
  let sent = 0;
  return Promise.all(connections.map(async (c) => {
    while (sent < count) {
      sent++;
      const i = d.offset + next++;
      const started = performance.now();
      const reply = await c.request(...make(i));
      if (measured) latencies.push(performance.now() - started);
      if (reply.status !== 200 || reply.body.includes('"isError":true') || reply.body.includes('"verdict":"Reject"')) errors++;
    }
  }));
};
(async () => {
  const connections = Array.from({ length: d.clients }, () => openConnection(url));
  await send(connections, d.warmup, false);
  say({ ready: true });
  await new Promise((resolve) => process.stdin.once("data", resolve));
  await send(connections, d.count, true);
  say({ latencies, errors });
  for (const c of connections) c.close();
  process.stdin.destroy();
})();
`;

type Kind = "rest_create_booking" | "rest_get_free_busy" | "mcp_tools_call";

export async function benchRequestProfile(): Promise<Record<string, unknown>> {
  const { built, app, key, dir, now } = await seededApp({ owners: [OWNER], agent: "profiled" });
  const weekStart = Math.floor(now / DAY) * DAY + 7 * DAY;
  // 50 bookings in the week the reads cover; the profiled bookings go after it.
  let offset = 0;
  const firstSlot = weekStart + 8 * DAY;
  const server = await built.startHttpServer(app, {
    mountExtra: (hono) => {
      const mount = built.mountMcpHttp(hono, app, { allowedOrigins: [] });
      return () => mount.close();
    },
  });
  const session = new Session();
  session.connect();
  /**
   * `count` requests of `kind` from `clients` connections after `warmup` unmeasured ones; the server's
   * busy time and CPU (and, with `profile`, its CPU profile) cover the measured requests only.
   */
  const send = async (
    kind: Kind,
    count: number,
    clients: number,
    options: { warmup?: number; seed?: { owner: string; slot: number }; profile?: boolean } = {},
  ) => {
    const warmup = options.warmup ?? 0;
    const data = {
      url: server.url,
      key,
      kind,
      count,
      warmup,
      clients,
      offset,
      owner: OWNER,
      firstSlot: options.seed?.slot ?? firstSlot,
      weekStart: toInstant(weekStart),
      weekEnd: toInstant(weekStart + 7 * DAY),
    };
    if (kind === "rest_create_booking") offset += warmup + count;
    const child = spawn(process.execPath, ["-e", CLIENT_SOURCE, JSON.stringify(data)], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    const closed = new Promise((resolve) => child.once("close", resolve));
    let elu0 = performance.eventLoopUtilization();
    let cpu0 = process.cpuUsage();
    for await (const line of createInterface({ input: child.stdout })) {
      const message = JSON.parse(line) as { ready?: true; latencies?: number[]; errors?: number };
      if (message.ready) {
        if (options.profile) {
          await session.post("Profiler.enable");
          await session.post("Profiler.setSamplingInterval", { interval: 50 });
          await session.post("Profiler.start");
        }
        elu0 = performance.eventLoopUtilization();
        cpu0 = process.cpuUsage();
        child.stdin.end("go\n");
        continue;
      }
      const elu = performance.eventLoopUtilization(elu0);
      const cpu = process.cpuUsage(cpu0);
      const profile = options.profile
        ? ((await session.post("Profiler.stop")) as unknown as { profile: Profile }).profile
        : undefined;
      if (options.profile) await session.post("Profiler.disable");
      await closed;
      return {
        latencies: message.latencies ?? [],
        errors: message.errors ?? 0,
        busyMs: elu.active,
        serverCpuMs: (cpu.user + cpu.system) / 1000,
        profile,
      };
    }
    throw new Error(`the ${kind} client ended without its results`);
  };
  try {
    // The week's 50 bookings, 45 minutes apart on weekdays' mornings, through the API itself.
    await send("rest_create_booking", 50, 1, { seed: { owner: OWNER, slot: weekStart + 9 * HOUR } });
    offset = 0;
    const results: Record<string, unknown> = {};
    for (const kind of ["rest_create_booking", "rest_get_free_busy", "mcp_tools_call"] as const) {
      const plain = await send(kind, MEASURED, CLIENTS, { warmup: WARMUP });
      const cpuPerRequest = plain.serverCpuMs / MEASURED;
      // The profile samples the serving thread's wall time, blocked calls included: its shares are
      // of the time that thread was busy, which the event loop's utilization measures.
      const busyPerRequest = plain.busyMs / MEASURED;
      const profiled = await send(kind, MEASURED, CLIENTS, { warmup: CLIENTS, profile: true });
      const profile = profiled.profile!;
      const sequential = await send(kind, SEQUENTIAL, 1, { warmup: 20 });
      const sequentialBusy = sequential.busyMs / SEQUENTIAL;
      const sorted = [...sequential.latencies].sort((a, b) => a - b);
      const p50 = sorted[Math.floor(sorted.length / 2)]!;
      const shares = phaseShares(profile);
      for (const [name, share] of topFunctions(profile, TOP))
        console.log(`  ${(share * 100).toFixed(1).padStart(5)}% ${name}`);
      const us = (n: number) => Math.round(n * 1000);
      results[kind] = {
        server_cpu_us_per_request: us(cpuPerRequest),
        event_loop_busy_us_per_request: us(busyPerRequest),
        phases_us: Object.fromEntries(Object.entries(shares).map(([k, v]) => [k, us(v * busyPerRequest)])),
        phases_share: Object.fromEntries(
          Object.entries(shares).map(([k, v]) => [k, Math.round(v * 1000) / 10]),
        ),
        sequential_round_trip_p50_us: us(p50),
        sequential_busy_us_per_request: us(sequentialBusy),
        waiting_us: us(Math.max(0, p50 - sequentialBusy)),
        errors: plain.errors + profiled.errors + sequential.errors,
      };
      const line = Object.entries(shares)
        .map(([k, v]) => `${k} ${us(v * busyPerRequest)}`)
        .join(", ");
      console.log(
        `${kind}: ${us(cpuPerRequest)} µs process CPU per request; the serving thread busy ${us(busyPerRequest)} µs: ${line}; one at a time p50 ${us(p50)} µs, the thread busy ${us(sequentialBusy)} µs of it, waiting ${us(Math.max(0, p50 - sequentialBusy))} µs (fsync off the loop, socket, client)`,
      );
    }
    return { results, requests_per_kind: MEASURED, clients: CLIENTS, sampling_interval_us: 50 };
  } finally {
    session.disconnect();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(await benchRequestProfile(), null, 2));
}
