// Scenario: crash safety. A child `openavail serve` under the concurrency load (plus `openavail mcp`
// processes on the same file, which keep running) is SIGKILLed at random moments from a seeded PRNG.
// After each restart on the same database the load pauses, and with nothing in flight the checker
// runs in full: no overlaps, every Accept/Preempt a client saw acknowledged is in the ledger
// (synchronous=FULL, the default), every decision row was seen or its response was lost.
import { DEFAULT_POLICY_PATH } from "../../src/compose.js";
import { loadPolicyFile } from "../../src/service/policy.js";
import { prng } from "../helpers/prng.js";
import { type CliEntry, sleep, type Violation } from "./common.js";
import { driversFor, loggedErrors, transportsFor } from "./concurrency.js";
import { buildFixture } from "./fixture.js";
import { checkLedger } from "./invariants.js";
import { type AgentRuntime, CallLog, runLoad } from "./load.js";
import { type ScenarioResult, scenarioResult } from "./report.js";
import { openCheckerLedger, type ServeChild, spawnServe } from "./servers.js";

export interface CrashOptions {
  /** Rough total seconds of load; the up-time between kills is drawn around seconds / kills. */
  readonly seconds: number;
  readonly kills: number;
  readonly agents: number;
  readonly stdio: number;
  readonly seed: number;
  readonly entry: CliEntry;
  readonly progress?: (line: string) => void;
}

export async function crashScenario(o: CrashOptions): Promise<ScenarioResult> {
  const name = "crash";
  const started = Date.now();
  const say = o.progress ?? (() => {});
  const rand = prng(o.seed ^ 0x5eed);
  const fixture = await buildFixture({ transports: transportsFor(o.agents, o.stdio), seed: o.seed + 1 });
  const log = new CallLog(name);
  const ledger = await openCheckerLedger(fixture.dbPath);
  const policy = loadPolicyFile(DEFAULT_POLICY_PATH);
  const violations: Violation[] = [];
  let agents: AgentRuntime[] = [];
  let server: ServeChild | undefined;
  let url = "";
  let stop = false;
  let paused = false;
  let kills = 0;
  let checks = 0;
  const stderrs: string[] = [];
  const killTimes: number[] = [];
  const check = async (label: string) => {
    paused = true;
    const idle = await log.drain(30_000);
    if (!idle)
      violations.push({
        scenario: name,
        invariant: "drain",
        detail: `${label}: calls still in flight after 30 s`,
      });
    const summary = await checkLedger({
      scenario: name,
      db: ledger.db,
      now: Date.now(),
      records: log.records,
      policy,
      final: idle,
    });
    checks++;
    for (const v of summary.violations) violations.push({ ...v, detail: `${label}: ${v.detail}` });
    paused = false;
    return summary;
  };
  let load: Promise<void> | undefined;
  try {
    server = await spawnServe(o.entry, fixture.dbPath);
    url = server.url;
    agents = await driversFor(fixture, () => url, o.entry);
    const meanUp = Math.max(600, (o.seconds * 1000) / Math.max(1, o.kills));
    say(
      `crash: ${o.kills} SIGKILLs of serve (${o.entry.kind}) under ${agents.length} agents, ~${Math.round(meanUp)} ms up each`,
    );
    load = runLoad(agents, {
      fixture,
      log,
      seed: o.seed + 2,
      stop: () => stop,
      paused: () => paused,
      pauseMs: 15,
      idempotencyRate: 0.5,
      replayRate: 0.2,
      retryLost: true,
    });
    let before = 0;
    for (let k = 0; k < o.kills; k++) {
      // A random moment: anywhere from a quick kill right after start-up to about twice the mean.
      await sleep(Math.round(100 + rand() * (2 * meanUp - 100)));
      await server.kill();
      killTimes.push(Date.now() - started);
      kills++;
      stderrs.push(server.stderr());
      server = await spawnServe(o.entry, fixture.dbPath);
      url = server.url;
      const health = await fetch(`${url}/healthz`)
        .then((r) => r.status)
        .catch(() => 0);
      if (health !== 200)
        violations.push({
          scenario: name,
          invariant: "healthz",
          detail: `after kill ${k + 1}: /healthz ${health}`,
        });
      const s = await check(`after kill ${k + 1}`);
      const since = before;
      before = log.records.length;
      say(
        `  kill ${k + 1}/${o.kills}: ${before - since} calls since the last kill, ${s.stats.decisions} decisions, ${s.stats.acknowledged} acknowledged, ${log.records.filter((r) => r.outcome.kind === "lost").length} lost so far`,
      );
    }
    await sleep(500);
  } finally {
    stop = true;
    await load?.catch((err) => violations.push({ scenario: name, invariant: "load", detail: String(err) }));
    for (const a of agents) {
      const session = (a.driver as { session?: { stderr(): string } }).session;
      if (session)
        violations.push(...loggedErrors(session.stderr(), `openavail mcp (${a.spec.agentId})`, name));
    }
    await Promise.all(agents.map((a) => a.driver.close().catch(() => undefined)));
    if (server) {
      await server.stop();
      stderrs.push(server.stderr());
    }
  }
  try {
    const final = await checkLedger({
      scenario: name,
      db: ledger.db,
      now: Date.now(),
      records: log.records,
      policy,
      final: true,
    });
    checks++;
    violations.push(...final.violations.map((v) => ({ ...v, detail: `final: ${v.detail}` })));
    for (const [i, text] of stderrs.entries())
      violations.push(...loggedErrors(text, `openavail serve #${i + 1}`, name));
    return scenarioResult(name, started, log.records, {
      killsSurvived: kills,
      checks,
      violations: [...log.violations, ...violations],
      extra: {
        server: `child (${o.entry.kind}), SIGKILL at ${killTimes.map((t) => (t / 1000).toFixed(1)).join(", ")} s`,
        ledger: final.stats,
        sameKeyResends: log.records.filter(
          (r, i, all) =>
            r.idempotencyKey &&
            all.findIndex((x) => x.idempotencyKey === r.idempotencyKey && x.agentId === r.agentId) !== i,
        ).length,
        // Committed before the kill, answer lost with it, and recovered by resending the same key.
        committedButLost: log.records.filter(
          (r) =>
            r.outcome.kind === "ok" &&
            r.outcome.replayed &&
            log.records.some(
              (x) =>
                x.seq < r.seq &&
                x.agentId === r.agentId &&
                x.idempotencyKey === r.idempotencyKey &&
                x.outcome.kind === "lost",
            ),
        ).length,
      },
    });
  } finally {
    await ledger.close();
    fixture.remove();
  }
}
