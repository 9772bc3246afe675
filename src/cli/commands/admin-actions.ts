// `openavail admin-actions`: the trail of admin actions, newest first: who (an admin token's prefix,
// a console session, the CLI) created, changed, disabled or revoked what.
import type { Command } from "commander";
import { listAdminActions } from "../../service/admin-actions.js";
import { type AdminEnv, emit, table, UsageError, wholeNumber, withLedger } from "./admin-env.js";

export function registerAdminActionsCommand(program: Command, env: AdminEnv): void {
  program
    .command("admin-actions")
    .description(
      "Read the trail of admin actions (agents, keys, owners, calendars, rules, bookings), newest first.",
    )
    .option("--limit <n>", "at most this many (1-1000, default 50)", wholeNumber, 50)
    .action(async (opts: { limit: number }, cmd: Command) => {
      if (opts.limit < 1 || opts.limit > 1000) throw new UsageError("--limit must be from 1 to 1000");
      const actions = await withLedger(env, cmd, (db) => listAdminActions(db, { limit: opts.limit }), {
        mustExist: true,
      });
      emit(env, cmd, actions, () =>
        actions.length === 0
          ? "No admin actions yet."
          : table(
              ["AT", "ACTOR", "ACTION", "TARGET"],
              actions.map((a) => [a.at, a.actor, a.action, a.target]),
            ),
      );
    });
}
