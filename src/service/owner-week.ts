// What the console's calendar view draws for one owner and range (a week): every agent's bookings
// (with what displaced a booking that needs rescheduling), the active holds with their expiry, the
// owner's own events from their calendars, and each calendar's rules (working hours, buffers, hard
// blocks). Times are RFC 3339 UTC plus the owner's wall time with its offset, so the grid needs no
// zone database of its own.
import type { Kysely } from "kysely";
import type { AvailabilityRules } from "../../schemas/rules.js";
import { toInstant } from "../../schemas/time.js";
import {
  formatLocal,
  instantOfWallTime,
  localDaysBetween,
  utcMidnight,
  wallTimeAt,
} from "../core/zoned-time.js";
import { findOwnerByEmail, listCalendars } from "../ledger/owners.repository.js";
import type { Database } from "../ledger/tables.js";
import { OpenavailError } from "./errors.js";

const MAX_RANGE_MS = 14 * 86_400_000;

export interface WeekItem {
  readonly kind: "booking" | "hold" | "event";
  readonly id: string;
  readonly calendar_type: string;
  readonly start: string;
  readonly end: string;
  readonly local_start: string;
  readonly local_end: string;
  readonly title: string | null;
  readonly status: string;
  readonly meeting_class: string | null;
  readonly agent_id: string | null;
  readonly agent_name: string | null;
  /** For a hold: when it lapses. */
  readonly expires_at: string | null;
  /** For a booking in needs_reschedule: the items' ids that displaced it. */
  readonly displaced_by: readonly string[];
}

export interface OwnerWeek {
  readonly owner_email: string;
  readonly timezone: string;
  readonly start: string;
  readonly end: string;
  readonly local_start: string;
  readonly local_end: string;
  /** The local days of the range, each with its midnights (23 or 25 hours apart on DST days). */
  readonly days: readonly { date: string; weekday: number; start: string; end: string }[];
  readonly items: readonly WeekItem[];
  readonly calendars: readonly {
    calendar_id: string;
    calendar_type: string;
    provider: string;
    rules: AvailabilityRules | null;
  }[];
}

/**
 * One owner's calendar for `start`..`end`, or for the Monday-to-Sunday week (in the owner's zone)
 * holding `date` (YYYY-MM-DD), or this week when neither is given.
 */
