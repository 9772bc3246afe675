// `openavail webhook list|create|delete|rotate|enable|deliveries|redeliver`: every webhook, on the
// database directly; `create` makes an organisation-wide one (every agent's events).
import type { Command } from "commander";
import { openSecretBox } from "../../service/provider-registry.js";
import {
  createSubscription,
  deleteSubscription,
  enableSubscription,
  listDeliveries,
  listSubscriptions,
  redeliver,
  rotateSecret,
  WEBHOOK_EVENT_TYPES,
  type WebhookDeps,
} from "../../service/webhooks/subscriptions.js";
import { renderHuman } from "../agent/render-result.js";
import { type AdminEnv, adminWrite, configOf, globals, list, withLedger } from "./admin-env.js";

const ADMIN = { agentId: null, admin: true } as const;

export function registerWebhookCommands(program: Command, env: AdminEnv): void {
  const webhook = program
    .command("webhook")
    .description("Manage webhooks: every agent's, and organisation-wide ones that receive every event.");

  const print = (cmd: Command, value: object) =>
    env.ctx.stdout.write(
      globals(cmd).json ? `${JSON.stringify(value, null, 2)}\n` : renderHuman({ ...value }, "UTC"),
    );
  const deps = (cmd: Command, db: WebhookDeps["db"]): WebhookDeps => {
    const config = configOf(env, cmd);
    return {
      db,
      secretBox: () => openSecretBox({ dbPath: config.dbPath, secretKey: config.secretKey }),
      now: env.now(),
      allowPrivate: config.webhookAllowPrivate,
    };
  };

  webhook
    .command("list")
    .description("List every webhook.")
    .action(async (_opts: object, cmd: Command) => {
      print(cmd, {
        webhooks: await withLedger(env, cmd, (db) => listSubscriptions(db, ADMIN), { mustExist: true }),
      });
    });

  webhook
    .command("create")
    .description("Create an organisation-wide webhook; its secret is printed once.")
    .requiredOption(
      "--url <url>",
      "where to POST events (https, public unless OPENAVAIL_WEBHOOK_ALLOW_PRIVATE)",
    )
    .option("--events <types>", `comma-separated, of: ${WEBHOOK_EVENT_TYPES.join(", ")} (default all)`, list)
    .action(async (opts: { url: string; events?: string[] }, cmd: Command) => {
      const made = await adminWrite(
        env,
        cmd,
        (db) =>
          createSubscription(deps(cmd, db), ADMIN, {
            url: opts.url,
            ...(opts.events ? { event_types: opts.events } : {}),
          }),
        (m) => m.webhook.webhook_id,
      );
      print(cmd, made);
    });

  for (const [name, help] of [
    ["delete", "Delete a webhook and its pending deliveries."],
    ["rotate", "Rotate a webhook's secret (printed once); the old one signs for 24 hours more."],
    ["enable", "Enable a disabled webhook."],
  ] as const) {
    webhook
      .command(name)
      .description(help)
      .argument("<webhook_id>", "the webhook (whk_...)")
      .action(async (id: string, _opts: object, cmd: Command) => {
        const result = await adminWrite<object>(
          env,
          cmd,
          (db) =>
            name === "delete"
              ? deleteSubscription(db, ADMIN, id)
              : name === "rotate"
                ? rotateSecret(deps(cmd, db), ADMIN, id)
                : enableSubscription(db, ADMIN, id, env.now()),
          () => id,
          { mustExist: true },
        );
        print(cmd, result);
      });
  }

  webhook
    .command("deliveries")
    .description("A webhook's delivery log, newest first: status, attempts, last response code.")
    .argument("<webhook_id>", "the webhook (whk_...)")
    .action(async (id: string, _opts: object, cmd: Command) => {
      print(cmd, await withLedger(env, cmd, (db) => listDeliveries(db, ADMIN, id), { mustExist: true }));
    });

  webhook
    .command("redeliver")
    .description("Send a delivery again (same message id), at the server's next run.")
    .argument("<delivery_id>", "the delivery (msg_...)")
    .action(async (id: string, _opts: object, cmd: Command) => {
      print(
        cmd,
        await adminWrite(
          env,
          cmd,
          (db) => redeliver(db, ADMIN, id, env.now()),
          () => id,
          { mustExist: true },
        ),
      );
    });
}
