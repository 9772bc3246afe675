// Every verdict and reason code of DESIGN.md section 5, through the service (executeTool), with the
// decision row each one leaves. All owners are in America/New_York, UTC-5 until 2026-03-08.
import { describe, expect, it } from "vitest";
import { upsertExternalEvent } from "../../src/ledger/schedule.repository.js";
import type { Caller } from "../../src/service/caller.js";
import { NINE_TO_FIVE, type World } from "../helpers/world.js";
import { decisionRow, useWorld } from "./fixtures.js";

// Now: Mon 2026-03-02 12:00Z = 07:00 EST.
const world = useWorld("2026-03-02T12:00:00Z", async (w) => {
  await w.addOwner("ceo@example.com", "America/New_York", {
    timezone: "America/New_York",
    working_hours: NINE_TO_FIVE,
  });
});

interface Agents {
  sales: Caller;
  exec: Caller;
  execNoPreempt: Caller;
}

async function agents(w: World): Promise<Agents> {
  const sales = await w.addAgent({
    name: "sales bot",
    scopes: ["read_freebusy", "read_events", "create_holds", "create_bookings"],
    defaultClass: "external_customer_call",
  });
  const exec = await w.addAgent({ name: "exec assistant", defaultClass: "exec_meeting", priority: 5 });
  const execNoPreempt = await w.addAgent({
    name: "exec without preempt",
    scopes: ["read_freebusy", "create_holds", "create_bookings"],
    defaultClass: "exec_meeting",
  });
  return { sales: sales.caller, exec: exec.caller, execNoPreempt: execNoPreempt.caller };
}

function book(
  w: World,
  caller: Caller,
  owner: string,
  start: string,
  end: string,
  extra: Record<string, unknown> = {},
) {
  return w.call(caller, "create_booking", { owner_email: owner, start, end, title: "Meeting", ...extra });
}

/** The decision row agrees with the response: verdict, reason, ids, policy hash and request. */
async function expectDecision(
  w: World,
  body: Record<string, any>,
  tool: string,
  request: Record<string, unknown>,
): Promise<void> {
  const row = await decisionRow(w, body.decision_id);
  expect(row.tool).toBe(tool);
  expect(row.verdict).toBe(body.verdict);
  expect(row.reason_code).toBe(body.reason_code);
  expect(row.booking_id).toBe(body.booking?.booking_id ?? null);
  expect(row.hold_id).toBe(body.hold?.hold_id ?? null);
  expect(row.policy_hash).toBe(w.app.policy.hash);
  expect(row.policy_hash).toMatch(/^[0-9a-f]{16}$/);
  expect(JSON.parse(row.request_json)).toEqual(request);
  expect(JSON.parse(row.alternatives_json)).toEqual(body.alternatives);
  expect(JSON.parse(row.displaced_json)).toEqual(body.displaced);
  expect(row.at).toBe(w.clock.now);
  expect(row.agent_id).toBe(body.booking?.agent_id ?? row.agent_id);
  expect(row.key_prefix).toMatch(/^ak_/);
  // Regression: latency_us was always written as 0.
  expect(row.latency_us).toBeGreaterThan(0);
}

