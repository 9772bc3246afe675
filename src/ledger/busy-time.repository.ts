// What occupies an owner's time: confirmed bookings, live holds and busy external events. Two reads of
// it, each one statement (UNION ALL) on either dialect: the arbiter's snapshot (every item with its
// agent, class and priority) and free/busy's intervals (only when, no join). One statement instead of
// four saves SQLite three statement calls and PostgreSQL three round trips; free/busy reading only
// start and end of the rows in its window reads a fifth of the snapshot's columns and no agents.
import { type Kysely, sql } from "kysely";
import type { BusyItem } from "../core/arbiter.js";
import type { Interval } from "../core/interval.js";
import { type Arg, preparedQuery } from "./prepared-query.js";
import type { Database } from "./tables.js";

// Bookings and holds are found by start time, in the (owner, status, start, end) index: those no
// longer than LIVE_SHORT_MS overlap a range only if they start less than that before it, so the scan
// is bounded and needs no table row to test the end. Longer ones (all-day blocks) are few, and only
// they have entries in two partial indexes (migration 0010), so they cost ordinary bookings no index
// write: one by end, one by length. A long row overlaps a range only if it ends after the range
// starts and less than its length after the range ends, so the scan by end stops at the range's end
// plus the owner's longest long row, one seek in the index by length. An earlier shape bounded the
// look-back by the owner's longest live span in an index of every row's length: one index more to
// write per booking, and a third of a commit's pages under load, one leaf per owner booked.
/** Longest booking or hold found by start time; longer ones come from the partial indexes. */
export const LIVE_SHORT_MS = 4 * 3_600_000;

// External events may last weeks (holidays, out of office). Those shorter than LONG_EVENT_MS all
// start within LONG_EVENT_MS before a range, so the (owner, busy, start) index scans a bounded
// stretch for them; the few longer ones come from the span-length index (migration 0002).
const LONG_EVENT_MS = 7 * 86_400_000;

/**
 * The statement's arguments, in order: owner id, now, range end, range start, range start less
 * LIVE_SHORT_MS, range start less LONG_EVENT_MS, LONG_EVENT_MS. Computed here, not in SQL, so that
 * no dialect has to type an expression of two parameters.
 */
type BusyArgs = [string, number, number, number, number, number, number];

function busyArgs(ownerId: string, range: Interval, now: number): BusyArgs {
  return [
    ownerId,
    now,
    range.end,
    range.start,
    range.start - LIVE_SHORT_MS,
    range.start - LONG_EVENT_MS,
    LONG_EVENT_MS,
  ];
}

/**
 * The two disjoint parts of `table`'s live rows that can overlap a range ending at `end` (the
 * caller requires an end after the range's start). Rows up to LIVE_SHORT_MS long come from a bounded
 * scan of starts in the live index. Longer ones come from a scan of ends in the partial index that
 * stops at the range's end plus the owner's longest long row, one seek in the partial index by
 * length; with no long row that bound is NULL, and so is the comparison: nothing matches, as it
 * should. The length limit is a literal, not a parameter: a partial index is used only for a query
 * whose WHERE has its predicate.
 */
function liveParts(
  table: "bookings" | "holds",
  status: string,
  { owner, end, shortFrom }: { owner: unknown; end: unknown; shortFrom: unknown },
) {
  const column = (name: string) => sql.ref(`${table}.${name}`);
  const length = sql`${column("end_ms")} - ${column("start_ms")}`;
  const short = sql.lit(LIVE_SHORT_MS);
  const longest = sql`(SELECT longest.end_ms - longest.start_ms FROM ${sql.table(table)} AS longest
    WHERE longest.owner_id = ${owner} AND longest.status = ${status}
    AND longest.end_ms - longest.start_ms > ${short}
    ORDER BY longest.end_ms - longest.start_ms DESC LIMIT 1)`;
  return {
    short: sql<boolean>`${column("start_ms")} > ${shortFrom} AND ${column("start_ms")} < ${end}
      AND ${length} <= ${short}`,
    // The long part's start is written with a unary plus, so that SQLite cannot look it up in an
    // index (PostgreSQL reads it as the value): searching the live index for starts before the
    // range's end, which free/busy preferred there because that index holds both columns it reads,
    // scans the owner's whole history.
    long: sql<boolean>`${length} > ${short} AND ${column("end_ms")} < ${end} + ${longest}
      AND +${column("start_ms")} < ${end}`,
  };
}

/**
 * The live bookings and live holds, each short and long, and the short and long busy external events
 * overlapping the range: six disjoint parts.
 */