export async function ownerWeek(
  db: Kysely<Database>,
  query: {
    owner_email: string;
    date?: string | undefined;
    start?: string | undefined;
    end?: string | undefined;
  },
  now: number,
): Promise<OwnerWeek> {
  const owner = await findOwnerByEmail(db, query.owner_email);
  if (!owner) {
    throw new OpenavailError("not_found", `No owner ${query.owner_email}.`, {
      details: [{ field: "owner", message: "no such owner" }],
    });
  }
  const zone = owner.timezone;
  const [from, to] =
    query.start !== undefined && query.end !== undefined
      ? [Date.parse(query.start), Date.parse(query.end)]
      : weekOf(zone, query.date, now);
  if (!(to > from) || to - from > MAX_RANGE_MS) {
    throw new OpenavailError("bad_request", "end must be after start, at most 14 days later.", {
      details: [{ field: "end", message: "must be after start, within 14 days" }],
    });
  }
  const calendars = await listCalendars(db, owner.id);
  const typeOf = new Map(calendars.map((c) => [c.id, c.calendar_type]));
  const agents = new Map(
    (await db.selectFrom("agents").select(["id", "name"]).execute()).map((a) => [a.id, a.name]),
  );
  const span = (start: number, end: number) => ({
    start: toInstant(start),
    end: toInstant(end),
    local_start: formatLocal(zone, start),
    local_end: formatLocal(zone, end),
  });

  const bookings = await db
    .selectFrom("bookings")
    .selectAll()
    .where("owner_id", "=", owner.id)
    .where("status", "!=", "cancelled")
    .where("start_ms", "<", to)
    .where("end_ms", ">", from)
    .orderBy("start_ms")
    .execute();
  const holds = await db
    .selectFrom("holds")
    .selectAll()
    .where("owner_id", "=", owner.id)
    .where("status", "=", "active")
    .where("expires_at", ">", now)
    .where("start_ms", "<", to)
    .where("end_ms", ">", from)
    .orderBy("start_ms")
    .execute();
  const events = await db
    .selectFrom("external_events")
    .selectAll()
    .where("owner_id", "=", owner.id)
    .where("busy", "=", 1)
    .where("booking_id", "is", null)
    .where("start_ms", "<", to)
    .where("end_ms", ">", from)
    .orderBy("start_ms")
    .execute();

  // What every item says of where and when it is.
  const placed = (row: { id: string; calendar_id: string; start_ms: number; end_ms: number }) => ({
    id: row.id,
    calendar_type: typeOf.get(row.calendar_id) ?? "",
    ...span(row.start_ms, row.end_ms),
  });
  const items: WeekItem[] = [];
  for (const b of bookings) {
    items.push({
      kind: "booking",
      ...placed(b),
      title: b.title,
      status: b.status,
      meeting_class: b.meeting_class,
      agent_id: b.agent_id,
      agent_name: agents.get(b.agent_id) ?? null,
      expires_at: null,
      displaced_by: b.status === "needs_reschedule" ? await displacers(db, b.id) : [],
    });
  }
  for (const h of holds) {
    items.push({
      kind: "hold",
      ...placed(h),
      title: null,
      status: h.status,
      meeting_class: h.meeting_class,
      agent_id: h.agent_id,
      agent_name: agents.get(h.agent_id) ?? null,
      expires_at: toInstant(h.expires_at),
      displaced_by: [],
    });
  }
  for (const e of events) {
    items.push({
      kind: "event",
      ...placed(e),
      title: e.title,
      status: "busy",
      meeting_class: null,
      agent_id: null,
      agent_name: null,
      expires_at: null,
      displaced_by: [],
    });
  }
  return {
    owner_email: owner.email,
    timezone: zone,
    ...span(from, to),
    days: localDaysBetween(zone, from, to).map((d) => ({
      date: d.key,
      weekday: d.weekday,
      start: toInstant(d.start),
      end: toInstant(d.end),
    })),
    items: items.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0)),
    calendars: calendars.map((c) => ({
      calendar_id: c.id,
      calendar_type: c.calendar_type,
      provider: c.provider,
      rules: c.rules_json === null ? null : (JSON.parse(c.rules_json) as AvailabilityRules),
    })),
  };
}

/** [start, end) of the Monday-to-Sunday week in `zone` holding `date` (default: today there). */
function weekOf(zone: string, date: string | undefined, now: number): [number, number] {
  const today = wallTimeAt(zone, now);
  const m = date ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(date) : null;
  if (date !== undefined && !m) {
    throw new OpenavailError("bad_request", `date "${date}" is not a date like 2026-12-07.`, {
      details: [{ field: "date", message: "must be YYYY-MM-DD" }],
    });
  }
  const [y, mo, d] = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [today.year, today.month, today.day];
  const weekday = new Date(utcMidnight(y, mo, d)).getUTCDay();
  const monday = d - ((weekday + 6) % 7);
  return [instantOfWallTime(zone, y, mo, monday, 0), instantOfWallTime(zone, y, mo, monday + 7, 0)];
}

/** The ids of whatever took a needs_reschedule booking's slot: the bookings of the Preempt decisions that displaced it. */
async function displacers(db: Kysely<Database>, bookingId: string): Promise<string[]> {
  const rows = await db
    .selectFrom("decisions")
    .select(["booking_id", "hold_id", "displaced_json"])
    .where("verdict", "=", "Preempt")
    .where("displaced_json", "like", `%${bookingId}%`)
    .orderBy("seq")
    .execute();
  return rows.map((r) => r.booking_id ?? r.hold_id ?? "").filter((id) => id !== "");
}
