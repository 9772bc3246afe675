// `openavail oauth clients|revoke`: the remote MCP clients the owner connected by OAuth (docs/oauth.md),
// and revoking one at once, as the console's Connected apps page does.
import type { Command } from "commander";
import { listConnections, revokeConnection } from "../../service/oauth/connections.js";
import { type AdminEnv, adminWrite, emit, table, withLedger } from "./admin-env.js";

export function registerOAuthCommand(program: Command, env: AdminEnv): void {
  const oauth = program
    .command("oauth")
    .description("The apps connected by OAuth (Claude, ChatGPT, VS Code...): list them, revoke one.");

  oauth
    .command("clients")
    .description("List the connected apps, newest first, with the agent each acts as.")
    .action(async (_opts: object, cmd: Command) => {
      const clients = await withLedger(env, cmd, (db) => listConnections(db), { mustExist: true });
      emit(env, cmd, clients, () =>
        clients.length === 0
          ? "No app has connected by OAuth yet."
          : table(
              ["CONNECTION", "APP", "STATUS", "AGENT", "SCOPES", "LAST USED"],
              clients.map((c) => [
                c.connection_id,
                c.client_name,
                c.status,
                c.agent_id,
                c.scopes.join(","),
                c.last_used_at,
              ]),
            ),
      );
    });

  oauth
    .command("revoke")
    .description(
      "Revoke a connected app at once: its tokens fail on their next request, its agent is disabled.",
    )
    .argument("<connection_id>", "the connection (occ_...), from `openavail oauth clients`")
    .action(async (id: string, _opts: object, cmd: Command) => {
      const revoked = await adminWrite(
        env,
        cmd,
        (db) => revokeConnection(db, id, env.now()),
        () => id,
        { mustExist: true },
      );
      emit(
        env,
        cmd,
        revoked,
        () => `Revoked ${revoked.client_name} (${id}); agent ${revoked.agent_id} is disabled.`,
      );
    });
}
