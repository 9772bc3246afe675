// Holds, bookings and mirrored external events: the rows that occupy an owner's time.
import { type Insertable, type Kysely, sql, type Updateable } from "kysely";
import type { BusyItem } from "../core/arbiter.js";
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

// A booking or hold overlaps a range only if it starts before the range ends and less than the
// owner's longest live booking (or hold) before it starts. That length is one seek in the span-length
// index (migration 0003), so the (owner, status, start) index scans only that stretch of starts; a
// fixed bound (a day, the longest span the service accepts) would scan a whole day of bookings.
// With no live rows the subquery is NULL and so is the comparison: nothing matches, as it should.
/** The length of the owner's longest `status` row in `table`: one seek in its span-length index. */
function longestLive(table: "bookings" | "holds", status: string, ownerId: unknown) {
  return sql<number>`(SELECT longest.end_ms - longest.start_ms FROM ${sql.table(table)} AS longest
    WHERE longest.owner_id = ${ownerId} AND longest.status = ${status}
    ORDER BY longest.end_ms - longest.start_ms DESC LIMIT 1)`;
}

// The live bookings and holds of an owner overlapping [start, end): the queries' shape, written
// once for SQLite's separate statements and PostgreSQL's single one. The bounds come in as kysely
// values (a prepared query's stand-ins).
function bookingsOverlapping(db: Kysely<Database>, owner: never, end: never, start: never) {
  return db
    .selectFrom("bookings")
    .innerJoin("agents", "agents.id", "bookings.agent_id")
    .where("bookings.owner_id", "=", owner)
    .where("bookings.status", "=", "confirmed")
    .where("bookings.start_ms", "<", end)
    .where("bookings.end_ms", ">", start)
    .where("bookings.start_ms", ">", sql<number>`${start} - ${longestLive("bookings", "confirmed", owner)}`);
}

const BOOKING_FIELDS = [
  "bookings.id",
  "bookings.start_ms",
  "bookings.end_ms",
  "bookings.agent_id",
  "bookings.meeting_class",
  "bookings.created_at",
  "agents.priority",
] as const;

function holdsOverlapping(db: Kysely<Database>, owner: never, now: never, end: never, start: never) {
  return db
    .selectFrom("holds")
    .innerJoin("agents", "agents.id", "holds.agent_id")
    .where("holds.owner_id", "=", owner)
    .where("holds.status", "=", "active")
    .where("holds.expires_at", ">", now)
    .where("holds.start_ms", "<", end)
    .where("holds.end_ms", ">", start)
    .where("holds.start_ms", ">", sql<number>`${start} - ${longestLive("holds", "active", owner)}`);
}

const HOLD_FIELDS = [
  "holds.id",
  "holds.start_ms",
  "holds.end_ms",
  "holds.agent_id",
  "holds.meeting_class",
  "holds.created_at",
  "agents.priority",
] as const;

const liveBookings = preparedQuery<[string, number, number], SnapshotRow>((db, arg) =>
  bookingsOverlapping(db, arg(0), arg(1), arg(2)).select(BOOKING_FIELDS),
);

const liveHolds = preparedQuery<[string, number, number, number], SnapshotRow>((db, arg) =>
  holdsOverlapping(db, arg(0), arg(1), arg(2), arg(3)).select(HOLD_FIELDS),
);

type ExternalRow = { id: string; start_ms: number; end_ms: number; updated_at: number };

// External events may last weeks (holidays, out of office). Those shorter than LONG_EVENT_MS all
// start within LONG_EVENT_MS before a range, so the (owner, busy, start) index scans a bounded
// stretch for them; the few longer ones come from the span-length index (migration 0002).
const LONG_EVENT_MS = 7 * 86_400_000;

const shortExternal = preparedQuery<[string, number, number, number, number], ExternalRow>((db, arg) =>
  db
    .selectFrom("external_events")
    .select(["id", "start_ms", "end_ms", "updated_at"])
    .where("owner_id", "=", arg(0))
    .where("busy", "=", 1)
    // Our own bookings mirrored back from a provider are already counted as bookings.
    .where("booking_id", "is", null)
    .where("start_ms", "<", arg(1))
    .where("start_ms", ">", arg(2))
    .where("end_ms", ">", arg(3))
    .where(sql<number>`end_ms - start_ms`, "<", arg(4)),
);

const longExternal = preparedQuery<[string, number, number, number], ExternalRow>((db, arg) =>
  db
    .selectFrom("external_events")
    .select(["id", "start_ms", "end_ms", "updated_at"])
    .where("owner_id", "=", arg(0))
    .where("busy", "=", 1)
    .where(sql<number>`end_ms - start_ms`, ">=", arg(1))
    .where("booking_id", "is", null)
    .where("start_ms", "<", arg(2))
    .where("end_ms", ">", arg(3)),
);

