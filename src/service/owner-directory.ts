// The owner and calendar a request names, kept between requests while neither table can have changed
// (change-tracker.ts): two of a booking's statements, read on every call, for rows an admin or a
// calendar sync changes now and then. Any write to owners or calendars, here or in another process,
// makes every entry stale at once.
import type { Kysely } from "kysely";
import { type Changes, StampedCache } from "../ledger/change-tracker.js";
import { findCalendarByType, findOwnerByEmail, listCalendars } from "../ledger/owners.repository.js";
import type { CalendarRow, Database, OwnerRow } from "../ledger/tables.js";

const TABLES = ["owners", "calendars"] as const;
const LIMIT = 1_000;

export interface OwnerCalendar {
  /** Undefined when no owner has this email. */
  readonly owner: OwnerRow | undefined;
  /** The calendar of the type asked for, else the owner's default or first one; undefined if none. */
  readonly calendar: CalendarRow | undefined;
}

export class OwnerDirectory {
  readonly #entries: StampedCache<OwnerCalendar>;

  constructor(changes: Changes) {
    this.#entries = new StampedCache(changes, TABLES, LIMIT);
  }

  /** The owner with `email` and the calendar a request of `calendarType` (or none) acts on. */
  async find(db: Kysely<Database>, email: string, calendarType: string | undefined): Promise<OwnerCalendar> {
    return this.#entries.readThrough(`${email}\u0000${calendarType ?? ""}`, () =>
      read(db, email, calendarType),
    );
  }
}

async function read(
  db: Kysely<Database>,
  email: string,
  calendarType: string | undefined,
): Promise<OwnerCalendar> {
  const owner = await findOwnerByEmail(db, email);
  if (!owner) return { owner, calendar: undefined };
  if (calendarType !== undefined)
    return { owner, calendar: await findCalendarByType(db, owner.id, calendarType) };
  let calendar: CalendarRow | undefined;
  if (owner.default_calendar_type)
    calendar = await findCalendarByType(db, owner.id, owner.default_calendar_type);
  calendar ??= (await listCalendars(db, owner.id))[0];
  return { owner, calendar };
}
