// get_availability_rules, set_availability_rules and delete_availability_rules: the availability
// rules of a calendar the caller may see. Stored as validated JSON; compiled when read (targets.ts).
import { AvailabilityRules } from "../../schemas/rules.js";
import type { SetRulesInput } from "../../schemas/tools.js";
import { setCalendarRules } from "../ledger/owners.repository.js";
import type { Tx } from "./decisions.js";
import { visibleCalendar } from "./lookups.js";

/** The stored rules of the calendar, or null when it has none (open rules apply). */
export async function getRules(
  tx: Tx,
  calendarId: string,
): Promise<{ calendar_id: string; rules: AvailabilityRules | null }> {
  const { calendar } = await visibleCalendar(tx.trx, tx.caller, calendarId);
  return {
    calendar_id: calendar.id,
    rules: calendar.rules_json ? AvailabilityRules.parse(JSON.parse(calendar.rules_json)) : null,
  };
}

/** Replaces the calendar's rules; the schema has validated them. */
export async function setRules(
  tx: Tx,
  input: SetRulesInput,
): Promise<{ calendar_id: string; rules: AvailabilityRules | null }> {
  const { calendar } = await visibleCalendar(tx.trx, tx.caller, input.calendar_id);
  await setCalendarRules(tx.trx, calendar.id, JSON.stringify(input.rules));
  return { calendar_id: calendar.id, rules: input.rules };
}

/** Removes the calendar's rules; open rules apply again. */
export async function deleteRules(tx: Tx, calendarId: string): Promise<{ calendar_id: string; rules: null }> {
  const { calendar } = await visibleCalendar(tx.trx, tx.caller, calendarId);
  await setCalendarRules(tx.trx, calendar.id, null);
  return { calendar_id: calendar.id, rules: null };
}
