// A calendar's availability rules: the validated JSON on its row, and their identity (an avr_ id, when
// first set, when last changed). The four columns are written together, so rules_id is null exactly when
// rules_json is.
import type { Kysely } from "kysely";
import { newId } from "./ids.js";
import type { CalendarRow, Database } from "./tables.js";

export interface StoredRules {
  readonly id: string;
  /** Validated AvailabilityRules as JSON. */
  readonly json: string;
  /** Epoch ms. */
  readonly createdAt: number;
  readonly updatedAt: number;
}

type RulesColumns = Pick<CalendarRow, "rules_json" | "rules_id" | "rules_created_at" | "rules_updated_at">;

/** The rules stored on a calendar row, or null when it has none. */
export function storedRules(calendar: CalendarRow): StoredRules | null {
  if (calendar.rules_json === null || calendar.rules_id === null) return null;
  return {
    id: calendar.rules_id,
    json: calendar.rules_json,
    createdAt: calendar.rules_created_at ?? 0,
    updatedAt: calendar.rules_updated_at ?? 0,
  };
}

/** The columns of rules first stored at `now` (a new id), or of no rules when `rulesJson` is null. */
export function newRulesColumns(rulesJson: string | null, now: number): RulesColumns {
  if (rulesJson === null)
    return { rules_json: null, rules_id: null, rules_created_at: null, rules_updated_at: null };
  return { rules_json: rulesJson, rules_id: newId("avr"), rules_created_at: now, rules_updated_at: now };
}

/**
 * Stores `rulesJson` as the rules of `calendar` (its current row) at `now`. Rules set for the first time
 * get a new id; existing rules keep their id and created_at, and updated_at moves only when the JSON
 * changes, so it says when the rules last changed. Null removes the rules. Returns what is stored.
 */
export async function setCalendarRules(
  db: Kysely<Database>,
  calendar: CalendarRow,
  rulesJson: string | null,
  now: number,
): Promise<StoredRules | null> {
  const current = storedRules(calendar);
  if (rulesJson !== null && current?.json === rulesJson) return current;
  const columns: RulesColumns =
    rulesJson !== null && current
      ? {
          rules_json: rulesJson,
          rules_id: current.id,
          rules_created_at: current.createdAt,
          rules_updated_at: now,
        }
      : newRulesColumns(rulesJson, now);
  await db.updateTable("calendars").set(columns).where("id", "=", calendar.id).execute();
  return storedRules({ ...calendar, ...columns });
}