describe("hard rules", () => {
  it("WORKING_HOURS: before opening is a Reject suggesting the morning; a Saturday suggests nothing", async () => {
    const w = world();
    const { sales } = await agents(w);
    // Tue 2026-03-03 08:00-08:30 EST: an hour before opening.
    const early = await book(w, sales, "ceo@example.com", "2026-03-03T13:00:00Z", "2026-03-03T13:30:00Z");
    expect(early.verdict).toBe("Reject");
    expect(early.reason_code).toBe("WORKING_HOURS");
    expect(early.alternatives.map((a: { start: string }) => a.start)).toEqual([
      "2026-03-03T14:00:00Z", // 09:00 EST
      "2026-03-03T14:15:00Z",
      "2026-03-03T14:30:00Z",
      "2026-03-03T14:45:00Z",
      "2026-03-03T15:00:00Z",
    ]);
    expect(early.alternatives[0]).toEqual({
      start: "2026-03-03T14:00:00Z",
      end: "2026-03-03T14:30:00Z",
      local_start: "2026-03-03T09:00:00-05:00",
      reason_code: "WORKING_HOURS",
    });
    await expectDecision(w, early, "create_booking", {
      owner_email: "ceo@example.com",
      start: "2026-03-03T13:00:00Z",
      end: "2026-03-03T13:30:00Z",
      title: "Meeting",
      attendees: [],
    });

    // Tue 16:45-17:15 EST runs past closing: the nearest slot is 16:30-17:00.
    const late = await book(w, sales, "ceo@example.com", "2026-03-03T21:45:00Z", "2026-03-03T22:15:00Z");
    expect(late.reason_code).toBe("WORKING_HOURS");
    expect(late.alternatives[0].start).toBe("2026-03-03T21:30:00Z");

    // Sat 2026-03-07 10:00 EST: no working hours that day, so nothing to offer.
    const saturday = await book(w, sales, "ceo@example.com", "2026-03-07T15:00:00Z", "2026-03-07T15:30:00Z");
    expect(saturday.verdict).toBe("Reject");
    expect(saturday.reason_code).toBe("WORKING_HOURS");
    expect(saturday.alternatives).toEqual([]);
    expect(saturday.booking).toBeNull();

    // Exactly 09:00-17:00 EST fits.
    const allDay = await book(w, sales, "ceo@example.com", "2026-03-03T14:00:00Z", "2026-03-03T22:00:00Z");
    expect(allDay.verdict).toBe("Accept");
  });

  it("HARD_BLOCK: a slot in the block is a Reject suggesting slots around it; touching the block is fine", async () => {
    const w = world();
    const { sales } = await agents(w);
    await w.addOwner("block@example.com", "America/New_York", {
      timezone: "America/New_York",
      working_hours: NINE_TO_FIVE,
      // Tue 12:00-13:00 EST.
      hard_blocks: [{ start: "2026-03-03T17:00:00Z", end: "2026-03-03T18:00:00Z", reason: "offsite" }],
    });
    // Tue 12:30-13:00 EST.
    const inBlock = await book(w, sales, "block@example.com", "2026-03-03T17:30:00Z", "2026-03-03T18:00:00Z");
    expect(inBlock.verdict).toBe("Reject");
    expect(inBlock.reason_code).toBe("HARD_BLOCK");
    // 13:00 EST is 30 min away; 11:30 EST is 60 min away.
    expect(inBlock.alternatives[0].start).toBe("2026-03-03T18:00:00Z");

    const narrow = await book(w, sales, "block@example.com", "2026-03-03T17:30:00Z", "2026-03-03T18:00:00Z", {
      alternatives_window: { start: "2026-03-03T17:30:00Z", end: "2026-03-03T18:00:00Z" },
    });
    expect(narrow.verdict).toBe("Reject");
    expect(narrow.reason_code).toBe("HARD_BLOCK");

    // Tue 11:30-12:00 EST ends where the block starts: [a, b) and [b, c) do not overlap.
    const before = await book(w, sales, "block@example.com", "2026-03-03T16:30:00Z", "2026-03-03T17:00:00Z");
    expect(before.verdict).toBe("Accept");
  });

  it("DAILY_LIMIT: the second booking of a local day is refused, the next day suggested", async () => {
    const w = world();
    const { sales } = await agents(w);
    await w.addOwner("cap@example.com", "America/New_York", {
      timezone: "America/New_York",
      working_hours: NINE_TO_FIVE,
      max_bookings_per_day: 1,
    });
    // Tue 10:00 EST.
    const first = await book(w, sales, "cap@example.com", "2026-03-03T15:00:00Z", "2026-03-03T15:30:00Z");
    expect(first.verdict).toBe("Accept");
    // Tue 13:00 EST: same local day, cap reached, and the default window is that day.
    const second = await book(w, sales, "cap@example.com", "2026-03-03T18:00:00Z", "2026-03-03T18:30:00Z");
    expect(second.verdict).toBe("Reject");
    expect(second.reason_code).toBe("DAILY_LIMIT");
    // With a window into Wednesday the first Wednesday slot (09:00 EST) is offered.
    const wider = await book(w, sales, "cap@example.com", "2026-03-03T18:00:00Z", "2026-03-03T18:30:00Z", {
      alternatives_window: { start: "2026-03-03T14:00:00Z", end: "2026-03-04T22:00:00Z" },
    });
    expect(wider.verdict).toBe("Reject");
    expect(wider.reason_code).toBe("DAILY_LIMIT");
    expect(wider.alternatives[0].start).toBe("2026-03-04T14:00:00Z");
    expect(wider.alternatives[0].local_start).toBe("2026-03-04T09:00:00-05:00");

    // Cancelling the first booking frees the day.
    await w.call(sales, "cancel_booking", { booking_id: first.booking.booking_id });
    const retry = await book(w, sales, "cap@example.com", "2026-03-03T18:00:00Z", "2026-03-03T18:30:00Z");
    expect(retry.verdict).toBe("Accept");
  });

  it("MIN_NOTICE: too soon is a Reject suggesting the first slot after the notice; exactly at it is fine", async () => {
    const w = world();
    const { sales } = await agents(w);
    await w.addOwner("notice@example.com", "America/New_York", {
      timezone: "America/New_York",
      working_hours: NINE_TO_FIVE,
      min_notice_minutes: 240,
    });
    // Now is Mon 07:00 EST; notice runs to 11:00 EST (16:00Z). Ask for Mon 10:00 EST.
    const soon = await book(w, sales, "notice@example.com", "2026-03-02T15:00:00Z", "2026-03-02T15:30:00Z");
    expect(soon.verdict).toBe("Reject");
    expect(soon.reason_code).toBe("MIN_NOTICE");
    expect(soon.alternatives[0].start).toBe("2026-03-02T16:00:00Z");
    const atNotice = await book(
      w,
      sales,
      "notice@example.com",
      "2026-03-02T16:00:00Z",
      "2026-03-02T16:30:00Z",
    );
    expect(atNotice.verdict).toBe("Accept");
  });

  it("OUTSIDE_HORIZON: beyond the horizon is rejected; a wider window offers the last slot before it", async () => {
    const w = world();
    const { sales } = await agents(w);
    // No working hours: every minute is open until now + 7 days = Mon 2026-03-09 12:00Z (08:00 EDT).
    await w.addOwner("horizon@example.com", "America/New_York", {
      timezone: "America/New_York",
      max_horizon_days: 7,
    });
    // Tue 2026-03-10 11:00 EDT: its whole local day is past the horizon.
    const far = await book(w, sales, "horizon@example.com", "2026-03-10T15:00:00Z", "2026-03-10T15:30:00Z");
    expect(far.verdict).toBe("Reject");
    expect(far.reason_code).toBe("OUTSIDE_HORIZON");
    // Mon 2026-03-09 07:30-08:15 EDT ends 15 minutes past the horizon; 07:15-08:00 EDT fits.
    const straddle = await book(
      w,
      sales,
      "horizon@example.com",
      "2026-03-09T11:30:00Z",
      "2026-03-09T12:15:00Z",
    );
    expect(straddle.verdict).toBe("Reject");
    expect(straddle.reason_code).toBe("OUTSIDE_HORIZON");
    expect(straddle.alternatives[0]).toMatchObject({
      start: "2026-03-09T11:15:00Z",
      end: "2026-03-09T12:00:00Z",
      local_start: "2026-03-09T07:15:00-04:00",
    });
    const atHorizon = await book(
      w,
      sales,
      "horizon@example.com",
      "2026-03-09T11:15:00Z",
      "2026-03-09T12:00:00Z",
    );
    expect(atHorizon.verdict).toBe("Accept");
  });

  it("checks hard rules before conflicts: a taken slot outside working hours says WORKING_HOURS", async () => {
    const w = world();
    const { sales } = await agents(w);
    await w.addOwner("open@example.com", "America/New_York", { timezone: "America/New_York" });
    // Tue 08:00-08:30 EST, booked while the calendar has no working hours.
    const taken = await book(w, sales, "open@example.com", "2026-03-03T13:00:00Z", "2026-03-03T13:30:00Z");
    expect(taken.verdict).toBe("Accept");
    const calendarId = taken.booking.calendar_id;
    const admin = await w.addAgent({ name: "rules admin", scopes: ["manage_rules"] });
    const set = await w.call(admin.caller, "set_availability_rules", {
      calendar_id: calendarId,
      timezone: "America/New_York",
      working_hours: NINE_TO_FIVE,
    });
    expect(set.isError).toBeUndefined();
    const again = await book(w, sales, "open@example.com", "2026-03-03T13:00:00Z", "2026-03-03T13:30:00Z");
    expect(again.reason_code).toBe("WORKING_HOURS");
  });
});

