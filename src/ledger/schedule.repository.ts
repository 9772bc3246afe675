// Holds, bookings and mirrored external events: writing and listing them (what they occupy is read in
// busy-time.repository.ts).
import type { Insertable, Kysely, Updateable } from "kysely";
import type { Interval } from "../core/interval.js";
import { isPostgres } from "./dialect.js";
import { preparedInsert, preparedQuery } from "./prepared-query.js";
import type {
  BookingRow,
  BookingStatus,
  BookingsTable,
  Database,
  ExternalEventsTable,
  HoldRow,
  HoldsTable,
} from "./tables.js";

const HOLD_COLUMNS = [
  "id",
  "owner_id",
  "calendar_id",
  "agent_id",
  "start_ms",
  "end_ms",
  "meeting_class",
  "status",
  "expires_at",
  "created_at",
  "updated_at",
  "from_check",
] as const satisfies readonly (keyof HoldsTable)[];
const insertHoldRow = preparedInsert("holds", HOLD_COLUMNS);

export async function insertHold(db: Kysely<Database>, row: Insertable<HoldsTable>): Promise<void> {
  await insertHoldRow(db, { from_check: 0, ...row });
}

/** Releases the agent's unconfirmed check_availability hold on the owner, if any; returns how many. */
export async function releaseCheckHolds(
  db: Kysely<Database>,
  agentId: string,
  ownerId: string,
  now: number,
): Promise<number> {
  const res = await db
    .updateTable("holds")
    .set({ status: "released", updated_at: now })
    .where("agent_id", "=", agentId)
    .where("owner_id", "=", ownerId)
    .where("from_check", "=", 1)
    .where("status", "=", "active")
    .executeTakeFirst();
  return Number(res.numUpdatedRows);
}

