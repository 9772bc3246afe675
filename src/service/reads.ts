// list_bookings, get_booking, get_free_busy and find_common_slots: reads that decide nothing and
// record no decision row.
import { toInstant } from "../../schemas/time.js";
import type { FindCommonSlotsInput, GetFreeBusyInput, ListBookingsInput } from "../../schemas/tools.js";
import type { Booking } from "../../schemas/wire.js";
import { type Bookable, bookableTime, busyBlocks, slotsOn } from "../core/free-slots.js";
import { type Interval, intersect, subtract } from "../core/interval.js";
import { ownerBusyIntervals } from "../ledger/busy-time.repository.js";
import { findOwnerByEmail } from "../ledger/owners.repository.js";
import { listBookings as listBookingRows } from "../ledger/schedule.repository.js";
import { requireOwner } from "./caller.js";
import type { Scheduling, Tx } from "./decisions.js";
import { OpenavailError } from "./errors.js";
import { visibleBooking } from "./lookups.js";
import { RowPresenter } from "./presenter.js";
import { findTarget, MINUTE, slotQuery, snapshot, spanOf } from "./targets.js";

/** A page of the bookings of the owners the caller may see, by start then id; `cursor` continues one. */
export async function listBookings(
  s: Scheduling,
  tx: Tx,
  input: ListBookingsInput,
): Promise<{ bookings: Booking[]; next_cursor: string | null }> {
  let ownerIds: string[] | undefined;
  if (input.owner_email !== undefined) {
    requireOwner(tx.caller, input.owner_email);
    const owner = await findOwnerByEmail(tx.trx, input.owner_email);
    ownerIds = owner ? [owner.id] : [];
  } else if (tx.caller.owners !== "*") {
    ownerIds = [];
    for (const email of tx.caller.owners) {
      const owner = await findOwnerByEmail(tx.trx, email);
      if (owner) ownerIds.push(owner.id);
    }
  }
  const range = input.window ? spanOf(input.window.start, input.window.end) : undefined;
  const after = input.cursor !== undefined ? decodeCursor(input.cursor) : undefined;
  const rows = await listBookingRows(tx.trx, {
    ...(ownerIds ? { ownerIds } : {}),
    ...(input.status ? { status: input.status } : {}),
    ...(range ? { range } : {}),
    ...(after ? { after } : {}),
    limit: input.limit + 1,
  });
  const page = rows.slice(0, input.limit);
  const presenter = new RowPresenter(s, tx);
  const bookings: Booking[] = [];
  for (const row of page) bookings.push(await presenter.booking(row));
  const last = page[page.length - 1];
  const nextCursor = rows.length > input.limit && last ? encodeCursor(last.start_ms, last.id) : null;
  return { bookings, next_cursor: nextCursor };
}

/** Any agent's booking on an owner the caller may act on; any other id is not found, like a made-up one. */
export async function getBooking(s: Scheduling, tx: Tx, bookingId: string): Promise<{ booking: Booking }> {
  const { booking } = await visibleBooking(tx.trx, tx.caller, bookingId);
  return { booking: await new RowPresenter(s, tx).booking(booking) };
}

/** The owner's busy time in a range, merged; no buffers, no titles. */
export async function getFreeBusy(
  s: Scheduling,
  tx: Tx,
  input: GetFreeBusyInput,
): Promise<{
  owner_email: string;
  timezone: string;
  busy: { start: string; end: string }[];
  warnings: string[];
}> {
  const target = await findTarget(s, tx, input.owner_email, undefined);
  const range = spanOf(input.window.start, input.window.end);
  // Busy time needs no margin (that is for caps and buffers, which free/busy does not apply), and
  // none of what the arbiter's snapshot carries besides when.
  const busy = await ownerBusyIntervals(tx.trx, target.owner.id, range, tx.now);
  return {
    owner_email: target.owner.email,
    timezone: target.rules.timeZone,
    busy: busyBlocks(busy, range).map((b) => ({ start: toInstant(b.start), end: toInstant(b.end) })),
    warnings: target.warnings,
  };
}

/** Slots free for every owner named, on the first owner's grid, each owner's capped days left out. */
export async function findCommonSlots(
  s: Scheduling,
  tx: Tx,
  input: FindCommonSlotsInput,
): Promise<{ slots: { start: string; end: string }[]; warnings: string[] }> {
  const window = spanOf(input.window.start, input.window.end);
  const emails = [...new Set(input.owner_emails)];
  let common: Interval[] | null = null;
  let grid: Bookable | null = null;
  const warnings: string[] = [];
  for (const email of emails) {
    const target = await findTarget(s, tx, email, undefined);
    warnings.push(...target.warnings);
    const items = await snapshot(tx, target.owner.id, window);
    const bookable = bookableTime(slotQuery(tx, target, items, window, input));
    // Each owner's days at their cap are simply not free for them; the first owner's grid aligns slots.
    const free = subtract(bookable.free, bookable.capped);
    grid ??= bookable;
    common = common === null ? free : intersect(common, free);
  }
  const slots = grid
    ? slotsOn(
        { ...grid, free: common ?? [], capped: [] },
        input.duration_minutes * MINUTE,
        input.granularity_minutes * MINUTE,
        input.max_slots,
      )
    : [];
  return {
    slots: slots.map((slot) => ({ start: toInstant(slot.start), end: toInstant(slot.end) })),
    warnings,
  };
}

function encodeCursor(start: number, id: string): string {
  return Buffer.from(JSON.stringify([start, id])).toString("base64url");
}

function decodeCursor(cursor: string): { start: number; id: string } {
  try {
    const [start, id] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as [unknown, unknown];
    if (typeof start === "number" && Number.isSafeInteger(start) && typeof id === "string")
      return { start, id };
  } catch {
    // fall through to the error below
  }
  throw new OpenavailError(
    "bad_request",
    "cursor is not one this server issued; pass next_cursor unchanged.",
    {
      details: [{ field: "cursor", message: "invalid cursor" }],
    },
  );
}