describe("conflicts", () => {
  it("CONFLICT: counter-proposes the nearest free slots, ties to the earlier one", async () => {
    const w = world();
    const { sales } = await agents(w);
    // Tue 10:00-10:30 EST.
    const first = await book(w, sales, "ceo@example.com", "2026-03-03T15:00:00Z", "2026-03-03T15:30:00Z");
    expect(first.verdict).toBe("Accept");
    // Tue 10:15-10:45 EST by another sales request.
    const clash = await book(w, sales, "ceo@example.com", "2026-03-03T15:15:00Z", "2026-03-03T15:45:00Z");
    expect(clash.verdict).toBe("CounterPropose");
    expect(clash.reason_code).toBe("CONFLICT");
    expect(clash.alternatives.map((a: { start: string }) => a.start)).toEqual([
      "2026-03-03T15:30:00Z", // 10:30 EST, 15 min after
      "2026-03-03T15:45:00Z", // 30 min after (14:45 would overlap the 10:00 booking)
      "2026-03-03T14:30:00Z", // 09:30 EST, 45 min before: ties with 16:00 go to the earlier slot
      "2026-03-03T16:00:00Z",
      "2026-03-03T14:15:00Z", // 60 min before, tied with 16:15
    ]);
    expect(clash.alternatives.every((a: { reason_code: string }) => a.reason_code === "CONFLICT")).toBe(true);
    expect(clash.booking).toBeNull();
  });

  it("NO_CAPACITY: a conflict with nothing free in the window is rejected", async () => {
    const w = world();
    const { sales } = await agents(w);
    await book(w, sales, "ceo@example.com", "2026-03-03T15:00:00Z", "2026-03-03T15:30:00Z");
    const args = {
      owner_email: "ceo@example.com",
      start: "2026-03-03T15:15:00Z",
      end: "2026-03-03T15:45:00Z",
      title: "Meeting",
      alternatives_window: { start: "2026-03-03T15:15:00Z", end: "2026-03-03T15:45:00Z" },
    };
    const full = await w.call(sales, "create_booking", args);
    expect(full.verdict).toBe("Reject");
    expect(full.reason_code).toBe("NO_CAPACITY");
    await expectDecision(w, full, "create_booking", { ...args, attendees: [] });
  });

  it("NO_CAPACITY: an external event is never displaced, whatever the requester's rank", async () => {
    const w = world();
    const { exec } = await agents(w);
    const owner = await w.app.ledger.db
      .selectFrom("owners")
      .innerJoin("calendars", "calendars.owner_id", "owners.id")
      .select(["owners.id as ownerId", "calendars.id as calendarId"])
      .where("owners.email", "=", "ceo@example.com")
      .executeTakeFirstOrThrow();
    // The owner's own dentist appointment, Tue 14:00-15:00 EST.
    await upsertExternalEvent(w.app.ledger.db, {
      id: "ext_dentist",
      owner_id: owner.ownerId,
      calendar_id: owner.calendarId,
      external_id: "google-123",
      start_ms: Date.parse("2026-03-03T19:00:00Z"),
      end_ms: Date.parse("2026-03-03T20:00:00Z"),
      busy: 1,
      title: "Dentist",
      booking_id: null,
      updated_at: w.clock.now,
    });
    const board = await book(w, exec, "ceo@example.com", "2026-03-03T19:00:00Z", "2026-03-03T19:30:00Z", {
      alternatives_window: { start: "2026-03-03T19:00:00Z", end: "2026-03-03T20:00:00Z" },
    });
    expect(board.verdict).toBe("Reject");
    expect(board.reason_code).toBe("NO_CAPACITY");
  });

  it("PREEMPT_NOT_PERMITTED: would win but lacks the scope", async () => {
    const w = world();
    const { sales, execNoPreempt } = await agents(w);
    const victim = await book(w, sales, "ceo@example.com", "2026-03-03T15:00:00Z", "2026-03-03T15:30:00Z");
    const offered = await book(
      w,
      execNoPreempt,
      "ceo@example.com",
      "2026-03-03T15:00:00Z",
      "2026-03-03T15:30:00Z",
    );
    expect(offered.verdict).toBe("Reject");
    expect(offered.reason_code).toBe("PREEMPT_NOT_PERMITTED");
    expect(offered.alternatives[0].start).toBe("2026-03-03T14:30:00Z");
    const refused = await book(
      w,
      execNoPreempt,
      "ceo@example.com",
      "2026-03-03T15:00:00Z",
      "2026-03-03T15:30:00Z",
      { alternatives_window: { start: "2026-03-03T15:00:00Z", end: "2026-03-03T15:30:00Z" } },
    );
    expect(refused.verdict).toBe("Reject");
    expect(refused.reason_code).toBe("PREEMPT_NOT_PERMITTED");
    const still = await w.app.ledger.db
      .selectFrom("bookings")
      .select("status")
      .where("id", "=", victim.booking.booking_id)
      .executeTakeFirstOrThrow();
    expect(still.status).toBe("confirmed");
  });

  it("Preempt: a higher class with the scope displaces, leaves a landing hold and notifies", async () => {
    const w = world();
    const { sales, exec } = await agents(w);
    const victim = await book(w, sales, "ceo@example.com", "2026-03-03T15:00:00Z", "2026-03-03T15:30:00Z");
    const board = await book(w, exec, "ceo@example.com", "2026-03-03T15:00:00Z", "2026-03-03T15:30:00Z", {
      title: "Board prep",
    });
    expect(board.verdict).toBe("Preempt");
    expect(board.reason_code).toBeNull();
    expect(board.booking.meeting_class).toBe("exec_meeting");
    expect(board.displaced).toEqual([
      {
        kind: "booking",
        id: victim.booking.booking_id,
        agent_id: sales.agentId,
        start: "2026-03-03T15:00:00Z",
        end: "2026-03-03T15:30:00Z",
        meeting_class: "external_customer_call",
        landing_hold_id: expect.stringMatching(/^hld_/),
      },
    ]);
    await expectDecision(w, board, "create_booking", {
      owner_email: "ceo@example.com",
      start: "2026-03-03T15:00:00Z",
      end: "2026-03-03T15:30:00Z",
      title: "Board prep",
      attendees: [],
    });
    const moved = await w.app.ledger.db
      .selectFrom("bookings")
      .select("status")
      .where("id", "=", victim.booking.booking_id)
      .executeTakeFirstOrThrow();
    expect(moved.status).toBe("needs_reschedule");
    const inbox = await w.call(sales, "get_notifications", {});
    expect(inbox.notifications).toHaveLength(1);
    expect(inbox.notifications[0]).toMatchObject({
      type: "booking.preempted",
      booking_id: victim.booking.booking_id,
      winner_class: "exec_meeting",
      // 09:30 and 10:30 EST are both 30 min from 10:00 EST: the tie goes to the earlier slot.
      landing_hold: { start: "2026-03-03T14:30:00Z", agent_id: sales.agentId, status: "active" },
    });
  });
});

