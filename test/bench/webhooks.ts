// Webhooks (issue 20): commit-to-receipt on loopback at 100 events/s through the real worker and a
// real receiver, and what subscriptions cost a decision: create_hold's p99 with no subscription
// against 10 organisation-wide subscriptions (each decision then writes 10 deliveries in its own
// transaction), in alternated rounds of the same run.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { openSecretBox } from "../../src/service/provider-registry.js";
import { createSubscription } from "../../src/service/webhooks/subscriptions.js";
import { serverAppOf } from "../helpers/served-world.js";
import { makeWorld } from "../helpers/world.js";

const TARGETS = { decision_p99_ratio: 1.2 } as const;
const RATE_PER_S = 100;
const EVENTS = 500;
const DECISIONS_PER_ROUND = 800;
const ROUNDS = 4;
const MINUTE = 60_000;

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return +sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!.toFixed(3);
}

export async function benchWebhooks(): Promise<Record<string, unknown>> {
  const w = await makeWorld(new Date().toISOString());
  await w.addOwner("bench@example.com", "UTC");
  const agent = await w.addAgent({ name: "bench" });
  const app = await serverAppOf(w, { webhookAllowPrivate: true });
  const committed = new Map<string, number>();
  const receipts: number[] = [];
  let done: () => void = () => {};
  const allReceived = new Promise<void>((resolve) => {
    done = resolve;
  });
  const receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString();
    });
    req.on("end", () => {
      const at = performance.now();
      const id = (JSON.parse(body) as { data: { decision_id?: string } }).data.decision_id ?? "";
      const sent = committed.get(id);
      if (sent !== undefined) receipts.push(at - sent);
      res.end("ok");
      if (receipts.length >= EVENTS) done();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  const deps = (now: number) => ({
    db: app.ledger.db,
    secretBox: () => openSecretBox({ dbPath: app.config.dbPath, secretKey: app.config.secretKey }),
    now,
    allowPrivate: true,
  });
  let slot = Math.ceil(Date.now() / MINUTE) * MINUTE + 7 * 24 * 60 * MINUTE;
  const hold = () => {
    slot += 30 * MINUTE;
    return w.call(agent.caller, "create_hold", {
      owner_email: "bench@example.com",
      start: new Date(slot).toISOString(),
      duration_minutes: 30,
    });
  };
  try {
    // 1. What 10 subscriptions cost a decision, before any is delivered (the worker is not running).
    const without: number[] = [];
    const withSubs: number[] = [];
    const subscriptions: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const [list, subscribed] of [
        [without, false],
        [withSubs, true],
      ] as const) {
        if (subscribed && subscriptions.length === 0) {
          for (let i = 0; i < 10; i++)
            subscriptions.push(
              (await createSubscription(deps(w.clock.now), { agentId: null, admin: true }, { url })).webhook
                .webhook_id,
            );
        }
        await app.ledger.db
          .updateTable("webhook_subscriptions")
          .set({ status: subscribed ? "active" : "disabled" })
          .execute();
        for (let i = 0; i < DECISIONS_PER_ROUND; i++) {
          const t = performance.now();
          await hold();
          list.push(performance.now() - t);
        }
      }
    }
    await app.ledger.db.deleteFrom("webhook_deliveries").execute();
    await app.ledger.db.deleteFrom("webhook_subscriptions").execute();

    // 2. Commit to receipt at 100 events/s: one agent subscription, the real worker, a real receiver.
    await createSubscription(
      deps(w.clock.now),
      { agentId: agent.agentId, admin: false },
      { url, event_types: ["hold.created"] },
    );
    const jobs = app.startBackgroundJobs({ syncIntervalMs: 0, outboxIntervalMs: 0, holdSweepIntervalMs: 0 });
    const started = performance.now();
    for (let i = 0; i < EVENTS; i++) {
      const due = started + (i * 1000) / RATE_PER_S;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const made = await hold();
      committed.set(made.decision_id, performance.now());
    }
    await Promise.race([allReceived, new Promise((r) => setTimeout(r, 30_000))]);
    await jobs.stop();
    const ratio = +(percentile(withSubs, 99) / percentile(without, 99)).toFixed(3);
    return {
      commit_to_receipt_ms: {
        p50: percentile(receipts, 50),
        p99: percentile(receipts, 99),
        received: receipts.length,
        sent: EVENTS,
        rate_per_s: RATE_PER_S,
        worker_interval_ms: app.config.webhookIntervalMs,
      },
      decision_ms: {
        without_subscriptions: { p50: percentile(without, 50), p99: percentile(without, 99) },
        with_10_subscriptions: { p50: percentile(withSubs, 50), p99: percentile(withSubs, 99) },
        p99_ratio: ratio,
      },
      targets: TARGETS,
      pass: {
        decision_p99_ratio: ratio <= TARGETS.decision_p99_ratio,
        all_received: receipts.length === EVENTS,
      },
    };
  } finally {
    receiver.close();
    await app.close();
    await w.close();
  }
}
