// `openavail key create|list|revoke`: an agent's API keys. The raw key is printed once, by create.
import type { Command } from "commander";
import { createKey, listKeys, revokeKey } from "../../service/agents-admin.js";
import { type AdminEnv, adminWrite, emit, globals, table, wholeNumber, withLedger } from "./admin-env.js";

const AGENT_OPTION = ["--agent <agent_id>", "the agent id (agt_...)"] as const;

export function registerKeyCommands(program: Command, env: AdminEnv): void {
  const key = program.command("key").description("Create, list and revoke an agent's API keys.");

  key
    .command("create")
    .description('Create a key and print { "id": "key_...", "key": "ak_..." } once; it is never shown again.')
    .requiredOption(...AGENT_OPTION)
    .option("--expires-in-days <days>", "the key stops working after this many days (1-3650)", wholeNumber)
    .action(async (opts: { agent: string; expiresInDays?: number }, cmd: Command) => {
      const made = await adminWrite(
        env,
        cmd,
        (db) =>
          createKey(
            db,
            opts.agent,
            opts.expiresInDays !== undefined ? { expires_in_days: opts.expiresInDays } : {},
            env.now(),
          ),
        (m) => m.id,
      );
      // The one place a raw key is ever printed; stdout only, so it can be piped into a secret store.
      env.ctx.stdout.write(`${JSON.stringify(made, null, 2)}\n`);
      if (!globals(cmd).json) {
        env.ctx.stderr.write("Store this key now: Openavail keeps only its hash and cannot show it again.\n");
      }
    });

  key
    .command("list")
    .description("List an agent's keys: prefix, status and dates (never the key itself).")
    .requiredOption(...AGENT_OPTION)
    .action(async (opts: { agent: string }, cmd: Command) => {
      const keys = await withLedger(env, cmd, (db) => listKeys(db, opts.agent, env.now()), {
        mustExist: true,
      });
      emit(env, cmd, keys, () =>
        keys.length === 0
          ? `${opts.agent} has no keys; create one with \`openavail key create --agent ${opts.agent}\`.`
          : table(
              ["KEY", "PREFIX", "STATUS", "CREATED", "EXPIRES", "REVOKED", "LAST USED"],
              keys.map((k) => [
                k.id,
                `${k.prefix}…`,
                k.status,
                k.created_at,
                k.expires_at,
                k.revoked_at,
                k.last_used_at,
              ]),
            ),
      );
    });

  key
    .command("revoke")
    .description("Revoke a key at once: its next request gets 401.")
    .requiredOption(...AGENT_OPTION)
    .requiredOption("--key <key_id>", "the key id (key_...), as shown by `key list`")
    .action(async (opts: { agent: string; key: string }, cmd: Command) => {
      const view = await adminWrite(
        env,
        cmd,
        (db) => revokeKey(db, opts.agent, opts.key, env.now()),
        (v) => v.id,
        {
          mustExist: true,
        },
      );
      emit(env, cmd, view, () => `Revoked ${view.id} (${view.prefix}…).`);
    });
}
