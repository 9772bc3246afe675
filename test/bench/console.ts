// The owner console's weight and speed (issue 17): the compressed size of its JavaScript, and the time
// from opening the decisions page to its first rows drawn with 10,000 decisions in the log, in
// Debian's Chromium. The baseline, from the same run, is the same browser navigating to one static
// console file on the same server: the cost of a navigation with no app and no API calls.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { insertDecision } from "../../src/ledger/audit.repository.js";
import { newId } from "../../src/ledger/ids.js";
import { createAdminToken } from "../../src/service/admin-tokens.js";
import { openPage, serveConsole, signInWithToken } from "../helpers/console-browser.js";
import { makeWorld } from "../helpers/world.js";

const TARGETS = { js_gzip_kb: 150, first_rows_p50_ms: 1_000 } as const;
const DECISIONS = 10_000;
const RUNS = 7;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function benchConsole(): Promise<Record<string, unknown>> {
  const w = await makeWorld("2026-12-07T08:00:00Z");
  const { agentId } = await w.addAgent({ name: "bench" });
  const { ownerId } = await w.addOwner("bench@example.com", "Europe/Berlin");
  const db = w.app.ledger.db;
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < DECISIONS; i++) {
      await insertDecision(trx, {
        id: newId("dec"),
        at: w.clock.now - (DECISIONS - i) * 1000,
        agent_id: agentId,
        key_prefix: "ak_bench000",
        tool: "create_hold",
        owner_id: ownerId,
        request_json: JSON.stringify({ owner_email: "bench@example.com", start: "2026-12-08T09:00:00Z" }),
        verdict: i % 3 === 0 ? "CounterPropose" : "Accept",
        reason_code: i % 3 === 0 ? "CONFLICT" : null,
        booking_id: null,
        hold_id: null,
        alternatives_json: "[]",
        displaced_json: "[]",
        policy_hash: "bench",
        latency_us: 100,
      });
    }
  });
  const token = (await createAdminToken(db, w.clock.now)).token;
  const c = await serveConsole(w);
  try {
    const js = readFileSync(join(c.app.config.consoleDir, "assets", "app.js"));
    const { page } = await openPage(c);
    await signInWithToken(page, c.url, token);
    const app: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      // Baseline: a navigation to a static file of the same server, with no app to run.
      let started = performance.now();
      await page.goto(`${c.url}/assets/app.css`);
      bare.push(performance.now() - started);
      started = performance.now();
      await page.goto(`${c.url}/#/decisions`);
      await page.locator("tr[data-decision]").first().waitFor();
      app.push(performance.now() - started);
    }
    const kb = +(gzipSync(js).length / 1024).toFixed(1);
    const firstRows = +percentile(app, 50).toFixed(1);
    return {
      decisions_in_log: DECISIONS,
      js_bytes: js.length,
      js_gzip_kb: kb,
      decisions_first_rows_ms: { p50: firstRows, max: +Math.max(...app).toFixed(1) },
      baseline_static_asset_ms: { p50: +percentile(bare, 50).toFixed(1) },
      targets: TARGETS,
      pass: {
        js_gzip_kb: kb <= TARGETS.js_gzip_kb,
        first_rows_p50_ms: firstRows <= TARGETS.first_rows_p50_ms,
      },
    };
  } finally {
    await c.close();
    await w.close();
  }
}
