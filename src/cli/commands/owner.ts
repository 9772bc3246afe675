// `openavail owner add|list`: the people whose calendars agents book on.
import type { Command } from "commander";
import { addOwner, listOwners } from "../../service/agents-admin.js";
import { type AdminEnv, adminWrite, emit, table, withLedger } from "./admin-env.js";
import { registerOwnerBookingCommands } from "./owner-bookings.js";

export function registerOwnerCommands(program: Command, env: AdminEnv): void {
  const owner = program
    .command("owner")
    .description(
      "Add and list owners (people whose calendars agents book on); see and cancel their bookings.",
    );

  owner
    .command("add")
    .description("Add an owner, keyed by email.")
    .requiredOption("--email <email>", "the owner's email (case-insensitive)")
    .option("--name <name>", "display name")
    .option("--timezone <tz>", "IANA time zone of the owner, e.g. Europe/London", "UTC")
    .action(async (opts: { email: string; name?: string; timezone: string }, cmd: Command) => {
      const view = await adminWrite(
        env,
        cmd,
        (db) =>
          addOwner(db, { email: opts.email, name: opts.name ?? null, timezone: opts.timezone }, env.now()),
        (v) => v.id,
      );
      emit(env, cmd, view, () => view.id);
    });

  owner
    .command("list")
    .description("List every owner.")
    .action(async (_opts: object, cmd: Command) => {
      const owners = await withLedger(env, cmd, (db) => listOwners(db), { mustExist: true });
      emit(env, cmd, owners, () =>
        owners.length === 0
          ? "No owners yet; add one with `openavail owner add --email E`."
          : table(
              ["ID", "EMAIL", "NAME", "TIMEZONE"],
              owners.map((o) => [o.id, o.email, o.name, o.timezone]),
            ),
      );
    });

  registerOwnerBookingCommands(owner, env);
}
