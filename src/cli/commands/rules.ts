// `openavail rules set|get|delete`: a calendar's availability rules (DESIGN.md section 4).
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { deleteCalendarRules, getCalendarRules, setCalendarRules } from "../../service/agents-admin.js";
import { OpenavailError } from "../../service/errors.js";
import { type AdminEnv, adminWrite, emit, UsageError, withLedger } from "./admin-env.js";

const CALENDAR_OPTION = ["--calendar <calendar_id>", "the calendar id (cal_...)"] as const;

export function registerRulesCommands(program: Command, env: AdminEnv): void {
  const rules = program
    .command("rules")
    .description("Set, show or delete a calendar's availability rules (working hours, buffers, limits).");

  rules
    .command("set")
    .description(
      "Change a calendar's rules: the fields the JSON names change (null clears), the rest stay; --replace resets them to defaults.",
    )
    .requiredOption(...CALENDAR_OPTION)
    .option("--file <path>", "read the rules from this JSON file")
    .option("--rules <json>", "the rules as inline JSON, e.g. '{\"buffer_after_minutes\":10}'")
    .option("--replace", "replace the rules: fields the JSON omits take their defaults")
    .addHelpText(
      "after",
      `
Fields: buffer_before_minutes, buffer_after_minutes (0-120), working_hours ({"mon":{"start":"09:00","end":"17:00"},...} or null),
timezone (IANA, or null: the owner's zone), min_notice_minutes, max_horizon_days, max_bookings_per_day (or null),
hard_blocks ([{start,end,reason?}]).`,
    )
    .action(
      async (opts: { calendar: string; file?: string; rules?: string; replace?: boolean }, cmd: Command) => {
        const raw = rulesText(opts);
        let parsed: unknown;
        try {
          parsed = JSON.parse(raw.text);
        } catch (err) {
          throw new OpenavailError(
            "bad_request",
            `${raw.source} is not valid JSON: ${(err as Error).message}`,
            {
              details: [{ field: "rules", message: "must be a JSON object" }],
            },
          );
        }
        const result = await adminWrite(
          env,
          cmd,
          (db) =>
            setCalendarRules(db, opts.calendar, parsed, { replace: opts.replace === true, now: env.now() }),
          (v) => v.calendar_id,
        );
        emit(env, cmd, result, () => `Rules of ${result.calendar_id}:\n${JSON.stringify(result, null, 2)}`);
      },
    );

  rules
    .command("get")
    .description(
      "Show a calendar's rules; not found when it has none (every minute outside an event is free).",
    )
    .requiredOption(...CALENDAR_OPTION)
    .action(async (opts: { calendar: string }, cmd: Command) => {
      const result = await withLedger(env, cmd, (db) => getCalendarRules(db, opts.calendar), {
        mustExist: true,
      });
      emit(env, cmd, result, () => JSON.stringify(result, null, 2));
    });

  rules
    .command("delete")
    .description("Delete a calendar's rules: every minute outside an event becomes free.")
    .requiredOption(...CALENDAR_OPTION)
    .action(async (opts: { calendar: string }, cmd: Command) => {
      const result = await adminWrite(
        env,
        cmd,
        (db) => deleteCalendarRules(db, opts.calendar, env.now()),
        (v) => v.calendar_id,
        {
          mustExist: true,
        },
      );
      emit(env, cmd, result, () => `Deleted the rules ${result.id} of ${result.calendar_id}.`);
    });
}

function rulesText(opts: { file?: string; rules?: string }): { text: string; source: string } {
  if ((opts.file === undefined) === (opts.rules === undefined)) {
    throw new UsageError("give exactly one of --file <path> or --rules <json>");
  }
  if (opts.rules !== undefined) return { text: opts.rules, source: "--rules" };
  const path = opts.file!;
  try {
    return { text: readFileSync(path, "utf8"), source: path };
  } catch (err) {
    throw new OpenavailError("bad_request", `cannot read rules file ${path}: ${(err as Error).message}`, {
      details: [{ field: "file", message: "must be a readable JSON file" }],
    });
  }
}
