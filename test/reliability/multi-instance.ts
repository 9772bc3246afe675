// Scenario: several `openavail serve` instances on one PostgreSQL ledger (DESIGN.md section 10). Agents
// over REST and MCP Streamable HTTP are spread over the instances, as behind a load balancer, and race
// on five owners; once the load is under way one instance is SIGKILLed and its agents move to the
// others, resending lost keyed writes with the same key. Then, with nothing in flight, the checker
// runs in full: no overlaps, every acknowledged Accept/Preempt in the ledger, every decision row seen
// or its answer lost.
import { DEFAULT_POLICY_PATH } from "../../src/compose.js";
import { loadPolicyFile } from "../../src/service/policy.js";
import type { CliEntry, Violation } from "./common.js";
import { loggedErrors, transportsFor } from "./concurrency.js";
import { mcpHttpDriver, restDriver } from "./drivers.js";
import { buildFixture } from "./fixture.js";
import { checkLedger } from "./invariants.js";
import { type AgentRuntime, CallLog, runLoad, stopAfter } from "./load.js";
import { type ScenarioResult, scenarioResult } from "./report.js";
import { openCheckerLedger, type ServeChild, spawnServe } from "./servers.js";

export interface MultiInstanceOptions {
  /** An empty PostgreSQL database the instances share (the fixture is built on it). */
  readonly databaseUrl: string;
  readonly instances: number;
  /** Agents over REST and MCP HTTP (alternating), agent i on instance i mod `instances`. */
  readonly agents: number;
  readonly seconds: number;
  /** Calls to make at the least: the load goes on past `seconds` (see `stopAfter`) until it has. */
  readonly minRequests: number;
  /** The instance killed (SIGKILL) once this many calls have been answered or lost. */
  readonly killAfterCalls: number;
  readonly seed: number;
  readonly entry: CliEntry;
  readonly progress?: (line: string) => void;
}

export async function multiInstanceScenario(o: MultiInstanceOptions): Promise<ScenarioResult> {
  const name = "multi-instance";
  const started = Date.now();
  const say = o.progress ?? (() => {});
  const fixture = await buildFixture({
    transports: transportsFor(o.agents, 0),
    seed: o.seed,
    databaseUrl: o.databaseUrl,
    moreOwners: true,
  });
  const log = new CallLog(name);
  const ledger = await openCheckerLedger(fixture.dbPath, o.databaseUrl);
  const violations: Violation[] = [];
  const servers: ServeChild[] = [];
  let agents: AgentRuntime[] = [];
  let killed: Promise<void> | undefined;
  let killedAt = -1;
  let stats: Record<string, unknown> = {};
  try {
    for (let i = 0; i < o.instances; i++)
      servers.push(await spawnServe(o.entry, fixture.dbPath, 30_000, o.databaseUrl));
    const alive = servers.map(() => true);
    // A load balancer's view: an agent's own instance while it is up, else the next one that is.
    const urlFor = (i: number) => () => {
      for (let k = 0; k < servers.length; k++) {
        const s = (i + k) % servers.length;
        if (alive[s]) return servers[s]!.url;
      }
      return servers[0]!.url;
    };
    agents = fixture.agents.map((spec, i) => ({
      spec,
      driver:
        spec.transport === "rest" ? restDriver(urlFor(i), spec.key) : mcpHttpDriver(urlFor(i), spec.key),
    }));
    say(
      `multi-instance: ${agents.length} agents on ${servers.length} serve instances, ${fixture.owners.length} owners, one PostgreSQL ledger`,
    );
    const enough = stopAfter(o.seconds, () => log.records.length >= o.minRequests);
    const victim = servers.length - 1;
    await runLoad(agents, {
      fixture,
      log,
      seed: o.seed,
      // Asked before every call: the moment the load has made enough calls, the kill happens.
      stop: () => {
        if (!killed && log.records.length >= o.killAfterCalls) {
          killedAt = log.records.length;
          alive[victim] = false;
          killed = servers[victim]!.kill();
        }
        return enough();
      },
      pauseMs: 15,
      idempotencyRate: 0.5,
      replayRate: 0.2,
      retryLost: true,
    });
    await killed;
    if (!killed)
      violations.push({ scenario: name, invariant: "kill", detail: "the load ended before the kill" });
    for (const [i, s] of servers.entries()) {
      if (!alive[i]) continue;
      const health = await fetch(`${s.url}/healthz`)
        .then((r) => r.status)
        .catch(() => 0);
      if (health !== 200)
        violations.push({
          scenario: name,
          invariant: "healthz",
          detail: `instance ${i + 1}: /healthz ${health}`,
        });
    }
    const summary = await checkLedger({
      scenario: name,
      db: ledger.db,
      now: Date.now(),
      records: log.records,
      policy: loadPolicyFile(DEFAULT_POLICY_PATH),
      final: true,
    });
    violations.push(...summary.violations);
    stats = summary.stats;
  } finally {
    await Promise.all(agents.map((a) => a.driver.close().catch(() => undefined)));
    for (const [i, s] of servers.entries()) {
      await s.stop();
      violations.push(...loggedErrors(s.stderr(), `openavail serve #${i + 1}`, name));
    }
    await ledger.close();
    fixture.remove();
  }
  return scenarioResult(name, started, log.records, {
    checks: 1,
    killsSurvived: killedAt >= 0 ? 1 : 0,
    violations: [...log.violations, ...violations],
    extra: {
      server: `${servers.length} children (${o.entry.kind}) on PostgreSQL, one SIGKILLed after ${killedAt} calls`,
      ledger: stats,
    },
  });
}
