// Objects a request names by id, found only when the caller may see them. Whether an id does not exist
// or belongs to an owner or agent the caller may not see, the answer is the same not_found, byte for
// byte but for the id: answering 403 for a real id of someone else's would let ids be probed.
import type { Kysely } from "kysely";
import { toInstant } from "../../schemas/time.js";
import { isPostgres, lockOwner } from "../ledger/dialect.js";
import { findCalendarById, findOwnerById } from "../ledger/owners.repository.js";
import { findBooking, findHold } from "../ledger/schedule.repository.js";
import type { BookingRow, CalendarRow, Database, HoldRow, OwnerRow } from "../ledger/tables.js";
import { type Caller, mayActOn } from "./caller.js";
import { OpenavailError } from "./errors.js";

/** The one answer for an id the caller cannot see, whatever the reason. */
export function notFound(what: string, id: string, field?: string): OpenavailError {
  return new OpenavailError("not_found", `No ${what} ${id} that you can see.`, {
    ...(field ? { details: [{ field, message: `no such ${what}` }] } : {}),
  });
}

/**
 * The row `find` reads, read under its owner's lock: on PostgreSQL a decision locks the owner, and a
 * hold or booking read before that lock may have been confirmed, displaced or moved by the time it
 * is acted on; so it is read again once the lock is held. (An owner never changes.) On SQLite the
 * transaction already excludes every other writer.
 */
async function underOwnerLock<R extends { owner_id: string }>(
  db: Kysely<Database>,
  find: () => Promise<R | undefined>,
): Promise<R | undefined> {
  const row = await find();
  if (!row || !isPostgres(db)) return row;
  await lockOwner(db, row.owner_id);
  return find();
}

/** A hold the caller's agent placed (or was given as a landing slot). */
export async function ownHold(db: Kysely<Database>, caller: Caller, holdId: string): Promise<HoldRow> {
  const hold = await underOwnerLock(db, () => findHold(db, holdId));
  if (!hold || hold.agent_id !== caller.agentId) throw notFound("hold", holdId, "hold_id");
  return hold;
}

/** A booking the caller's agent made. */
export async function ownBooking(
  db: Kysely<Database>,
  caller: Caller,
  bookingId: string,
): Promise<BookingRow> {
  const booking = await underOwnerLock(db, () => findBooking(db, bookingId));
  if (!booking || booking.agent_id !== caller.agentId) throw notFound("booking", bookingId, "booking_id");
  return booking;
}

/** Any agent's booking on an owner the caller may act on: the target of a preemption. */
export async function visibleBooking(
  db: Kysely<Database>,
  caller: Caller,
  bookingId: string,
): Promise<{ booking: BookingRow; owner: OwnerRow }> {
  const booking = await underOwnerLock(db, () => findBooking(db, bookingId));
  const owner = booking ? await findOwnerById(db, booking.owner_id) : undefined;
  if (!booking || !owner || !mayActOn(caller, owner.email))
    throw notFound("booking", bookingId, "booking_id");
  return { booking, owner };
}

/** A calendar of an owner the caller may act on. */
export async function visibleCalendar(
  db: Kysely<Database>,
  caller: Caller,
  calendarId: string,
): Promise<{ calendar: CalendarRow; owner: OwnerRow }> {
  const calendar = await findCalendarById(db, calendarId);
  const owner = calendar ? await findOwnerById(db, calendar.owner_id) : undefined;
  if (!calendar || !owner || !mayActOn(caller, owner.email))
    throw notFound("calendar", calendarId, "calendar_id");
  return { calendar, owner };
}

/**
 * Refuses to confirm a hold that no longer holds its slot, naming its state and since when. Expiry is
 * by the clock: a hold past `expires_at` is expired even before the sweeper has marked it so.
 */
export function requireConfirmable(hold: HoldRow, now: number): void {
  const expired = hold.status === "expired" || (hold.status === "active" && hold.expires_at <= now);
  if (hold.status === "active" && !expired) return;
  const again = "its slot is no longer held for you; call check_availability or create_hold again.";
  const message = expired
    ? `Hold ${hold.id} expired at ${toInstant(hold.expires_at)}: ${again}`
    : hold.status === "released"
      ? `Hold ${hold.id} was released at ${toInstant(hold.updated_at)}: ${again}`
      : `Hold ${hold.id} was already confirmed at ${toInstant(hold.updated_at)}; see list_bookings for its booking.`;
  const state = expired ? "expired" : hold.status;
  throw new OpenavailError("conflict", message, {
    details: [{ field: "hold_id", message: `the hold is ${state}, not active` }],
  });
}

/**
 * Whether `name` is a member of Object.prototype ("constructor", "toString", "__proto__", ...). Such
 * a name is never a calendar type: refused where types are created and where requests name one, so
 * no code that keys anything by type can ever meet one.
 */
export function isObjectPrototypeName(name: string): boolean {
  return Object.hasOwn(Object.prototype, name);
}

/** Refuses a calendar type that is an Object.prototype member name, naming `field`. */
export function requireCalendarTypeName(type: string, field: string): void {
  if (!isObjectPrototypeName(type)) return;
  throw new OpenavailError(
    "bad_request",
    `Invalid ${field}: "${type}" is a reserved name, not a calendar type; use a word such as work or personal.`,
    { details: [{ field, message: "must not be a reserved name such as constructor" }] },
  );
}
