// Owners and their calendars.
import { type Insertable, type Kysely, sql } from "kysely";
import { preparedQuery } from "./prepared-query.js";
import type { CalendarRow, CalendarsTable, Database, OwnerRow, OwnersTable } from "./tables.js";

export async function insertOwner(db: Kysely<Database>, row: Insertable<OwnersTable>): Promise<void> {
  await db.insertInto("owners").values(row).execute();
}

const ownerByEmail = preparedQuery<[string], OwnerRow>((db, arg) =>
  db.selectFrom("owners").selectAll().where("email", "=", arg(0)),
);
const ownerById = preparedQuery<[string], OwnerRow>((db, arg) =>
  db.selectFrom("owners").selectAll().where("id", "=", arg(0)),
);

export async function findOwnerByEmail(db: Kysely<Database>, email: string): Promise<OwnerRow | undefined> {
  return (await ownerByEmail(db, email.toLowerCase()))[0];
}

export async function findOwnerById(db: Kysely<Database>, id: string): Promise<OwnerRow | undefined> {
  return (await ownerById(db, id))[0];
}

export async function listOwners(db: Kysely<Database>): Promise<OwnerRow[]> {
  return db.selectFrom("owners").selectAll().orderBy("email").execute();
}

export async function insertCalendar(db: Kysely<Database>, row: Insertable<CalendarsTable>): Promise<void> {
  await db.insertInto("calendars").values(row).execute();
}

const calendarById = preparedQuery<[string], CalendarRow>((db, arg) =>
  db.selectFrom("calendars").selectAll().where("id", "=", arg(0)),
);
const calendarByType = preparedQuery<[string, string], CalendarRow>((db, arg) =>
  db.selectFrom("calendars").selectAll().where("owner_id", "=", arg(0)).where("calendar_type", "=", arg(1)),
);

export async function findCalendarById(db: Kysely<Database>, id: string): Promise<CalendarRow | undefined> {
  return (await calendarById(db, id))[0];
}

export async function findCalendarByType(
  db: Kysely<Database>,
  ownerId: string,
  calendarType: string,
): Promise<CalendarRow | undefined> {
  return (await calendarByType(db, ownerId, calendarType))[0];
}

/** An owner's calendars, oldest first (the first is the default when the owner names none). */
// Ids are random: calendars created in the same millisecond keep their insertion order by rowid.
const calendarsOfOwner = preparedQuery<[string], CalendarRow>((db, arg) =>
  db
    .selectFrom("calendars")
    .selectAll()
    .where("owner_id", "=", arg(0))
    .orderBy("created_at")
    .orderBy(sql`rowid`),
);

export async function listCalendars(db: Kysely<Database>, ownerId?: string): Promise<CalendarRow[]> {
  // With an owner this is on every decision that names no calendar type (the default calendar).
  if (ownerId) return calendarsOfOwner(db, ownerId);
  return db.selectFrom("calendars").selectAll().orderBy("created_at").orderBy(sql`rowid`).execute();
}

export async function updateCalendar(
  db: Kysely<Database>,
  id: string,
  patch: Partial<
    Pick<CalendarsTable, "status" | "sync_token" | "synced_at" | "credential_id" | "external_id">
  >,
): Promise<void> {
  await db.updateTable("calendars").set(patch).where("id", "=", id).execute();
}