describe("landing slots", () => {
  it("are searched over the displaced booking's own days, seeing what is booked there", async () => {
    const w = world();
    const { sales, exec } = await agents(w);
    // UTC owner, no rules. X runs across midnight, Tue 23:30 - Wed 00:30; Y sits just before it.
    await w.addOwner("utc@example.com", "UTC");
    const y = await book(w, sales, "utc@example.com", "2026-03-03T22:30:00Z", "2026-03-03T23:30:00Z");
    const x = await book(w, sales, "utc@example.com", "2026-03-03T23:30:00Z", "2026-03-04T00:30:00Z");
    expect([y.verdict, x.verdict]).toEqual(["Accept", "Accept"]);
    // The exec meeting takes Wed 00:00-00:30, a day after X's start day began.
    const board = await book(w, exec, "utc@example.com", "2026-03-04T00:00:00Z", "2026-03-04T00:30:00Z");
    expect(board.verdict).toBe("Preempt");
    const landingId = board.displaced[0].landing_hold_id;
    const landing = await w.app.ledger.db
      .selectFrom("holds")
      .selectAll()
      .where("id", "=", landingId)
      .executeTakeFirstOrThrow();
    // Tue 22:30 is as near as Wed 00:30 but taken by Y; Wed 00:30 is free.
    expect([landing.start_ms, landing.end_ms]).toEqual([
      Date.parse("2026-03-04T00:30:00Z"),
      Date.parse("2026-03-04T01:30:00Z"),
    ]);
  });
});

