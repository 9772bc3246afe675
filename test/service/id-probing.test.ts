// Ids cannot be probed (issue 5i): every tool that looks an object up by id answers an id the caller
// may not see (another owner's, another agent's) exactly as it answers a made-up id: the same
// not_found body, byte for byte once the id itself is swapped. Before, another owner's real booking
// or calendar answered 403 where a made-up id answered 404.
import { describe, expect, it } from "vitest";
import type { Caller } from "../../src/service/caller.js";
import { NINE_TO_FIVE, type World } from "../helpers/world.js";
import { useWorld } from "./fixtures.js";

const CEO = "ceo@example.com";
const CFO = "cfo@example.com";
const RULES = { timezone: "America/New_York", working_hours: NINE_TO_FIVE };

interface Fixture {
  /** May act on CEO only. */
  readonly prober: Caller;
  /** Ids the prober may not see. */
  readonly foreign: {
    readonly booking: string;
    readonly hold: string;
    readonly calendar: string;
    /** Another agent's, on the owner the prober may act on. */
    readonly sameOwnerBooking: string;
    readonly sameOwnerHold: string;
  };
}

let calendars: { ceo: string; cfo: string };
const world = useWorld("2026-03-02T12:00:00Z", async (w) => {
  const ceo = await w.addOwner(CEO, "America/New_York", RULES);
  const cfo = await w.addOwner(CFO, "America/New_York", RULES);
  calendars = { ceo: ceo.calendarId, cfo: cfo.calendarId };
});

async function fixture(w: World): Promise<Fixture> {
  const other = await w.addAgent({ name: "other", defaultClass: "internal_sync" });
  const prober = await w.addAgent({
    name: "prober",
    owners: [CEO],
    defaultClass: "exec_meeting",
    priority: 9,
  });
  const on = (owner: string, day: string) => ({
    owner_email: owner,
    start: `2026-03-0${day}T15:00:00Z`,
    duration_minutes: 30,
  });
  const booking = await w.call(other.caller, "create_booking", { ...on(CFO, "3"), title: "Secret" });
  const hold = await w.call(other.caller, "create_hold", on(CFO, "4"));
  const sameOwnerBooking = await w.call(other.caller, "create_booking", { ...on(CEO, "5"), title: "Theirs" });
  const sameOwnerHold = await w.call(other.caller, "create_hold", on(CEO, "6"));
  return {
    prober: prober.caller,
    foreign: {
      booking: booking.booking.booking_id,
      hold: hold.hold.hold_id,
      calendar: calendars.cfo,
      sameOwnerBooking: sameOwnerBooking.booking.booking_id,
      sameOwnerHold: sameOwnerHold.hold.hold_id,
    },
  };
}

/** An id of the same shape and length as `id` that names nothing. */
const madeUp = (id: string) => `${id.slice(0, 4)}${"z".repeat(id.length - 4)}`;

type Case = [
  label: string,
  tool: string,
  pick: (f: Fixture["foreign"]) => string,
  args: (id: string) => object,
];

const CASES: Case[] = [
  [
    "cancel_booking, another owner's booking",
    "cancel_booking",
    (f) => f.booking,
    (id) => ({ booking_id: id }),
  ],
  [
    "cancel_booking, another agent's booking",
    "cancel_booking",
    (f) => f.sameOwnerBooking,
    (id) => ({ booking_id: id }),
  ],
  [
    "reschedule_booking, another owner's booking",
    "reschedule_booking",
    (f) => f.booking,
    (id) => ({ booking_id: id, start: "2026-03-09T15:00:00Z", duration_minutes: 30 }),
  ],
  [
    "reschedule_booking, another agent's booking",
    "reschedule_booking",
    (f) => f.sameOwnerBooking,
    (id) => ({ booking_id: id, start: "2026-03-09T15:00:00Z", duration_minutes: 30 }),
  ],
  [
    "preempt, another owner's booking",
    "preempt",
    (f) => f.booking,
    (id) => ({ booking_id: id, title: "Mine" }),
  ],
  ["release_hold, another owner's hold", "release_hold", (f) => f.hold, (id) => ({ hold_id: id })],
  ["release_hold, another agent's hold", "release_hold", (f) => f.sameOwnerHold, (id) => ({ hold_id: id })],
  [
    "create_booking (confirm), another owner's hold",
    "create_booking",
    (f) => f.hold,
    (id) => ({ hold_id: id, title: "Mine" }),
  ],
  [
    "create_booking (confirm), another agent's hold",
    "create_booking",
    (f) => f.sameOwnerHold,
    (id) => ({ hold_id: id, title: "Mine" }),
  ],
  [
    "get_availability_rules, another owner's calendar",
    "get_availability_rules",
    (f) => f.calendar,
    (id) => ({ calendar_id: id }),
  ],
  [
    "set_availability_rules, another owner's calendar",
    "set_availability_rules",
    (f) => f.calendar,
    (id) => ({ calendar_id: id, timezone: "UTC" }),
  ],
  [
    "delete_availability_rules, another owner's calendar",
    "delete_availability_rules",
    (f) => f.calendar,
    (id) => ({ calendar_id: id }),
  ],
];

describe("an id the caller may not see answers exactly as a made-up one", () => {
  it.each(CASES)("%s", async (_, tool, pick, args) => {
    const w = world();
    const f = await fixture(w);
    const real = pick(f.foreign);
    const fake = madeUp(real);
    const seen = await w.call(f.prober, tool, args(real));
    const invented = await w.call(f.prober, tool, args(fake));
    expect(invented.error).toBe("not_found");
    expect(JSON.stringify(seen).replaceAll(real, fake)).toBe(JSON.stringify(invented));
    expect(JSON.stringify(seen)).not.toContain(CFO);
  });

  it("and the refusals changed nothing", async () => {
    const w = world();
    const f = await fixture(w);
    const snapshot = async () =>
      JSON.stringify(
        await Promise.all([
          w.app.ledger.db.selectFrom("bookings").selectAll().orderBy("id").execute(),
          w.app.ledger.db.selectFrom("holds").selectAll().orderBy("id").execute(),
          w.app.ledger.db
            .selectFrom("calendars")
            .select(["id", "rules_json", "rules_id", "rules_updated_at"])
            .orderBy("id")
            .execute(),
        ]),
      );
    const before = await snapshot();
    for (const [, tool, pick, args] of CASES) await w.call(f.prober, tool, args(pick(f.foreign)));
    expect(await snapshot()).toBe(before);
  });

  it("the prober's own objects and its owner's calendar still work", async () => {
    const w = world();
    const f = await fixture(w);
    const mine = await w.call(f.prober, "create_booking", {
      owner_email: CEO,
      start: "2026-03-10T15:00:00Z",
      duration_minutes: 30,
      title: "Mine",
    });
    expect(mine.verdict).toBe("Accept");
    expect(
      (await w.call(f.prober, "cancel_booking", { booking_id: mine.booking.booking_id })).booking.status,
    ).toBe("cancelled");
    const rules = await w.call(f.prober, "get_availability_rules", { calendar_id: calendars.ceo });
    expect(rules.calendar_id).toBe(calendars.ceo);
    const taken = await w.call(f.prober, "preempt", {
      booking_id: f.foreign.sameOwnerBooking,
      title: "Board",
    });
    expect(taken.verdict).toBe("Preempt");
  });
});
