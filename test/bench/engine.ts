// Benchmark of the free-slot engine: 100, 1,000 and 10,000 busy intervals over a 31-day window,
// 30-minute meetings on a 15-minute grid, Mon-Fri 09:00-17:00 America/New_York.
// Targets: p99 at 10k below 10 ms, and the 10k/1k ratio of p50 at most 12 (roughly linear).
import { AvailabilityRules } from "../../schemas/rules.js";
import { findFreeSlots, nearestSlots, type SlotQuery } from "../../src/core/free-slots.js";
import { type Interval, interval } from "../../src/core/interval.js";
import { compileRules } from "../../src/core/rules.js";
import { prng } from "../helpers/prng.js";

const MINUTE = 60_000;
const DAY = 86_400_000;
const SIZES = [100, 1_000, 10_000] as const;
const WARMUP = 50;
const ITERATIONS = 400;
const TARGET_P99_10K_MS = 10;
const TARGET_RATIO = 12;

// Mon 2026-03-02 00:00 EST .. Thu 2026-04-02 00:00 EDT: 31 days, across the spring-forward change.
const WINDOW = interval(Date.parse("2026-03-02T05:00:00Z"), Date.parse("2026-03-02T05:00:00Z") + 31 * DAY);
const NOW = WINDOW.start - DAY;

const RULES = compileRules(
  AvailabilityRules.parse({
    timezone: "America/New_York",
    working_hours: {
      mon: { start: "09:00", end: "17:00" },
      tue: { start: "09:00", end: "17:00" },
      wed: { start: "09:00", end: "17:00" },
      thu: { start: "09:00", end: "17:00" },
      fri: { start: "09:00", end: "17:00" },
    },
  }),
  "America/New_York",
);

/** `n` random busy intervals of 5-120 minutes anywhere in the window, minute-aligned, any order. */
function busyIntervals(n: number, seed: number): Interval[] {
  const rand = prng(seed);
  const minutes = (WINDOW.end - WINDOW.start) / MINUTE;
  const out: Interval[] = [];
  for (let i = 0; i < n; i++) {
    const start = WINDOW.start + Math.floor(rand() * minutes) * MINUTE;
    out.push(interval(start, start + (5 + Math.floor(rand() * 116)) * MINUTE));
  }
  return out;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Wall-clock and CPU-time percentiles of one query, in ms. CPU time leaves out time the process
 * spent waiting for a core, so it stays meaningful on a shared machine. */
interface Figures {
  readonly p50: number;
  readonly p99: number;
  readonly cpu_p50: number;
  readonly cpu_p99: number;
  readonly slots: number;
}

function measure(run: () => Interval[]): Figures {
  let slots = 0;
  for (let i = 0; i < WARMUP; i++) slots = run().length;
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    run();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  wall.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms * 1000) / 1000;
  return {
    p50: round(percentile(wall, 50)),
    p99: round(percentile(wall, 99)),
    cpu_p50: round(percentile(cpu, 50)),
    cpu_p99: round(percentile(cpu, 99)),
    slots,
  };
}

/** Runs the engine benchmark and returns its figures (also printed by test/bench/run.ts). */
export async function benchEngine(): Promise<Record<string, unknown>> {
  const results: Record<string, Record<string, Figures>> = {};
  for (const size of SIZES) {
    const busy = busyIntervals(size, 0x5eed + size);
    const q: SlotQuery = {
      busy,
      rules: RULES,
      window: WINDOW,
      durationMs: 30 * MINUTE,
      granularityMs: 15 * MINUTE,
      now: NOW,
    };
    // The target moves each call so nothing is answered from a memo.
    const rand = prng(size);
    const target = () => WINDOW.start + Math.floor(rand() * 31 * 24 * 4) * 15 * MINUTE;
    results[size] = {
      first10: measure(() => findFreeSlots(q, 10)),
      all: measure(() => findFreeSlots(q, Number.POSITIVE_INFINITY)),
      nearest5: measure(() => nearestSlots(q, target(), 5)),
    };
  }
  const worstP99At10k = Math.max(...Object.values(results[10_000]!).map((f) => f.p99));
  const worstCpuP99At10k = Math.max(...Object.values(results[10_000]!).map((f) => f.cpu_p99));
  const ratios = Object.fromEntries(
    Object.keys(results[10_000]!).map((k) => {
      const big = results[10_000]![k]!.p50;
      const small = results[1_000]![k]!.p50;
      return [k, Math.round((big / small) * 100) / 100];
    }),
  );
  const worstRatio = Math.max(...Object.values(ratios));
  return {
    iterations: ITERATIONS,
    results,
    ratio_p50_10k_over_1k: ratios,
    p99_10k_ms: worstP99At10k,
    cpu_p99_10k_ms: worstCpuP99At10k,
    targets: { p99_10k_ms: TARGET_P99_10K_MS, ratio: TARGET_RATIO },
    pass: {
      p99_10k: worstP99At10k < TARGET_P99_10K_MS,
      ratio: worstRatio <= TARGET_RATIO,
    },
    /** The same p99 target on CPU time: informative only, for runs on a shared machine. */
    cpu_p99_10k_under_target: worstCpuP99At10k < TARGET_P99_10K_MS,
  };
}
