// Runs every benchmark module in BENCHES, prints its figures as a table, PASS/FAIL against its targets
// and one JSON line per run. `npm run bench`.
import { availableParallelism, loadavg } from "node:os";
import { benchConsole } from "./console.js";
import { benchEngine } from "./engine.js";
import { benchLedger } from "./ledger.js";
import { benchMcp } from "./mcp.js";
import { benchOAuth } from "./oauth.js";
import { benchPostgres } from "./postgres.js";
import { benchRequestProfile } from "./request-profile.js";
import { benchRest } from "./rest.js";
import { benchToolList } from "./tool-list.js";
import { benchWebhooks } from "./webhooks.js";

const BENCHES: Record<string, () => Promise<Record<string, unknown>>> = {
  tool_list: benchToolList,
  engine: benchEngine,
  ledger: benchLedger,
  mcp: benchMcp,
  rest: benchRest,
  request_profile: benchRequestProfile,
  console: benchConsole,
  webhooks: benchWebhooks,
  oauth: benchOAuth,
  postgres: benchPostgres,
};

interface Figures {
  readonly p50: number;
  readonly p99: number;
  readonly cpu_p50: number;
  readonly cpu_p99: number;
  readonly slots: number;
}

function printEngine(out: Record<string, unknown>): void {
  const results = out["results"] as Record<string, Record<string, Figures>>;
  const num = (ms: number) => ms.toFixed(3).padStart(7);
  console.log("size    | query     | p50 ms  | p99 ms  | cpu p50 | cpu p99 | slots");
  for (const [size, queries] of Object.entries(results)) {
    for (const [name, f] of Object.entries(queries)) {
      const cells = [
        size.padEnd(7),
        name.padEnd(9),
        num(f.p50),
        num(f.p99),
        num(f.cpu_p50),
        num(f.cpu_p99),
        f.slots,
      ];
      console.log(cells.join(" | "));
    }
  }
  console.log(`p50 ratio 10k/1k: ${JSON.stringify(out["ratio_p50_10k_over_1k"])}`);
  console.log(
    `CPU-time p99 at 10k: ${out["cpu_p99_10k_ms"]} ms (${out["cpu_p99_10k_under_target"] ? "under" : "over"} the target; informative)`,
  );
}

async function main(): Promise<void> {
  // Wall-clock figures mean little on a busy machine: say how busy it was.
  const machine = { node: process.version, cpus: availableParallelism(), loadavg_1m: loadavg()[0] };
  console.log(`node ${machine.node}, ${machine.cpus} CPUs, load average ${machine.loadavg_1m?.toFixed(2)}`);
  const summary: Record<string, unknown> = { machine };
  let failed = false;
  for (const [name, bench] of Object.entries(BENCHES)) {
    console.log(`== ${name}`);
    const out = await bench();
    if (name === "engine") printEngine(out);
    const pass = (out["pass"] ?? {}) as Record<string, boolean>;
    for (const [target, ok] of Object.entries(pass)) {
      console.log(`${ok ? "PASS" : "FAIL"} ${name}.${target} (targets: ${JSON.stringify(out["targets"])})`);
      if (!ok) failed = true;
    }
    summary[name] = out;
  }
  console.log(JSON.stringify(summary));
  if (failed) process.exitCode = 1;
}

await main();