describe("the preempt tool", () => {
  async function victimAndAgents(w: World) {
    const a = await agents(w);
    // Tue 10:00-10:30 EST and 11:00-11:30 EST.
    const x = await book(w, a.sales, "ceo@example.com", "2026-03-03T15:00:00Z", "2026-03-03T15:30:00Z");
    const y = await book(w, a.sales, "ceo@example.com", "2026-03-03T16:00:00Z", "2026-03-03T16:30:00Z");
    return { ...a, x: x.booking.booking_id as string, y: y.booking.booking_id as string };
  }

  it("Preempt: takes the named booking's slot", async () => {
    const w = world();
    const { exec, x } = await victimAndAgents(w);
    const res = await w.call(exec, "preempt", { booking_id: x, title: "Board" });
    expect(res.verdict).toBe("Preempt");
    expect(res.booking.start).toBe("2026-03-03T15:00:00Z");
    expect(res.displaced.map((d: { id: string }) => d.id)).toEqual([x]);
    await expectDecision(w, res, "preempt", { booking_id: x, title: "Board", attendees: [] });
  });

  it("TARGET_NOT_IN_SLOT: the slot is free, or it overlaps a different booking", async () => {
    const w = world();
    const { exec, x } = await victimAndAgents(w);
    // Tue 13:00-13:30 EST: free, so there is nothing of x's to displace.
    const free = await w.call(exec, "preempt", {
      booking_id: x,
      start: "2026-03-03T18:00:00Z",
      end: "2026-03-03T18:30:00Z",
      title: "Board",
    });
    expect(free.verdict).toBe("Reject");
    expect(free.reason_code).toBe("TARGET_NOT_IN_SLOT");
    expect(free.booking).toBeNull();
    // Tue 11:00-11:30 EST: overlaps y, not x.
    const other = await w.call(exec, "preempt", {
      booking_id: x,
      start: "2026-03-03T16:00:00Z",
      end: "2026-03-03T16:30:00Z",
      title: "Board",
    });
    expect(other.verdict).toBe("Reject");
    expect(other.reason_code).toBe("TARGET_NOT_IN_SLOT");
    expect(await confirmedIds(w)).toHaveLength(2);
  });

  it("NO_CAPACITY: a non-preemptible class, and a booking older than protect_after_hours", async () => {
    const w = world();
    const { exec, x } = await victimAndAgents(w);
    const rival = await w.addAgent({ name: "other exec", defaultClass: "exec_meeting", priority: 9 });
    // exec_meeting is not preemptible, even for a higher-priority exec agent.
    const board = await book(w, exec, "ceo@example.com", "2026-03-04T15:00:00Z", "2026-03-04T15:30:00Z");
    const tryExec = await w.call(rival.caller, "preempt", {
      booking_id: board.booking.booking_id,
      title: "Mine",
    });
    expect(tryExec.verdict).toBe("Reject");
    expect(tryExec.reason_code).toBe("NO_CAPACITY");

    // x was booked at Mon 12:00Z; protect_after_hours = 24 protects it from Tue 12:00Z on.
    w.clock.now = Date.parse("2026-03-03T12:00:00Z"); // Tue 07:00 EST: exactly 24 h old
    const protectedNow = await w.call(exec, "preempt", { booking_id: x, title: "Board" });
    expect(protectedNow.verdict).toBe("Reject");
    expect(protectedNow.reason_code).toBe("NO_CAPACITY");
  });

  it("Preempt at 1 ms before protect_after_hours", async () => {
    const w = world();
    const { exec, x } = await victimAndAgents(w);
    w.clock.now = Date.parse("2026-03-03T11:59:59.999Z"); // Tue 06:59:59.999 EST
    const res = await w.call(exec, "preempt", { booking_id: x, title: "Board" });
    expect(res.verdict).toBe("Preempt");
  });

  it("a hard rule wins over the preemption: HARD_BLOCK once the owner blocks the slot", async () => {
    const w = world();
    const { exec, x } = await victimAndAgents(w);
    const calendarId = (
      await w.app.ledger.db
        .selectFrom("bookings")
        .select("calendar_id")
        .where("id", "=", x)
        .executeTakeFirstOrThrow()
    ).calendar_id;
    const set = await w.call(exec, "set_availability_rules", {
      calendar_id: calendarId,
      timezone: "America/New_York",
      working_hours: NINE_TO_FIVE,
      // Tue 09:30-10:30 EST.
      hard_blocks: [{ start: "2026-03-03T14:30:00Z", end: "2026-03-03T15:30:00Z" }],
    });
    expect(set.isError).toBeUndefined();
    const res = await w.call(exec, "preempt", { booking_id: x, title: "Board" });
    expect(res.verdict).toBe("Reject");
    expect(res.reason_code).toBe("HARD_BLOCK");
  });

  it("needs the preempt scope, and the owner: another owner's booking is as missing as a made-up one", async () => {
    const w = world();
    const { execNoPreempt, x } = await victimAndAgents(w);
    const noScope = await w.call(execNoPreempt, "preempt", { booking_id: x, title: "Board" });
    expect(noScope.error).toBe("forbidden");
    const outsider = await w.addAgent({ name: "outsider", owners: ["someone@example.com"] });
    const noOwner = await w.call(outsider.caller, "preempt", { booking_id: x, title: "Board" });
    expect(noOwner.error).toBe("not_found");
    const missing = await w.call(outsider.caller, "preempt", { booking_id: "bkg_nope", title: "Board" });
    expect(missing.error).toBe("not_found");
    expect(JSON.stringify(noOwner).replaceAll(x, "bkg_nope")).toBe(JSON.stringify(missing));
  });
});

