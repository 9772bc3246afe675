// `openavail calendar add|list`: an owner's calendars (work, personal, ...) and their status.
import type { Command } from "commander";
import { addCalendar, listCalendars } from "../../service/agents-admin.js";
import { type AdminEnv, adminWrite, emit, table, withLedger } from "./admin-env.js";

export function registerCalendarCommands(program: Command, env: AdminEnv): void {
  const calendar = program
    .command("calendar")
    .description("Add and list calendars; each owner has at most one calendar per type.");

  calendar
    .command("add")
    .description("Add a calendar to an owner and print its id.")
    .requiredOption("--owner <email>", "email of an existing owner")
    .requiredOption("--type <type>", "calendar type: work, personal, ... (lowercase)")
    .option("--provider <provider>", "local (ledger only) or google", "local")
    .option("--name <name>", "display name")
    .action(async (opts: { owner: string; type: string; provider: string; name?: string }, cmd: Command) => {
      const view = await adminWrite(
        env,
        cmd,
        (db) =>
          addCalendar(
            db,
            {
              owner_email: opts.owner,
              calendar_type: opts.type,
              provider: opts.provider,
              name: opts.name ?? null,
            },
            env.now(),
          ),
        (v) => v.id,
      );
      emit(env, cmd, view, () => view.id);
    });

  calendar
    .command("list")
    .description("List calendars with their provider and status (needs_reconnect: run connect again).")
    .option("--owner <email>", "only this owner's calendars")
    .action(async (opts: { owner?: string }, cmd: Command) => {
      const calendars = await withLedger(
        env,
        cmd,
        (db) => listCalendars(db, opts.owner !== undefined ? { ownerEmail: opts.owner } : {}),
        { mustExist: true },
      );
      emit(env, cmd, calendars, () =>
        calendars.length === 0
          ? "No calendars yet; add one with `openavail calendar add --owner E --type work`."
          : table(
              ["ID", "OWNER", "TYPE", "PROVIDER", "STATUS", "RULES", "NAME"],
              calendars.map((c) => [
                c.id,
                c.owner_email,
                c.calendar_type,
                c.provider,
                c.status,
                c.has_rules ? "yes" : "no",
                c.name,
              ]),
            ),
      );
    });
}
