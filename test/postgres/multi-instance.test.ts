// Issue 21's multi-instance test: 3 `openavail serve` processes on one PostgreSQL ledger, 60 agents
// racing over REST and MCP on 5 owners, one instance SIGKILLed mid-run; then the reliability suite's
// invariants (no overlaps, no acknowledged booking lost, every decision row accounted for).
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../helpers/postgres-database.js";
import { cliEntry, type Violation } from "../reliability/common.js";
import { multiInstanceScenario } from "../reliability/multi-instance.js";

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

function lines(violations: readonly Violation[]): string[] {
  return violations.map((v) => `${v.invariant}: ${v.detail.slice(0, 300)}`);
}

it("3 serve instances, 60 agents, 5 owners, one instance SIGKILLed: no overlap, no acknowledged booking lost", async () => {
  const r = await multiInstanceScenario({
    databaseUrl: database.url,
    instances: 3,
    agents: 60,
    seconds: 4,
    minRequests: 600,
    killAfterCalls: 250,
    seed: 20261207,
    entry: cliEntry("tsx"),
  });
  expect(lines(r.violations)).toEqual([]);
  expect(r.killsSurvived).toBe(1);
  expect(r.requests).toBeGreaterThanOrEqual(600);
  // Bookings were acknowledged, some of them on the instance that was killed, so "none lost" says something.
  expect((r.verdicts.Accept ?? 0) + (r.verdicts.Preempt ?? 0)).toBeGreaterThan(50);
  expect(r.byTransport.rest ?? 0).toBeGreaterThan(0);
  expect(r.byTransport["mcp-http"] ?? 0).toBeGreaterThan(0);
}, 180_000);
