// Webhooks end to end: a real HTTP receiver verifies every signature with the standardwebhooks
// library; a booking, a hold and a preemption arrive as events; a receiver answering 500 then 200
// gets exactly one success after a retry; 410 disables the subscription and tells its agent; a
// rotation signs with both secrets; a decision that rolls back sends nothing; a private URL is
// refused unless allowed; and a `serve` killed after the commit still delivers once restarted.
import { type ChildProcess, spawn } from "node:child_process";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App } from "../../src/compose.js";
import { notifyAgent } from "../../src/service/notify.js";
import { openSecretBox } from "../../src/service/provider-registry.js";
import { deliverDueWebhooks } from "../../src/service/webhooks/delivery.js";
import { mayConnect } from "../../src/service/webhooks/safe-target.js";
import type { RunningServer } from "../../src/transports/http/server.js";
import { listeningUrl } from "../helpers/serve-process.js";
import { serveApp, serverAppOf } from "../helpers/served-world.js";
import { ledgerArgs, makeWorld, NINE_TO_FIVE, type World } from "../helpers/world.js";

const DAY = 86_400_000;
const CEO = "ceo@example.com";

interface Received {
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** A real receiver on loopback: it records every request and answers with the next queued status. */
async function startReceiver() {
  const received: Received[] = [];
  const answers: number[] = [];
  const waiters: (() => void)[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString();
    });
    req.on("end", () => {
      received.push({ headers: req.headers as Record<string, string>, body });
      res.statusCode = answers.shift() ?? 200;
      res.end("ok");
      for (const w of waiters.splice(0)) w();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return {
    url,
    received,
    answers,
    /** Resolves once `n` requests have arrived (no timers: woken by the requests themselves). */
    until: (n: number) =>
      new Promise<void>((resolve) => {
        const check = () => (received.length >= n ? resolve() : waiters.push(check));
        check();
      }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let w: World;
let app: App;
let server: RunningServer;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let sales: Awaited<ReturnType<World["addAgent"]>>;
let exec: Awaited<ReturnType<World["addAgent"]>>;
const tomorrow9 = () => Math.floor(w.clock.now / DAY) * DAY + DAY + 9 * 3_600_000;

beforeAll(async () => {
  // Signatures carry real time (receivers check it against theirs): the world starts now.
  w = await makeWorld(new Date().toISOString());
  await w.addOwner(CEO, "UTC", {
    working_hours: { ...NINE_TO_FIVE, sat: NINE_TO_FIVE.mon, sun: NINE_TO_FIVE.mon },
  });
  sales = await w.addAgent({ name: "sales", defaultClass: "internal_sync" });
  exec = await w.addAgent({ name: "exec", defaultClass: "exec_meeting" });
  app = await serverAppOf(w, { webhookAllowPrivate: true });
  server = await serveApp(app);
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver?.close();
  await server?.close();
  await w?.close();
});

async function rest(method: string, path: string, key: string, body?: unknown) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { "content-type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}

const deliver = () =>
  deliverDueWebhooks({
    db: app.ledger.db,
    now: app.config.now,
    logger: app.logger,
    secretBox: () => openSecretBox({ dbPath: app.config.dbPath, secretKey: app.config.secretKey }),
    allowPrivate: true,
    random: () => 0.5,
  });

function verified(secret: string, r: Received): { type: string; data: Record<string, any> } {
  return new Webhook(secret).verify(r.body, r.headers) as { type: string; data: Record<string, any> };
}

describe("webhooks", () => {
  it("signs every event by Standard Webhooks: a hold, a booking, and the preemption its agent suffers", async () => {
    const made = await rest("POST", "/v1/webhooks", sales.key, { url: receiver.url });
    expect(made.status).toBe(200);
    const secret: string = made.json.secret;
    expect(secret).toMatch(/^whsec_/);
    const start = new Date(tomorrow9()).toISOString();
    const held = await w.call(sales.caller, "create_hold", { owner_email: CEO, start, duration_minutes: 30 });
    const booked = await w.call(sales.caller, "create_booking", {
      hold_id: held.hold_id ?? held.hold.hold_id,
      title: "Demo",
    });
    expect(booked.verdict).toBe("Accept");
    const preempt = await w.call(exec.caller, "create_booking", {
      owner_email: CEO,
      start,
      duration_minutes: 30,
      title: "Board",
    });
    expect(preempt.verdict).toBe("Preempt");

    const before = receiver.received.length;
    await deliver();
    await receiver.until(before + 3);
    const events = receiver.received.slice(before).map((r) => verified(secret, r));
    expect(events.map((e) => e.type).sort()).toEqual([
      "booking.created",
      "booking.preempted",
      "hold.created",
    ]);
    const preempted = events.find((e) => e.type === "booking.preempted")!;
    // The same object the agent reads in pending_notifications, with its id.
    expect(preempted.data).toMatchObject({
      type: "booking.preempted",
      booking_id: booked.booking.booking_id,
    });
    expect(preempted.data.notification_id).toMatch(/^ntf_/);
    // A forged body fails the library's verifier.
    const forged = {
      ...receiver.received[before]!,
      body: receiver.received[before]!.body.replace("hold", "fold"),
    };
    expect(() => verified(secret, forged)).toThrow();
    // exec has no webhook: nothing of its own was sent.
    expect(
      events.every((e) => e.type !== "booking.created" || e.data.booking_id === booked.booking.booking_id),
    ).toBe(true);
  });

  it("retries a 500 and delivers exactly once, with the same message id, logging both attempts", async () => {
    const made = await rest("POST", "/v1/webhooks", exec.key, {
      url: receiver.url,
      event_types: ["hold.created"],
    });
    const before = receiver.received.length;
    receiver.answers.push(500, 200);
    await w.call(exec.caller, "create_hold", {
      owner_email: CEO,
      start: new Date(tomorrow9() + 3 * 3_600_000).toISOString(),
      duration_minutes: 30,
    });
    expect(await deliver()).toMatchObject({ delivered: 0, retried: 1 });
    await receiver.until(before + 1);
    expect(await deliver()).toMatchObject({ delivered: 0, retried: 0 });
    w.clock.now += 10_000; // past the first retry's 5 s (±20 %)
    expect(await deliver()).toMatchObject({ delivered: 1 });
    await receiver.until(before + 2);
    const [first, second] = receiver.received.slice(before);
    expect(first!.headers["webhook-id"]).toBe(second!.headers["webhook-id"]);
    verified(made.json.secret, second!);
    const log = await rest("GET", `/v1/webhooks/${made.json.webhook.webhook_id}/deliveries`, exec.key);
    expect(log.json.deliveries[0]).toMatchObject({ status: "delivered", attempts: 2, last_status_code: 200 });
    w.clock.now += 3_600_000;
    expect(await deliver()).toMatchObject({ retried: 0, failed: 0 });
    expect(
      receiver.received.slice(before).filter((r) => r.headers["webhook-id"] === first!.headers["webhook-id"]),
    ).toHaveLength(2);
    // Back to the present: receivers check the signature's time against their own clock.
    w.clock.now -= 3_610_000;
  });

  it("disables a webhook the receiver answers 410 for, and tells its agent", async () => {
    const agent = await w.addAgent({ name: "gone" });
    const gone = await startReceiver();
    const made = await rest("POST", "/v1/webhooks", agent.key, {
      url: gone.url,
      event_types: ["hold.created"],
    });
    gone.answers.push(410);
    await w.call(agent.caller, "create_hold", {
      owner_email: CEO,
      start: new Date(tomorrow9() + 5 * 3_600_000).toISOString(),
      duration_minutes: 30,
    });
    await deliver();
    await gone.until(1);
    await gone.close();
    const list = await rest("GET", "/v1/webhooks", agent.key);
    expect(list.json.webhooks[0]).toMatchObject({
      status: "disabled",
      disabled_reason: expect.stringContaining("410"),
    });
    // Told in its next result, as every notification is.
    expect(list.json.pending_notifications.map((n: { type: string }) => n.type)).toContain(
      "webhook.disabled",
    );
    expect(
      (await rest("POST", `/v1/webhooks/${made.json.webhook.webhook_id}/enable`, agent.key)).json.webhook
        .status,
    ).toBe("active");
  });

  it("disables a webhook whose deliveries have failed for 3 days, and tells its agent", async () => {
    const agent = await w.addAgent({ name: "failing" });
    const down = await startReceiver();
    const made = await rest("POST", "/v1/webhooks", agent.key, {
      url: down.url,
      event_types: ["hold.created"],
    });
    const id = made.json.webhook.webhook_id;
    const holdAt = (hours: number) =>
      w.call(agent.caller, "create_hold", {
        owner_email: CEO,
        start: new Date(tomorrow9() + hours * 3_600_000).toISOString(),
        duration_minutes: 30,
        ttl_seconds: 3600,
      });
    const saved = w.clock.now;
    try {
      down.answers.push(500);
      expect((await holdAt(24 + 1.5)).verdict).toBe("Accept");
      await deliver();
      await down.until(1);
      const failing = (await rest("GET", "/v1/webhooks", agent.key)).json.webhooks[0];
      expect(failing).toMatchObject({ webhook_id: id, status: "active", failing_since: expect.any(String) });
      w.clock.now += 3 * DAY + 60_000;
      down.answers.push(500, 500);
      expect((await holdAt(24 + 1.5)).verdict).toBe("Accept");
      await deliver();
      await down.until(2);
      const list = await rest("GET", "/v1/webhooks", agent.key);
      expect(list.json.webhooks[0]).toMatchObject({
        status: "disabled",
        disabled_reason: "deliveries failed for 3 days",
      });
      expect(list.json.pending_notifications.map((n: { type: string }) => n.type)).toContain(
        "webhook.disabled",
      );
    } finally {
      w.clock.now = saved;
      await down.close();
    }
  });

  it("signs with both secrets for a day after a rotation", async () => {
    const agent = await w.addAgent({ name: "rotating" });
    const made = await rest("POST", "/v1/webhooks", agent.key, {
      url: receiver.url,
      event_types: ["hold.created"],
    });
    const rotated = await rest(
      "POST",
      `/v1/webhooks/${made.json.webhook.webhook_id}/rotate-secret`,
      agent.key,
    );
    expect(rotated.json.secret).not.toBe(made.json.secret);
    const before = receiver.received.length;
    await w.call(agent.caller, "create_hold", {
      owner_email: CEO,
      start: new Date(tomorrow9() + 6 * 3_600_000).toISOString(),
      duration_minutes: 30,
    });
    await deliver();
    await receiver.until(before + 1);
    const got = receiver.received[before]!;
    verified(made.json.secret, got);
    verified(rotated.json.secret, got);
  });

  it("answers another agent's delivery as not found, like a made-up one, and never connects to a private address", async () => {
    const log = await rest("GET", "/v1/webhooks", sales.key);
    const hook = log.json.webhooks[0].webhook_id;
    const deliveries = await rest("GET", `/v1/webhooks/${hook}/deliveries`, sales.key);
    const theirs = deliveries.json.deliveries[0].delivery_id;
    const foreign = await rest("POST", `/v1/webhook-deliveries/${theirs}/redeliver`, exec.key);
    const madeUp = await rest("POST", "/v1/webhook-deliveries/msg_nosuchdelivery/redeliver", exec.key);
    expect(foreign.status).toBe(404);
    expect(foreign.json.message).toBe(`No delivery ${theirs}.`);
    expect(JSON.stringify(foreign.json)).not.toContain(hook);
    expect(foreign.json.details).toEqual(madeUp.json.details);
    expect(mayConnect(new URL("https://[::7f00:1]/x"), false)).toBe(false);
    expect(mayConnect(new URL("https://10.1.2.3/x"), false)).toBe(false);
    expect(mayConnect(new URL("https://10.1.2.3/x"), true)).toBe(true);
    expect(mayConnect(new URL("https://hooks.example.com/x"), false)).toBe(true);
  });

  it("sends nothing for a decision that rolls back", async () => {
    const count = async () =>
      Number(
        (
          await w.app.ledger.db
            .selectFrom("webhook_deliveries")
            .select((eb) => eb.fn.countAll().as("n"))
            .executeTakeFirst()
        )?.n,
      );
    const before = await count();
    await expect(
      w.app.service.run(sales.caller, "rollback_probe", {}, async (tx) => {
        await notifyAgent(tx.trx, tx.now, sales.agentId, "hold.expired", {
          message: "probe",
          booking_id: null,
          hold_id: null,
          winner_class: null,
          landing_hold: null,
        });
        throw new Error("rolled back on purpose");
      }),
    ).rejects.toThrow("rolled back on purpose");
    expect(await count()).toBe(before);
  });

  it("refuses private, loopback and link-local targets unless the operator allows them", async () => {
    const strict = await serveApp(await serverAppOf(w, { webhookAllowPrivate: false }));
    try {
      for (const url of [
        "http://127.0.0.1:9/x",
        "https://169.254.169.254/latest",
        "https://10.0.0.1/",
        "https://localhost/x",
        "https://localhost./x",
        "https://foo.localhost./x",
        "https://[::7f00:1]/x",
        "https://[64:ff9b::7f00:1]/x",
        "https://[::ffff:127.0.0.1]/x",
        "ftp://example.com/",
      ]) {
        const res = await fetch(`${strict.url}/v1/webhooks`, {
          method: "POST",
          headers: { authorization: `Bearer ${sales.key}`, "content-type": "application/json" },
          body: JSON.stringify({ url }),
        });
        expect(res.status, url).toBe(400);
        expect(JSON.stringify(await res.json())).toContain('"field":"url"');
      }
    } finally {
      await strict.close();
    }
  });
});

describe("a serve killed between commit and delivery", () => {
  it("delivers after it is restarted", async () => {
    const entry = join(import.meta.dirname, "serve-entry.ts");
    const start = (env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> => {
      const child = spawn(
        process.execPath,
        ["--import", "tsx", entry, "serve", ...ledgerArgs(w), "--port", "0"],
        {
          cwd: join(import.meta.dirname, "../.."),
          env: {
            ...process.env,
            OPENAVAIL_LOG_LEVEL: "silent",
            OPENAVAIL_WEBHOOK_ALLOW_PRIVATE: "1",
            ...env,
          },
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      let out = "";
      child.stdout!.on("data", (b: Buffer) => {
        out += b.toString();
      });
      return listeningUrl(child, () => out, 30_000).then((url) => ({ child, url }));
    };
    const agent = await w.addAgent({ name: "crash" });
    // The first process never sends (its webhook worker is off), as if killed right after the commit.
    const first = await start({ OPENAVAIL_WEBHOOK_INTERVAL_MS: "0" });
    const made = await fetch(`${first.url}/v1/webhooks`, {
      method: "POST",
      headers: { authorization: `Bearer ${agent.key}`, "content-type": "application/json" },
      body: JSON.stringify({ url: receiver.url, event_types: ["hold.created"] }),
    }).then((r) => r.json() as Promise<Record<string, any>>);
    const held = await fetch(`${first.url}/v1/holds`, {
      method: "POST",
      headers: { authorization: `Bearer ${agent.key}`, "content-type": "application/json" },
      body: JSON.stringify({
        owner_email: CEO,
        start: new Date(tomorrow9() + 7 * 3_600_000).toISOString(),
        duration_minutes: 30,
      }),
    }).then((r) => r.json() as Promise<Record<string, any>>);
    expect(held.verdict).toBe("Accept");
    const exited = new Promise((resolve) => first.child.once("exit", resolve));
    first.child.kill("SIGKILL");
    await exited;
    const before = receiver.received.length;
    const second = await start({});
    try {
      await receiver.until(before + 1);
      const event = verified(made.secret, receiver.received[before]!);
      expect(event).toMatchObject({ type: "hold.created", data: { hold_id: held.hold.hold_id } });
    } finally {
      second.child.kill("SIGTERM");
    }
  }, 60_000);
});
