// A child process for the multi-process test: opens the app on a shared database file, authenticates
// one agent, waits for "go" on stdin, then fires create_booking calls at random overlapping slots of
// one owner, one after another with a short random pause. Prints one JSON line per result on stdout; never exits non-zero for a verdict or error.
//
//   node --import tsx test/helpers/booking-worker.ts <dbPath> <agentKey> <seed> <count> [nowIso] [ownerEmail]
//
// With agentKey "-" it only opens (creating and migrating) the ledger, prints {"opened":true} and exits.
// Lines: {"ready":true} once open; then per call {"i","verdict","reason_code","booking_id","start",
// "end","decision_id"} or {"i","error","code","message"}; finally {"done":true,"ms"}.
import { createInterface } from "node:readline";
import pino from "pino";
import { configFromEnv, createApp } from "../../src/compose.js";
import { OpenavailError } from "../../src/service/errors.js";
import { executeTool } from "../../tools/execute-tool.js";
import { findTool } from "../../tools/index.js";
import { prng } from "./prng.js";

const MINUTE = 60_000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function line(value: object): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

function waitForGo(): Promise<void> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin });
    rl.on("line", (text) => {
      if (text.trim() === "go") {
        rl.close();
        resolve();
      }
    });
  });
}

async function main(): Promise<void> {
  const [dbPath, agentKey, seedArg, countArg, nowIso = "2026-03-02T12:00:00Z", owner = "ceo@example.com"] =
    process.argv.slice(2);
  if (!dbPath || !agentKey || !seedArg || !countArg) {
    process.stderr.write(
      "usage: booking-worker.ts <dbPath> <agentKey> <seed> <count> [nowIso] [ownerEmail]\n",
    );
    process.exitCode = 2;
    return;
  }
  const now = Date.parse(nowIso);
  const app = await createApp(
    configFromEnv({}, { dbPath, now: () => now, logLevel: "silent" }),
    pino({ level: "silent" }),
  );
  // Open-only mode: the multi-process test's first-start race just needs the ledger opened.
  if (agentKey === "-") {
    line({ opened: true, pid: process.pid });
    await app.close();
    return;
  }
  const tool = findTool("create_booking")!;
  const rand = prng(Number(seedArg));
  const caller = await app.authenticate(agentKey);
  // Tue 2026-03-03 09:00 EST: 32 quarter-hour starts until 17:00 EST, 15-60 minutes long.
  const open = Date.parse("2026-03-03T14:00:00Z");
  const requests = Array.from({ length: Number(countArg) }, () => {
    const start = open + Math.floor(rand() * 30) * 15 * MINUTE;
    return { start, end: start + 15 * (1 + Math.floor(rand() * 4)) * MINUTE };
  });
  line({ ready: true, pid: process.pid });
  await waitForGo();
  const started = performance.now();
  // One call at a time with a short random pause, like an agent runtime: SQLite's lock is not fair,
  // and a process with a queue of transactions would otherwise re-take it before the others wake.
  for (const [i, r] of requests.entries()) {
    const start = new Date(r.start).toISOString();
    const end = new Date(r.end).toISOString();
    try {
      const res = await executeTool(app.service, tool, caller, {
        owner_email: owner,
        start,
        end,
        title: `worker ${process.pid} #${i}`,
      });
      const body = JSON.parse(res.json);
      line({
        i,
        verdict: body.verdict,
        reason_code: body.reason_code,
        booking_id: body.booking?.booking_id ?? null,
        start,
        end,
        decision_id: body.decision_id,
      });
    } catch (err) {
      const e = err as { code?: string; message?: string };
      line({
        i,
        error: err instanceof OpenavailError ? err.type : "exception",
        code: e.code ?? null,
        message: String(e.message ?? err),
        start,
        end,
      });
    }
    await sleep(rand() * 3);
  }
  line({ done: true, ms: Math.round(performance.now() - started) });
  await app.close();
}

await main();