export async function findHold(db: Kysely<Database>, id: string): Promise<HoldRow | undefined> {
  return db.selectFrom("holds").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function updateHold(
  db: Kysely<Database>,
  id: string,
  patch: Updateable<HoldsTable>,
): Promise<void> {
  await db.updateTable("holds").set(patch).where("id", "=", id).execute();
}

/**
 * The holds of `agentId` still active at `now` (expiry is by the clock, swept or not), of one owner when
 * `ownerId` is given, in (start, id) order. Few: a hold lasts at most an hour.
 */
export async function listActiveHolds(
  db: Kysely<Database>,
  f: { readonly agentId: string; readonly ownerId?: string; readonly now: number },
): Promise<HoldRow[]> {
  let q = db
    .selectFrom("holds")
    .selectAll()
    .where("status", "=", "active")
    .where("expires_at", ">", f.now)
    .where("agent_id", "=", f.agentId);
  if (f.ownerId !== undefined) q = q.where("owner_id", "=", f.ownerId);
  return q.orderBy("start_ms").orderBy("id").execute();
}

/** Marks every active hold whose `expires_at` is at or before `now` as expired and returns them. */
const dueHolds = preparedQuery<[number], HoldRow>((db, arg) =>
  db.selectFrom("holds").selectAll().where("status", "=", "active").where("expires_at", "<=", arg(0)),
);

const earliestExpiry = preparedQuery<[string], { at: number | null }>((db, arg) =>
  db
    .selectFrom("holds")
    .select((eb) => eb.fn.min("expires_at").as("at"))
    .where("status", "=", arg(0)),
);

/** When the first active hold expires (one seek in holds_expiry), or Infinity with none active. */
export async function earliestActiveHoldExpiry(db: Kysely<Database>): Promise<number> {
  const [row] = await earliestExpiry(db, "active");
  return row?.at == null ? Number.POSITIVE_INFINITY : Number(row.at);
}

export async function expireHolds(db: Kysely<Database>, now: number): Promise<HoldRow[]> {
  if (isPostgres(db)) return expireHoldsConcurrently(db, now);
  const due = await dueHolds(db, now);
  if (due.length > 0) {
    await db
      .updateTable("holds")
      .set({ status: "expired", updated_at: now })
      .where(
        "id",
        "in",
        due.map((h) => h.id),
      )
      .execute();
  }
  return due;
}

/**
 * PostgreSQL runs sweeps side by side (every decision sweeps): each expires only the due holds no
 * other transaction has locked, so a hold is expired, and its agent told, exactly once, and two sweeps
 * never wait on each other's rows.
 */
async function expireHoldsConcurrently(db: Kysely<Database>, now: number): Promise<HoldRow[]> {
  return db
    .updateTable("holds")
    .set({ status: "expired", updated_at: now })
    .where("id", "in", (eb) =>
      eb
        .selectFrom("holds")
        .select("id")
        .where("status", "=", "active")
        .where("expires_at", "<=", now)
        .forUpdate()
        .skipLocked(),
    )
    .returningAll()
    .execute();
}

const BOOKING_COLUMNS = [
  "id",
  "owner_id",
  "calendar_id",
  "agent_id",
  "start_ms",
  "end_ms",
  "title",
  "description",
  "attendees_json",
  "meeting_class",
  "status",
  "hold_id",
  "created_at",
  "updated_at",
] as const satisfies readonly (keyof BookingsTable)[];
const insertBookingRow = preparedInsert("bookings", BOOKING_COLUMNS);

export async function insertBooking(db: Kysely<Database>, row: Insertable<BookingsTable>): Promise<void> {
  await insertBookingRow(db, row);
}

export async function findBooking(db: Kysely<Database>, id: string): Promise<BookingRow | undefined> {
  return db.selectFrom("bookings").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function updateBooking(
  db: Kysely<Database>,
  id: string,
  patch: Updateable<BookingsTable>,
): Promise<void> {
  await db.updateTable("bookings").set(patch).where("id", "=", id).execute();
}

export interface BookingFilter {
  readonly ownerIds?: readonly string[];
  readonly agentId?: string;
  readonly status?: BookingStatus;
  readonly range?: Interval;
  /** Continue after this (start_ms, id) pair. */
  readonly after?: { readonly start: number; readonly id: string };
  readonly limit: number;
}

/** Bookings in (start, id) order, one page at a time. */
export async function listBookings(db: Kysely<Database>, f: BookingFilter): Promise<BookingRow[]> {
  let q = db.selectFrom("bookings").selectAll();
  if (f.ownerIds) q = q.where("owner_id", "in", f.ownerIds.length > 0 ? [...f.ownerIds] : [""]);
  if (f.agentId) q = q.where("agent_id", "=", f.agentId);
  if (f.status) q = q.where("status", "=", f.status);
  if (f.range) {
    const { start, end } = f.range;
    q = q.where("start_ms", "<", end).where("end_ms", ">", start);
  }
  if (f.after) {
    const { start, id } = f.after;
    q = q.where((eb) =>
      eb.or([eb("start_ms", ">", start), eb.and([eb("start_ms", "=", start), eb("id", ">", id)])]),
    );
  }
  return q.orderBy("start_ms").orderBy("id").limit(f.limit).execute();
}

export async function upsertExternalEvent(
  db: Kysely<Database>,
  row: Insertable<ExternalEventsTable>,
): Promise<void> {
  await db
    .insertInto("external_events")
    .values(row)
    .onConflict((oc) =>
      oc.columns(["calendar_id", "external_id"]).doUpdateSet({
        start_ms: row.start_ms,
        end_ms: row.end_ms,
        busy: row.busy,
        title: row.title ?? null,
        booking_id: row.booking_id ?? null,
        updated_at: row.updated_at,
      }),
    )
    .execute();
}

export async function deleteExternalEvents(db: Kysely<Database>, calendarId: string): Promise<void> {
  await db.deleteFrom("external_events").where("calendar_id", "=", calendarId).execute();
}
