// Stored bookings and holds in their wire form, for reads that return many rows or other agents' rows:
// the owner, calendar (with the time zone its rules use) and agent priority each row names are looked
// up once per call, as a page of rows names few distinct ones.
import type { Booking, Hold } from "../../schemas/wire.js";
import { findAgent } from "../ledger/agents.repository.js";
import { findCalendarById, findOwnerById } from "../ledger/owners.repository.js";
import type { BookingRow, CalendarRow, HoldRow, OwnerRow } from "../ledger/tables.js";
import type { Scheduling, Tx } from "./decisions.js";
import { presentBooking, presentHold, standingOf } from "./present.js";
import { targetOf } from "./targets.js";

interface Place {
  readonly owner: OwnerRow;
  readonly calendar: CalendarRow;
  readonly timeZone: string;
}

export class RowPresenter {
  readonly #s: Scheduling;
  readonly #tx: Tx;
  readonly #owners = new Map<string, OwnerRow>();
  readonly #places = new Map<string, Place>();
  readonly #priorities = new Map<string, number>();

  constructor(s: Scheduling, tx: Tx) {
    this.#s = s;
    this.#tx = tx;
    this.#priorities.set(tx.caller.agentId, tx.caller.priority);
  }

  async booking(row: BookingRow): Promise<Booking> {
    const { owner, calendar, timeZone } = await this.#place(row.owner_id, row.calendar_id);
    const standing = standingOf(this.#s.deps.policy, row.meeting_class, await this.#priority(row.agent_id));
    return presentBooking(row, owner, calendar, timeZone, standing);
  }

  async hold(row: HoldRow): Promise<Hold> {
    const { owner, calendar, timeZone } = await this.#place(row.owner_id, row.calendar_id);
    return presentHold(row, owner, calendar, timeZone);
  }

  async #place(ownerId: string, calendarId: string): Promise<Place> {
    let place = this.#places.get(calendarId);
    if (!place) {
      let owner = this.#owners.get(ownerId);
      if (!owner) {
        owner = (await findOwnerById(this.#tx.trx, ownerId))!;
        this.#owners.set(ownerId, owner);
      }
      const calendar = (await findCalendarById(this.#tx.trx, calendarId))!;
      place = { owner, calendar, timeZone: targetOf(this.#s, this.#tx, owner, calendar).rules.timeZone };
      this.#places.set(calendarId, place);
    }
    return place;
  }

  /** The agent's priority now: the arbiter weighs a booking by its agent's current priority too. */
  async #priority(agentId: string): Promise<number> {
    let priority = this.#priorities.get(agentId);
    if (priority === undefined) {
      priority = (await findAgent(this.#tx.trx, agentId))!.priority;
      this.#priorities.set(agentId, priority);
    }
    return priority;
  }
}
