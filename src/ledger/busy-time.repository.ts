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

// External events may last weeks (holidays, out of office). Those shorter than LONG_EVENT_MS all
// start within LONG_EVENT_MS before a range, so the (owner, busy, start) index scans a bounded
// stretch for them; the few longer ones come from the span-length index (migration 0002).
const LONG_EVENT_MS = 7 * 86_400_000;

/**
 * The statement's arguments, in order: owner id, now, range end, range start, range start less
 * LONG_EVENT_MS, LONG_EVENT_MS. Computed here, not in SQL, so that no dialect has to type an
 * expression of two parameters.
 */
type BusyArgs = [string, number, number, number, number, number];

function busyArgs(ownerId: string, range: Interval, now: number): BusyArgs {
  return [ownerId, now, range.end, range.start, range.start - LONG_EVENT_MS, LONG_EVENT_MS];
}

/** The live bookings, live holds, and short and long busy external events overlapping the range. */
function overlapping(db: Kysely<Database>, arg: Arg) {
  const owner = arg(0);
  const now = arg(1);
  const end = arg(2);
  const start = arg(3);
  const shortFrom = arg(4);
  const long = arg(5);
  const bookings = db
    .selectFrom("bookings")
    .where("bookings.owner_id", "=", owner)
    .where("bookings.status", "=", "confirmed")
    .where("bookings.start_ms", "<", end)
    .where("bookings.end_ms", ">", start)
    .where("bookings.start_ms", ">", sql<number>`${start} - ${longestLive("bookings", "confirmed", owner)}`);
  const holds = db
    .selectFrom("holds")
    .where("holds.owner_id", "=", owner)
    .where("holds.status", "=", "active")
    .where("holds.expires_at", ">", now)
    .where("holds.start_ms", "<", end)
    .where("holds.end_ms", ">", start)
    .where("holds.start_ms", ">", sql<number>`${start} - ${longestLive("holds", "active", owner)}`);
  const external = db
    .selectFrom("external_events")
    .where("owner_id", "=", owner)
    .where("busy", "=", 1)
    // Our own bookings mirrored back from a provider are already counted as bookings.
    .where("booking_id", "is", null)
    .where("start_ms", "<", end)
    .where("end_ms", ">", start);
  return {
    bookings,
    holds,
    shortExternal: external
      .where("start_ms", ">", shortFrom)
      .where(sql<number>`end_ms - start_ms`, "<", long),
    longExternal: external.where(sql<number>`end_ms - start_ms`, ">=", long),
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
  const bookings = q.bookings
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
  const holds = q.holds
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
  return bookings.unionAll(holds).unionAll(external(q.shortExternal)).unionAll(external(q.longExternal));
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
  return q.bookings
    .select(["bookings.start_ms as start", "bookings.end_ms as end"])
    .unionAll(q.holds.select(["holds.start_ms as start", "holds.end_ms as end"]))
    .unionAll(q.shortExternal.select(["start_ms as start", "end_ms as end"]))
    .unionAll(q.longExternal.select(["start_ms as start", "end_ms as end"]));
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
