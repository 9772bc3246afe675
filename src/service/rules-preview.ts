// What a rules edit would do before it is saved: the free slots of the next seven days under the
// proposed rules, against the owner's real bookings, holds and events. Read-only: the engine runs on
// the proposal and the ledger's snapshot, and nothing is written.
import type { Kysely } from "kysely";
import { AvailabilityRules } from "../../schemas/rules.js";
import type { Slot } from "../../schemas/wire.js";
import { findFreeSlots } from "../core/free-slots.js";
import { compileRules } from "../core/rules.js";
import { ownerSnapshot } from "../ledger/busy-time.repository.js";
import { findCalendarById, findOwnerById } from "../ledger/owners.repository.js";
import type { Database } from "../ledger/tables.js";
import { badRequestFrom, OpenavailError } from "./errors.js";
import { presentSlot } from "./present.js";
import { requireWellFormedText } from "./well-formed-text.js";

const MINUTE = 60_000;
const PREVIEW_DAYS = 7;
const MAX_SLOTS = 500;

export interface RulesPreview {
  readonly timezone: string;
  readonly start: string;
  readonly end: string;
  readonly duration_minutes: number;
  readonly slots: readonly Slot[];
}

/** The free `durationMinutes` slots from `now` for a week, if `proposal` (all fields; defaults fill the rest) were the rules. */
export async function previewRules(
  db: Kysely<Database>,
  calendarId: string,
  proposal: unknown,
  now: number,
  durationMinutes = 30,
): Promise<RulesPreview> {
  requireWellFormedText(proposal, "rules");
  const parsed = AvailabilityRules.safeParse(proposal ?? {});
  if (!parsed.success) throw badRequestFrom(parsed.error, "rules", AvailabilityRules, proposal);
  const calendar = await findCalendarById(db, calendarId);
  if (!calendar) {
    throw new OpenavailError("not_found", `No calendar ${calendarId}.`, {
      details: [{ field: "calendar_id", message: "no such calendar" }],
    });
  }
  const owner = (await findOwnerById(db, calendar.owner_id))!;
  const rules = compileRules(parsed.data, owner.timezone);
  const window = { start: now, end: now + PREVIEW_DAYS * 86_400_000 };
  const items = await ownerSnapshot(db, owner.id, window, now);
  const slots = findFreeSlots(
    {
      busy: items,
      rules,
      window,
      durationMs: durationMinutes * MINUTE,
      granularityMs: durationMinutes * MINUTE,
      now,
      countedStarts: items.filter((i) => i.kind !== "external").map((i) => i.start),
    },
    MAX_SLOTS,
  );
  return {
    timezone: rules.timeZone,
    start: new Date(window.start).toISOString(),
    end: new Date(window.end).toISOString(),
    duration_minutes: durationMinutes,
    slots: slots.map((s) => presentSlot(s, rules.timeZone)),
  };
}
