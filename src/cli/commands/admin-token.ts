// `openavail admin-token create`: a bearer token for the admin REST surface, printed once.
import type { Command } from "commander";
import { createAdminToken } from "../../service/agents-admin.js";
import { type AdminEnv, adminWrite, globals } from "./admin-env.js";

export function registerAdminTokenCommands(program: Command, env: AdminEnv): void {
  const adminToken = program
    .command("admin-token")
    .description("Tokens for the admin REST surface (/v1/agents, /v1/owners, /v1/calendars, /v1/decisions).");

  adminToken
    .command("create")
    .description('Create an admin token and print { "id": "adm_...", "token": "adm_..." } once.')
    .action(async (_opts: object, cmd: Command) => {
      const made = await adminWrite(
        env,
        cmd,
        (db) => createAdminToken(db, env.now()),
        (m) => m.id,
      );
      env.ctx.stdout.write(`${JSON.stringify(made, null, 2)}\n`);
      if (!globals(cmd).json) {
        env.ctx.stderr.write(
          "Store this token now: Openavail keeps only its hash. Send it as Authorization: Bearer adm_...\n",
        );
      }
    });
}