function overlapping(db: Kysely<Database>, arg: Arg) {
  const owner = arg(0);
  const now = arg(1);
  const end = arg(2);
  const start = arg(3);
  const shortFrom = arg(4);
  const eventFrom = arg(5);
  const longEvent = arg(6);
  const bookings = db
    .selectFrom("bookings")
    .where("bookings.owner_id", "=", owner)
    .where("bookings.status", "=", "confirmed")
    .where("bookings.end_ms", ">", start);
  const holds = db
    .selectFrom("holds")
    .where("holds.owner_id", "=", owner)
    .where("holds.status", "=", "active")
    .where("holds.expires_at", ">", now)
    .where("holds.end_ms", ">", start);
  const external = db
    .selectFrom("external_events")
    .where("owner_id", "=", owner)
    .where("busy", "=", 1)
    // Our own bookings mirrored back from a provider are already counted as bookings.
    .where("booking_id", "is", null)
    .where("start_ms", "<", end)
    .where("end_ms", ">", start);
  const bookingParts = liveParts("bookings", "confirmed", { owner, end, shortFrom });
  const holdParts = liveParts("holds", "active", { owner, end, shortFrom });
  return {
    shortBookings: bookings.where(bookingParts.short),
    longBookings: bookings.where(bookingParts.long),
    shortHolds: holds.where(holdParts.short),
    longHolds: holds.where(holdParts.long),
    shortExternal: external
      .where("start_ms", ">", eventFrom)
      .where(sql<number>`end_ms - start_ms`, "<", longEvent),
    longExternal: external.where(sql<number>`end_ms - start_ms`, ">=", longEvent),
  };
}

type Kind = "booking" | "hold" | "external";

interface SnapshotRow {
  kind: Kind;
  id: string;
  start: number;
  end: number;
  agentId: string | null;
  meetingClass: string | null;
  createdAt: number;
  agentPriority: number;
}

// A snapshot row's columns are named as BusyItem's fields, so rows need no copying.
const snapshotRows = preparedQuery<BusyArgs, SnapshotRow>((db, arg) => {
  const q = overlapping(db, arg);
  const tag = (kind: Kind) => sql<Kind>`${sql.lit(kind)}`.as("kind");
  const bookings = (rows: typeof q.longBookings) =>
    rows
      .innerJoin("agents", "agents.id", "bookings.agent_id")
      .select([
        tag("booking"),
        "bookings.id as id",
        "bookings.start_ms as start",
        "bookings.end_ms as end",
        "bookings.agent_id as agentId",
        "bookings.meeting_class as meetingClass",
        "bookings.created_at as createdAt",
        "agents.priority as agentPriority",
      ]);
  const holds = (rows: typeof q.longHolds) =>
    rows
      .innerJoin("agents", "agents.id", "holds.agent_id")
      .select([
        tag("hold"),
        "holds.id as id",
        "holds.start_ms as start",
        "holds.end_ms as end",
        "holds.agent_id as agentId",
        "holds.meeting_class as meetingClass",
        "holds.created_at as createdAt",
        "agents.priority as agentPriority",
      ]);
  const external = (events: typeof q.longExternal) =>
    events.select([
      tag("external"),
      "id",
      "start_ms as start",
      "end_ms as end",
      // Typed as the bookings' columns for the union; SnapshotRow says they are null here.
      sql<string>`NULL`.as("agentId"),
      sql<string>`NULL`.as("meetingClass"),
      "updated_at as createdAt",
      sql<number>`0`.as("agentPriority"),
    ]);
  return bookings(q.shortBookings)
    .unionAll(bookings(q.longBookings))
    .unionAll(holds(q.shortHolds))
    .unionAll(holds(q.longHolds))
    .unionAll(external(q.shortExternal))
    .unionAll(external(q.longExternal));
});
/**
 * Every item that occupies the owner's time around `range`: confirmed bookings, holds still active
 * at `now`, and busy external events, with the class and agent priority the arbiter needs; by start.
 */
export async function ownerSnapshot(
  db: Kysely<Database>,
  ownerId: string,
  range: Interval,
  now: number,
): Promise<BusyItem[]> {
  const items: BusyItem[] = await snapshotRows(db, ...busyArgs(ownerId, range, now));
  return items.sort((a, b) => a.start - b.start || (a.id < b.id ? -1 : 1));
}

const busyRows = preparedQuery<BusyArgs, Interval>((db, arg) => {
  const q = overlapping(db, arg);
  const bookings = ["bookings.start_ms as start", "bookings.end_ms as end"] as const;
  const holds = ["holds.start_ms as start", "holds.end_ms as end"] as const;
  const events = ["start_ms as start", "end_ms as end"] as const;
  return q.shortBookings
    .select(bookings)
    .unionAll(q.longBookings.select(bookings))
    .unionAll(q.shortHolds.select(holds))
    .unionAll(q.longHolds.select(holds))
    .unionAll(q.shortExternal.select(events))
    .unionAll(q.longExternal.select(events));
});

/** When the owner is busy during `range` (holds active at `now` included), unmerged and unordered. */
export function ownerBusyIntervals(
  db: Kysely<Database>,
  ownerId: string,
  range: Interval,
  now: number,
): Promise<Interval[]> {
  return busyRows(db, ...busyArgs(ownerId, range, now));
}