describe("check_availability", () => {
  it("Accept with slots and a hold; Reject NO_CAPACITY when the window is full", async () => {
    const w = world();
    const { sales, exec } = await agents(w);
    const ok = await w.call(sales, "check_availability", {
      owner_email: "ceo@example.com",
      duration_minutes: 60,
      // Tue 09:00-10:00 EST.
      window: { start: "2026-03-03T14:00:00Z", end: "2026-03-03T15:00:00Z" },
    });
    expect(ok.verdict).toBe("Accept");
    expect(ok.slots).toEqual([
      {
        start: "2026-03-03T14:00:00Z",
        end: "2026-03-03T15:00:00Z",
        local_start: "2026-03-03T09:00:00-05:00",
      },
    ]);
    expect(ok.hold.status).toBe("active");
    // The hold now fills the window for every other agent (the same agent's next check would
    // release it: looking never piles up holds).
    const full = await w.call(exec, "check_availability", {
      owner_email: "ceo@example.com",
      duration_minutes: 60,
      window: { start: "2026-03-03T14:00:00Z", end: "2026-03-03T15:00:00Z" },
    });
    expect(full.verdict).toBe("Reject");
    expect(full.reason_code).toBe("NO_CAPACITY");
    expect(full.slots).toEqual([]);
    expect(full.hold).toBeNull();
    const row = await decisionRow(w, full.decision_id);
    expect(row.tool).toBe("check_availability");
    expect(row.verdict).toBe("Reject");
  });
});

async function confirmedIds(w: World): Promise<string[]> {
  const rows = await w.app.ledger.db
    .selectFrom("bookings")
    .select("id")
    .where("status", "=", "confirmed")
    .execute();
  return rows.map((r) => r.id);
}
