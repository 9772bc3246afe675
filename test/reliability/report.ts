// Scenario results and the report: figures per scenario, totals, and every violation found.
import type { CallRecord, Violation } from "./common.js";
import { tally } from "./common.js";

export interface ScenarioResult {
  readonly name: string;
  readonly durationMs: number;
  readonly requests: number;
  readonly byTransport: Record<string, number>;
  readonly verdicts: Record<string, number>;
  /** Accept and Preempt verdicts by tool: what the load really placed, moved and displaced. */
  readonly placed?: Record<string, number>;
  /** reason_code of Reject and CounterPropose verdicts. */
  readonly reasons?: Record<string, number>;
  /** Error responses by type (4xx are expected: forbidden owners, stale ids...). */
  readonly errors: Record<string, number>;
  /** Requests sent whose answer never came (killed server), and connections refused. */
  readonly lost: number;
  readonly refused: number;
  readonly killsSurvived: number;
  readonly hostileInputs: number;
  readonly authAttacks: number;
  readonly checks: number;
  readonly violations: readonly Violation[];
  readonly extra: Record<string, unknown>;
}

export function summarizeCalls(records: readonly CallRecord[]) {
  return {
    requests: records.filter((r) => r.outcome.kind !== "refused").length,
    byTransport: tally(records, (r) => r.transport),
    // A dry run's verdict is told apart: it placed nothing, so it says nothing of what was acknowledged.
    verdicts: tally(records, (r) =>
      r.outcome.kind === "ok" && typeof r.outcome.body?.verdict === "string"
        ? `${r.outcome.body.verdict}${r.outcome.body.dry_run === true ? " (dry run)" : ""}`
        : null,
    ),
    placed: tally(records, (r) =>
      r.outcome.kind === "ok" &&
      r.outcome.body?.dry_run !== true &&
      (r.outcome.body?.verdict === "Accept" || r.outcome.body?.verdict === "Preempt")
        ? `${r.tool}${r.tool === "create_booking" && r.args.hold_id ? " (hold)" : ""}`
        : null,
    ),
    reasons: tally(records, (r) =>
      r.outcome.kind === "ok" && typeof r.outcome.body?.reason_code === "string"
        ? r.outcome.body.reason_code
        : null,
    ),
    errors: tally(records, (r) =>
      r.outcome.kind === "error" ? (r.outcome.error?.error ?? String(r.outcome.status)) : null,
    ),
    lost: records.filter((r) => r.outcome.kind === "lost").length,
    refused: records.filter((r) => r.outcome.kind === "refused").length,
  };
}

/**
 * A scenario's result: its calls summarized, zero for every count it does not set, and what it
 * does set (`fields` wins over the summary, e.g. a request count of its own).
 */
export function scenarioResult(
  name: string,
  started: number,
  records: readonly CallRecord[],
  fields: Partial<Omit<ScenarioResult, "name" | "durationMs">> &
    Pick<ScenarioResult, "checks" | "violations">,
): ScenarioResult {
  return {
    name,
    durationMs: Date.now() - started,
    ...summarizeCalls(records),
    killsSurvived: 0,
    hostileInputs: 0,
    authAttacks: 0,
    extra: {},
    ...fields,
  };
}

export interface Report {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly settings: Record<string, unknown>;
  readonly entry: string;
  readonly totals: {
    readonly requestsSent: number;
    readonly verdicts: Record<string, number>;
    readonly errors: Record<string, number>;
    readonly lost: number;
    readonly killsSurvived: number;
    readonly hostileInputsTried: number;
    readonly authAttacksTried: number;
    readonly invariantChecks: number;
    readonly violations: number;
  };
  readonly scenarios: readonly ScenarioResult[];
  readonly violations: readonly Violation[];
}

