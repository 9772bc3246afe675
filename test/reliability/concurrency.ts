// Scenario: concurrency. N agents over REST and MCP Streamable HTTP against one started server, plus
// `openavail mcp` stdio processes on the same database file, fire overlapping holds, bookings,
// reschedules, cancels and preemptions at three owners for a bounded time; then the checker runs.

import { DEFAULT_POLICY_PATH } from "../../src/compose.js";
import { loadPolicyFile } from "../../src/service/policy.js";
import type { CliEntry, TransportName, Violation } from "./common.js";
import { type Driver, mcpHttpDriver, restDriver, stdioDriver } from "./drivers.js";
import { buildFixture, type Fixture } from "./fixture.js";
import { checkLedger } from "./invariants.js";
import { type AgentRuntime, CallLog, runLoad, stopAfter } from "./load.js";
import { type ScenarioResult, scenarioResult } from "./report.js";
import {
  type InProcessServer,
  openCheckerLedger,
  type ServeChild,
  spawnServe,
  startInProcess,
} from "./servers.js";

export interface ConcurrencyOptions {
  readonly seconds: number;
  /** Calls to make at the least: the load goes on past `seconds` (see `stopAfter`) until it has. */
  readonly minRequests?: number;
  /** Agents over REST and MCP Streamable HTTP (alternating). */
  readonly agents: number;
  /** `openavail mcp` processes, one agent each. */
  readonly stdio: number;
  readonly seed: number;
  readonly server: "in-process" | "child";
  readonly entry: CliEntry;
  readonly progress?: (line: string) => void;
}

/** Agents' transports: REST and MCP over HTTP alternating, then the stdio ones. */
export function transportsFor(agents: number, stdio: number): TransportName[] {
  return [
    ...Array.from({ length: agents }, (_, i): TransportName => (i % 2 === 0 ? "rest" : "mcp-http")),
    ...Array.from({ length: stdio }, (): TransportName => "mcp-stdio"),
  ];
}

/** Drivers for the fixture's agents, against the server at `url()`. */
export async function driversFor(
  fixture: Fixture,
  url: () => string,
  entry: CliEntry,
): Promise<AgentRuntime[]> {
  return Promise.all(
    fixture.agents.map(async (spec): Promise<AgentRuntime> => {
      let driver: Driver;
      if (spec.transport === "rest") driver = restDriver(url, spec.key);
      else if (spec.transport === "mcp-http") driver = mcpHttpDriver(url, spec.key);
      else driver = await stdioDriver(entry.args("mcp"), spec.key, fixture.dbPath);
      return { spec, driver };
    }),
  );
}

/** pino lines at error level or above in a process's stderr: an internal failure the client may not see. */
export function loggedErrors(stderr: string, who: string, scenario: string): Violation[] {
  const out: Violation[] = [];
  for (const line of stderr.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      const entry = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } };
      if ((entry.level ?? 0) >= 50) {
        out.push({
          scenario,
          invariant: "no-error-logged",
          detail: `${who}: ${entry.msg} ${entry.err?.message ?? ""}`.slice(0, 400),
        });
      }
    } catch {
      // not a log line
    }
  }
  return out;
}

export async function concurrencyScenario(o: ConcurrencyOptions): Promise<ScenarioResult> {
  const name = "concurrency";
  const started = Date.now();
  const say = o.progress ?? (() => {});
  const fixture = await buildFixture({ transports: transportsFor(o.agents, o.stdio), seed: o.seed });
  const log = new CallLog(name);
  let inProcess: InProcessServer | undefined;
  let child: ServeChild | undefined;
  let agents: AgentRuntime[] = [];
  const ledger = await openCheckerLedger(fixture.dbPath);
  const violations: Violation[] = [];
  let checks = 0;
  let stats: Record<string, unknown> = {};
  try {
    if (o.server === "in-process") inProcess = await startInProcess(fixture.dbPath);
    else child = await spawnServe(o.entry, fixture.dbPath);
    const url = inProcess?.url ?? child!.url;
    const protoKeys = Object.getOwnPropertyNames(Object.prototype).length;
    agents = await driversFor(fixture, () => url, o.entry);
    say(
      `concurrency: ${agents.length} agents (${o.agents} REST/MCP HTTP, ${o.stdio} stdio) for ${o.seconds} s on ${url}`,
    );
    await runLoad(agents, {
      fixture,
      log,
      seed: o.seed,
      stop: stopAfter(o.seconds, () => log.records.length >= (o.minRequests ?? 0)),
      pauseMs: 15,
      idempotencyRate: 0.3,
      replayRate: 0.3,
      retryLost: false,
    });
    if (inProcess && Object.getOwnPropertyNames(Object.prototype).length !== protoKeys) {
      violations.push({
        scenario: name,
        invariant: "prototype-unpolluted",
        detail: "Object.prototype gained keys",
      });
    }
    const health = await fetch(`${url}/healthz`)
      .then((r) => r.status)
      .catch(() => 0);
    if (health !== 200)
      violations.push({ scenario: name, invariant: "healthz", detail: `/healthz answered ${health}` });
    const summary = await checkLedger({
      scenario: name,
      db: ledger.db,
      now: Date.now(),
      records: log.records,
      policy: loadPolicyFile(DEFAULT_POLICY_PATH),
      final: true,
    });
    checks++;
    violations.push(...summary.violations);
    stats = summary.stats;
  } finally {
    for (const a of agents) {
      if (a.driver.transport === "mcp-stdio") {
        const session = (a.driver as Driver & { session?: { stderr(): string } }).session;
        if (session)
          violations.push(...loggedErrors(session.stderr(), `openavail mcp (${a.spec.agentId})`, name));
      }
    }
    await Promise.all(agents.map((a) => a.driver.close().catch(() => undefined)));
    await inProcess?.close();
    if (child) {
      await child.stop();
      violations.push(...loggedErrors(child.stderr(), "openavail serve", name));
      const { code } = await child.exited;
      if (code !== 0)
        violations.push({
          scenario: name,
          invariant: "clean-shutdown",
          detail: `serve exited ${code} on SIGTERM`,
        });
    }
    await ledger.close();
    fixture.remove();
  }
  return scenarioResult(name, started, log.records, {
    checks,
    violations: [...log.violations, ...violations],
    extra: { server: o.server === "in-process" ? "in-process" : `child (${o.entry.kind})`, ledger: stats },
  });
}