async function busyExternal(
  db: Kysely<Database>,
  ownerId: string,
  rangeEnd: number,
  rangeStart: number,
): Promise<ExternalRow[]> {
  const [short, long] = await Promise.all([
    shortExternal(db, ownerId, rangeEnd, rangeStart - LONG_EVENT_MS, rangeStart, LONG_EVENT_MS),
    longExternal(db, ownerId, LONG_EVENT_MS, rangeEnd, rangeStart),
  ]);
  return long.length === 0 ? short : [...short, ...long];
}

type SnapshotRows = [SnapshotRow[], SnapshotRow[], ExternalRow[]];

/**
 * The same four queries in one statement (UNION ALL), for PostgreSQL: there each statement is a round
 * trip to the server, and a decision's statements run one after another on its connection.
 */
const snapshotUnion = preparedQuery<
  [string, number, number, number, number],
  SnapshotRow & { kind: "booking" | "hold" | "external" }
>((db, arg) => {
  const tag = (kind: string) => sql<"booking" | "hold" | "external">`${sql.lit(kind)}`.as("kind");
  const external = (long: boolean) => {
    const q = db
      .selectFrom("external_events")
      .select([
        tag("external"),
        "id",
        "start_ms",
        "end_ms",
        sql<string>`NULL`.as("agent_id"),
        sql<string>`NULL`.as("meeting_class"),
        sql<number>`updated_at`.as("created_at"),
        sql<number>`0`.as("priority"),
      ])
      .where("owner_id", "=", arg(0))
      .where("busy", "=", 1)
      .where("booking_id", "is", null)
      .where("start_ms", "<", arg(2))
      .where("end_ms", ">", arg(3));
    return long
      ? q.where(sql<number>`end_ms - start_ms`, ">=", arg(4))
      : q
          .where("start_ms", ">", sql<number>`${arg(3)}::bigint - ${arg(4)}::bigint`)
          .where(sql<number>`end_ms - start_ms`, "<", arg(4));
  };
  return bookingsOverlapping(db, arg(0), arg(2), arg(3))
    .select([tag("booking"), ...BOOKING_FIELDS])
    .unionAll(holdsOverlapping(db, arg(0), arg(1), arg(2), arg(3)).select([tag("hold"), ...HOLD_FIELDS]))
    .unionAll(external(false))
    .unionAll(external(true));
});

async function snapshotInOneStatement(
  db: Kysely<Database>,
  ownerId: string,
  range: Interval,
  now: number,
): Promise<SnapshotRows> {
  const out: SnapshotRows = [[], [], []];
  for (const row of await snapshotUnion(db, ownerId, now, range.end, range.start, LONG_EVENT_MS)) {
    if (row.kind === "booking") out[0].push(row);
    else if (row.kind === "hold") out[1].push(row);
    else out[2].push({ id: row.id, start_ms: row.start_ms, end_ms: row.end_ms, updated_at: row.created_at });
  }
  return out;
}

interface SnapshotRow {
  id: string;
  start_ms: number;
  end_ms: number;
  agent_id: string;
  meeting_class: string;
  created_at: number;
  priority: number;
}

/**
 * Every item that occupies the owner's time around `range`: confirmed bookings, holds still active
 * at `now`, and busy external events, with the class and agent priority the arbiter needs.
 */
export async function ownerSnapshot(
  db: Kysely<Database>,
  ownerId: string,
  range: Interval,
  now: number,
): Promise<BusyItem[]> {
  const [bookings, holds, external] = isPostgres(db)
    ? await snapshotInOneStatement(db, ownerId, range, now)
    : await Promise.all([
        liveBookings(db, ownerId, range.end, range.start),
        liveHolds(db, ownerId, now, range.end, range.start),
        busyExternal(db, ownerId, range.end, range.start),
      ]);
  const items: BusyItem[] = [];
  for (const b of bookings) {
    items.push({
      id: b.id,
      kind: "booking",
      start: b.start_ms,
      end: b.end_ms,
      agentId: b.agent_id,
      meetingClass: b.meeting_class,
      agentPriority: b.priority,
      createdAt: b.created_at,
    });
  }
  for (const h of holds) {
    items.push({
      id: h.id,
      kind: "hold",
      start: h.start_ms,
      end: h.end_ms,
      agentId: h.agent_id,
      meetingClass: h.meeting_class,
      agentPriority: h.priority,
      createdAt: h.created_at,
    });
  }
  for (const e of external) {
    items.push({
      id: e.id,
      kind: "external",
      start: e.start_ms,
      end: e.end_ms,
      agentId: null,
      meetingClass: null,
      agentPriority: 0,
      createdAt: e.updated_at,
    });
  }
  return items.sort((a, b) => a.start - b.start || (a.id < b.id ? -1 : 1));
}

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