function add(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

export function buildReport(
  startedAt: Date,
  settings: Record<string, unknown>,
  entry: string,
  scenarios: readonly ScenarioResult[],
): Report {
  const verdicts: Record<string, number> = {};
  const errors: Record<string, number> = {};
  for (const s of scenarios) {
    add(verdicts, s.verdicts);
    add(errors, s.errors);
  }
  const violations = scenarios.flatMap((s) => s.violations);
  return {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    settings,
    entry,
    totals: {
      requestsSent: scenarios.reduce((n, s) => n + s.requests, 0),
      verdicts,
      errors,
      lost: scenarios.reduce((n, s) => n + s.lost, 0),
      killsSurvived: scenarios.reduce((n, s) => n + s.killsSurvived, 0),
      hostileInputsTried: scenarios.reduce((n, s) => n + s.hostileInputs, 0),
      authAttacksTried: scenarios.reduce((n, s) => n + s.authAttacks, 0),
      invariantChecks: scenarios.reduce((n, s) => n + s.checks, 0),
      violations: violations.reduce((n, v) => n + (v.count ?? 1), 0),
    },
    scenarios,
    violations,
  };
}

function fmt(counts: Record<string, number>): string {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  return entries.length === 0 ? "-" : entries.map(([k, v]) => `${k} ${v}`).join(", ");
}

/** The report as text for the terminal. */
export function formatReport(r: Report): string {
  const lines: string[] = [];
  lines.push(`Openavail reliability report (${r.entry})`);
  for (const s of r.scenarios) {
    lines.push("");
    lines.push(`  ${s.name} (${(s.durationMs / 1000).toFixed(1)} s)`);
    lines.push(`    requests   ${s.requests} (${fmt(s.byTransport)})`);
    if (Object.keys(s.verdicts).length > 0) lines.push(`    verdicts   ${fmt(s.verdicts)}`);
    if (s.placed && Object.keys(s.placed).length > 0) lines.push(`    placed     ${fmt(s.placed)}`);
    if (s.reasons && Object.keys(s.reasons).length > 0) lines.push(`    reasons    ${fmt(s.reasons)}`);
    if (Object.keys(s.errors).length > 0) lines.push(`    errors     ${fmt(s.errors)}`);
    if (s.lost || s.refused) lines.push(`    lost       ${s.lost} (refused ${s.refused})`);
    if (s.killsSurvived) lines.push(`    kills      ${s.killsSurvived} SIGKILLs survived`);
    if (s.hostileInputs) lines.push(`    hostile    ${s.hostileInputs} inputs`);
    if (s.authAttacks) lines.push(`    auth       ${s.authAttacks} attacks`);
    const n = s.violations.reduce((k, v) => k + (v.count ?? 1), 0);
    lines.push(`    checks     ${s.checks} invariant checks, ${n} violation(s)`);
    for (const [k, v] of Object.entries(s.extra))
      lines.push(`    ${k.padEnd(10)} ${typeof v === "string" ? v : JSON.stringify(v)}`);
  }
  const t = r.totals;
  lines.push("");
  lines.push("  totals");
  lines.push(`    requests sent        ${t.requestsSent}`);
  lines.push(`    verdicts             ${fmt(t.verdicts)}`);
  lines.push(`    error responses      ${fmt(t.errors)}`);
  lines.push(`    responses lost       ${t.lost}`);
  lines.push(`    kills survived       ${t.killsSurvived}`);
  lines.push(`    hostile inputs tried ${t.hostileInputsTried}`);
  lines.push(`    auth attacks tried   ${t.authAttacksTried}`);
  lines.push(`    invariant checks     ${t.invariantChecks}`);
  lines.push(`    violations found     ${t.violations}`);
  for (const v of r.violations.slice(0, 40)) {
    lines.push(
      `      [${v.scenario}] ${v.invariant}${v.count && v.count > 1 ? ` (x${v.count})` : ""}: ${v.detail}`,
    );
  }
  if (r.violations.length > 40)
    lines.push(`      ... and ${r.violations.length - 40} more in the JSON report`);
  return lines.join("\n");
}
