// get_availability_rules, set_availability_rules and delete_availability_rules: the availability rules
// of a calendar the caller may see; the admin CLI shares the parts below the line. Stored as validated
// JSON with an identity (rules.repository.ts), compiled when read (targets.ts). A change names only the
// fields it changes; a replace resets the rest to their defaults. Every agent's change is a decision row.
import type { Kysely } from "kysely";
import {
  AvailabilityRules,
  type DeletedRules,
  RULE_FIELD_NAMES,
  type RulesChange,
  type RulesView,
} from "../../schemas/rules.js";
import { toInstant } from "../../schemas/time.js";
import type { SetRulesInput } from "../../schemas/tools.js";
import { type StoredRules, setCalendarRules, storedRules } from "../ledger/rules.repository.js";
import type { CalendarRow, Database, OwnerRow } from "../ledger/tables.js";
import { recordChange, type Scheduling, type Tx } from "./decisions.js";
import { OpenavailError } from "./errors.js";
import { visibleCalendar } from "./lookups.js";

/** The calendar's rules; not_found when it has none. */
export async function getRules(tx: Tx, calendarId: string): Promise<RulesView> {
  const { calendar, owner } = await visibleCalendar(tx.trx, tx.caller, calendarId);
  return presentRules(calendar, owner, requireRules(calendar));
}

/** Merges the named fields into the calendar's rules (or, with `replace`, into the defaults). */
export async function setRules(s: Scheduling, tx: Tx, input: SetRulesInput): Promise<RulesView> {
  const { calendar, owner } = await visibleCalendar(tx.trx, tx.caller, input.calendar_id);
  const { calendar_id: _id, replace, idempotency_key: _key, ...change } = input;
  const stored = await changeRules(tx.trx, calendar, change, replace, tx.now);
  await recordChange(s, tx, owner.id, input);
  return presentRules(calendar, owner, stored);
}

/** Removes the calendar's rules; every minute outside an event is free again. */
export async function deleteRules(s: Scheduling, tx: Tx, calendarId: string): Promise<DeletedRules> {
  const { calendar, owner } = await visibleCalendar(tx.trx, tx.caller, calendarId);
  const deleted = await removeRules(tx.trx, calendar, tx.now);
  await recordChange(s, tx, owner.id, { calendar_id: calendar.id });
  return deleted;
}

// ---- shared with the admin CLI (agents-admin.ts) -----------------------------------------------

/** Stores the calendar's rules with `change` applied: to what it has, or to the defaults on `replace`. */
export async function changeRules(
  db: Kysely<Database>,
  calendar: CalendarRow,
  change: RulesChange,
  replace: boolean,
  now: number,
): Promise<StoredRules> {
  const current = storedRules(calendar);
  const base = AvailabilityRules.parse(replace || !current ? {} : JSON.parse(current.json));
  // Field by field in the stored order, so equal rules are equal JSON and a no-op changes nothing.
  const named = change as Readonly<Record<string, unknown>>;
  const next = Object.fromEntries(
    RULE_FIELD_NAMES.map((f) => [f, named[f] !== undefined ? named[f] : base[f]]),
  );
  return (await setCalendarRules(db, calendar, JSON.stringify(next), now))!;
}

/** Removes the calendar's rules; not_found when it has none. */
export async function removeRules(
  db: Kysely<Database>,
  calendar: CalendarRow,
  now: number,
  setWith?: string,
): Promise<DeletedRules> {
  const { id } = requireRules(calendar, setWith);
  await setCalendarRules(db, calendar, null, now);
  return { id, calendar_id: calendar.id, deleted: true };
}

/** The calendar's stored rules; not_found, saying how to set some (`setWith`), when it has none. */
export function requireRules(calendar: CalendarRow, setWith = "set_availability_rules"): StoredRules {
  const stored = storedRules(calendar);
  if (stored) return stored;
  throw new OpenavailError(
    "not_found",
    `No availability rules on calendar ${calendar.id}; set some with ${setWith}.`,
    { details: [{ field: "calendar_id", message: "the calendar has no availability rules" }] },
  );
}

/** Stored rules as answered, with the zone in force (the owner's when they name none). */
export function presentRules(calendar: CalendarRow, owner: OwnerRow, stored: StoredRules): RulesView {
  const rules = AvailabilityRules.parse(JSON.parse(stored.json));
  return {
    id: stored.id,
    calendar_id: calendar.id,
    ...rules,
    effective_timezone: rules.timezone ?? owner.timezone,
    created_at: toInstant(stored.createdAt),
    updated_at: toInstant(stored.updatedAt),
  };
}
