// `npm run test:reliability`: every reliability scenario with bounded durations, a report on stdout,
// the same as JSON in reports/reliability.json, and exit code 1 on any violation.
//
//   RELIABILITY_SECONDS   seconds of load per scenario (default 20)
//   RELIABILITY_KILLS     SIGKILLs of the serve process in the crash scenario (default 10)
//   RELIABILITY_AGENTS    agents over REST and MCP Streamable HTTP (default 20)
//   RELIABILITY_STDIO     `openavail mcp` processes beside them (default 4)
//   RELIABILITY_HOSTILE_RUNS  generated hostile inputs per tool and transport (default 120)
//   RELIABILITY_HUGE_BODIES   10 MB bodies per transport (default 3)
//   RELIABILITY_SEED      seed of every PRNG (default 20260301)
//   RELIABILITY_SCENARIOS comma list to run a subset: checker,concurrency,crash,hostile,auth,multi-instance
//                         (multi-instance: 3 serve instances on a PostgreSQL server it starts itself)
//   RELIABILITY_ENTRY     bundle | tsx: how to start `openavail` (default: the bundle when built)
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startPostgresCluster } from "../helpers/postgres-cluster.js";
import { withAdmin } from "../helpers/postgres-database.js";
import { authScenario } from "./auth.js";
import { cliEntry, REPO, settingsFromEnv } from "./common.js";
import { concurrencyScenario } from "./concurrency.js";
import { crashScenario } from "./crash.js";
import { hostileScenario } from "./hostile.js";
import { multiInstanceScenario } from "./multi-instance.js";
import { buildReport, formatReport, type ScenarioResult, scenarioResult } from "./report.js";
import { checkerSelfTest } from "./selftest.js";

const settings = settingsFromEnv();
const entry = cliEntry();
const startedAt = new Date();
const progress = (line: string) => process.stderr.write(`${line}\n`);
const wanted = new Set(
  (process.env.RELIABILITY_SCENARIOS ?? "checker,concurrency,crash,hostile,auth,multi-instance")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean),
);

progress(
  `reliability: ${[...wanted].join(", ")}; ${settings.seconds} s per scenario, ${settings.kills} kills, ${settings.agents} agents + ${settings.stdioProcesses} stdio, seed ${settings.seed}; openavail from the ${entry.kind === "bundle" ? "built bundle (dist/cli/main.js)" : "sources (tsx)"}`,
);
if (entry.staleWarning) progress(`warning: ${entry.staleWarning}`);

const runs: [string, () => Promise<ScenarioResult>][] = [
  ["checker", () => checkerSelfTest({ seconds: 3, seed: settings.seed })],
  [
    "concurrency",
    () =>
      concurrencyScenario({
        seconds: settings.seconds,
        agents: settings.agents,
        stdio: settings.stdioProcesses,
        seed: settings.seed,
        server: "child",
        entry,
        progress,
      }),
  ],
  [
    "crash",
    () =>
      crashScenario({
        seconds: settings.seconds,
        kills: settings.kills,
        agents: settings.agents,
        stdio: Math.min(2, settings.stdioProcesses),
        seed: settings.seed,
        entry,
        progress,
      }),
  ],
  [
    "hostile",
    () =>
      hostileScenario({
        runsPerTool: settings.hostileRuns,
        stdioRunsPerTool: Math.max(1, Math.round(settings.hostileRuns / 8)),
        hugeBodies: settings.hugeBodies,
        seed: settings.seed,
        entry,
        oversizedStdio: true,
        progress,
      }),
  ],
  ["auth", () => authScenario({ timingSamples: 200, progress })],
  [
    "multi-instance",
    async () => {
      // Durable, as a deployment would run it: acknowledged means committed and fsynced.
      const cluster = await startPostgresCluster({ durable: true });
      try {
        await withAdmin(cluster.url(), (c) => c.query("CREATE DATABASE reliability"));
        return await multiInstanceScenario({
          databaseUrl: cluster.url("reliability"),
          instances: 3,
          agents: Math.max(60, settings.agents),
          seconds: settings.seconds,
          minRequests: 1_000,
          killAfterCalls: 400,
          seed: settings.seed,
          entry,
          progress,
        });
      } finally {
        await cluster.stop();
      }
    },
  ],
];

const results: ScenarioResult[] = [];
for (const [name, run] of runs) {
  if (!wanted.has(name)) continue;
  const started = Date.now();
  try {
    const r = await run();
    results.push(r);
    progress(
      `${name}: ${r.requests} requests, ${r.violations.length} violation(s) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  } catch (err) {
    progress(`${name}: the scenario itself failed: ${(err as Error).stack ?? err}`);
    results.push(
      scenarioResult(name, started, [], {
        checks: 0,
        violations: [
          { scenario: name, invariant: "scenario-completes", detail: String((err as Error).message ?? err) },
        ],
      }),
    );
  }
}

const report = buildReport(startedAt, { ...settings, scenarios: [...wanted] }, entry.kind, results);
process.stdout.write(`${formatReport(report)}\n`);
const dir = join(REPO, "reports");
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, "reliability.json"), `${JSON.stringify(report, null, 2)}\n`);
process.stdout.write(`\nreport written to reports/reliability.json\n`);
process.exitCode = report.totals.violations > 0 ? 1 : 0;
