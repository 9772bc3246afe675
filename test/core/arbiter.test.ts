// The arbiter (DESIGN.md section 5), verdict by verdict and reason code by reason code.
// The owner is in America/New_York, works Mon-Fri 09:00-17:00, and in March 2026 is on EDT (UTC-4):
// Tue 2026-03-10 09:00 EDT = 13:00Z. Every instant is a literal with its local time in a comment.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AvailabilityRules, type AvailabilityRulesInput } from "../../schemas/rules.js";
import {
  type ArbiterPolicy,
  type ArbitrationInput,
  type ArbitrationRequest,
  arbitrate,
  type BusyItem,
  conflictsOf,
  displaceable,
  hardRuleViolation,
} from "../../src/core/arbiter.js";
import { explain } from "../../src/core/explain.js";
import { findFreeSlots } from "../../src/core/free-slots.js";
import { type Interval, interval, overlaps } from "../../src/core/interval.js";
import { compileRules } from "../../src/core/rules.js";
import { formatLocal } from "../../src/core/zoned-time.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const at = (iso: string) => Date.parse(iso);
const span = (start: string, end: string) => interval(at(start), at(end));
const isos = (slots: readonly Interval[]) => slots.map((s) => new Date(s.start).toISOString());

const WORKWEEK = {
  mon: { start: "09:00", end: "17:00" },
  tue: { start: "09:00", end: "17:00" },
  wed: { start: "09:00", end: "17:00" },
  thu: { start: "09:00", end: "17:00" },
  fri: { start: "09:00", end: "17:00" },
};
const NY: AvailabilityRulesInput = { timezone: "America/New_York", working_hours: WORKWEEK };

/** The default policy's classes, plus one class above the non-preemptible exec_meeting. */
const POLICY: ArbiterPolicy = {
  protectAfterHours: 24,
  classes: new Map(
    Object.entries({
      board_override: { rank: 100, preemptible: false },
      exec_meeting: { rank: 90, preemptible: false },
      external_customer_call: { rank: 70, preemptible: true },
      interview: { rank: 60, preemptible: true },
      internal_sync: { rank: 40, preemptible: true },
      focus_time: { rank: 20, preemptible: true },
    }),
  ),
};

const NOW = at("2026-03-09T16:00:00Z"); // Mon 12:00 EDT

function booking(id: string, start: string, end: string, extra: Partial<BusyItem> = {}): BusyItem {
  return {
    id,
    kind: "booking",
    ...span(start, end),
    agentId: "agt_incumbent",
    meetingClass: "internal_sync",
    agentPriority: 0,
    createdAt: NOW - HOUR,
    ...extra,
  };
}

function external(id: string, start: string, end: string): BusyItem {
  return booking(id, start, end, { kind: "external", agentId: null, meetingClass: null });
}

/** A request for `slot` by a customer-call agent holding the preempt scope, on a 15-minute grid. */
function input(
  slot: Interval,
  {
    items = [],
    rules = NY,
    now = NOW,
    ...request
  }: Partial<ArbitrationRequest> & { items?: BusyItem[]; rules?: AvailabilityRulesInput; now?: number } = {},
): ArbitrationInput {
  return {
    request: {
      slot,
      meetingClass: "external_customer_call",
      agentId: "agt_challenger",
      agentPriority: 0,
      canPreempt: true,
      granularityMs: 15 * MINUTE,
      ...request,
    },
    items,
    rules: compileRules(AvailabilityRules.parse(rules), "UTC"),
    policy: POLICY,
    now,
  };
}

const TUE_10 = span("2026-03-10T14:00:00Z", "2026-03-10T14:30:00Z"); // Tue 10:00-10:30 EDT

describe("Accept", () => {
  it("accepts a free slot in working hours", () => {
    expect(arbitrate(input(TUE_10))).toEqual({
      verdict: "Accept",
      reasonCode: null,
      displaced: [],
      landings: [],
      alternatives: [],
    });
  });

  it("accepts [a, b) and [b, c) next to each other: touching is not overlapping", () => {
    const items = [external("evt_b", "2026-03-10T14:30:00Z", "2026-03-10T15:00:00Z")]; // Tue 10:30-11:00 EDT
    expect(arbitrate(input(TUE_10, { items })).verdict).toBe("Accept"); // 10:00-10:30 before it
    const after = span("2026-03-10T15:00:00Z", "2026-03-10T15:30:00Z"); // Tue 11:00-11:30 EDT, after it
    expect(arbitrate(input(after, { items })).verdict).toBe("Accept");
  });

  it("accepts a slot that ends exactly when working hours end", () => {
    const last = span("2026-03-10T20:30:00Z", "2026-03-10T21:00:00Z"); // Tue 16:30-17:00 EDT
    expect(arbitrate(input(last)).verdict).toBe("Accept");
  });

  it("applies no working-hours limit when the rules set none", () => {
    const night = span("2026-03-14T06:00:00Z", "2026-03-14T06:30:00Z"); // Sat 02:00-02:30 EDT
    expect(arbitrate(input(night, { rules: { timezone: "America/New_York" } })).verdict).toBe("Accept");
  });
});

describe("hard rules, each with its reason code", () => {
  it.each<[string, Interval, AvailabilityRulesInput, number, BusyItem[], string, string[]]>([
    [
      "WORKING_HOURS before 09:00: alternatives from 09:00 on",
      span("2026-03-10T12:30:00Z", "2026-03-10T13:00:00Z"), // Tue 08:30-09:00 EDT
      NY,
      NOW,
      [],
      "WORKING_HOURS",
      [
        "2026-03-10T13:00:00.000Z", // 09:00 EDT
        "2026-03-10T13:15:00.000Z", // 09:15
        "2026-03-10T13:30:00.000Z", // 09:30
        "2026-03-10T13:45:00.000Z", // 09:45
        "2026-03-10T14:00:00.000Z", // 10:00
      ],
    ],
    [
      "WORKING_HOURS running past 17:00",
      span("2026-03-10T20:45:00Z", "2026-03-10T21:15:00Z"), // Tue 16:45-17:15 EDT
      NY,
      NOW,
      [],
      "WORKING_HOURS",
      [
        "2026-03-10T20:30:00.000Z", // 16:30 EDT
        "2026-03-10T20:15:00.000Z", // 16:15
        "2026-03-10T20:00:00.000Z", // 16:00
        "2026-03-10T19:45:00.000Z", // 15:45
        "2026-03-10T19:30:00.000Z", // 15:30
      ],
    ],
    [
      "HARD_BLOCK",
      span("2026-03-10T16:30:00Z", "2026-03-10T17:00:00Z"), // Tue 12:30-13:00 EDT
      { ...NY, hard_blocks: [{ start: "2026-03-10T12:00:00-04:00", end: "2026-03-10T13:00:00-04:00" }] },
      NOW,
      [],
      "HARD_BLOCK",
      [
        "2026-03-10T17:00:00.000Z", // 13:00 EDT, 30 min after
        "2026-03-10T17:15:00.000Z", // 13:15, 45 min after
        "2026-03-10T15:30:00.000Z", // 11:30, 60 min before: ties go to the earlier slot
        "2026-03-10T17:30:00.000Z", // 13:30, 60 min after
        "2026-03-10T15:15:00.000Z", // 11:15, 75 min before
      ],
    ],
    [
      "MIN_NOTICE",
      TUE_10,
      { ...NY, min_notice_minutes: 120 },
      at("2026-03-10T13:00:00Z"), // now = Tue 09:00 EDT, so nothing before 11:00
      [],
      "MIN_NOTICE",
      [
        "2026-03-10T15:00:00.000Z", // 11:00 EDT
        "2026-03-10T15:15:00.000Z",
        "2026-03-10T15:30:00.000Z",
        "2026-03-10T15:45:00.000Z",
        "2026-03-10T16:00:00.000Z", // 12:00
      ],
    ],
    [
      "OUTSIDE_HORIZON",
      span("2026-03-10T18:00:00Z", "2026-03-10T18:30:00Z"), // Tue 14:00-14:30 EDT
      { ...NY, max_horizon_days: 1 }, // now = Mon 12:00 EDT, so nothing ends after Tue 12:00
      NOW,
      [],
      "OUTSIDE_HORIZON",
      [
        "2026-03-10T15:30:00.000Z", // 11:30 EDT, ends 12:00
        "2026-03-10T15:15:00.000Z",
        "2026-03-10T15:00:00.000Z",
        "2026-03-10T14:45:00.000Z",
        "2026-03-10T14:30:00.000Z", // 10:30
      ],
    ],
  ])(
    "%s -> Reject with that reason and up to 5 alternatives as suggestions, nearest first (issue 15)",
    (_name, slot, rules, now, items, code, alternatives) => {
      const v = arbitrate(input(slot, { rules, now, items }));
      expect(v.verdict).toBe("Reject");
      expect(v.reasonCode).toBe(code);
      expect(isos(v.alternatives)).toEqual(alternatives);
      for (const alt of v.alternatives) expect(alt.end - alt.start).toBe(slot.end - slot.start);
    },
  );

  it.each<[string, Interval, AvailabilityRulesInput, number, BusyItem[], string]>([
    [
      "WORKING_HOURS on a day without working hours",
      span("2026-03-14T14:00:00Z", "2026-03-14T14:30:00Z"), // Sat 10:00-10:30 EDT
      NY,
      NOW,
      [],
      "WORKING_HOURS",
    ],
    [
      "DAILY_LIMIT when the local day is at its cap",
      TUE_10,
      { ...NY, max_bookings_per_day: 1 },
      NOW,
      [booking("bkg_1", "2026-03-10T19:00:00Z", "2026-03-10T19:30:00Z")], // Tue 15:00 EDT
      "DAILY_LIMIT",
    ],
    [
      "MIN_NOTICE when the whole day is too soon",
      TUE_10,
      { ...NY, min_notice_minutes: 2 * 24 * 60 },
      NOW,
      [],
      "MIN_NOTICE",
    ],
    [
      "OUTSIDE_HORIZON when the whole day is too late",
      span("2026-03-12T14:00:00Z", "2026-03-12T14:30:00Z"), // Thu 10:00 EDT
      { ...NY, max_horizon_days: 1 },
      NOW,
      [],
      "OUTSIDE_HORIZON",
    ],
  ])("%s -> Reject", (_name, slot, rules, now, items, code) => {
    expect(arbitrate(input(slot, { rules, now, items }))).toEqual({
      verdict: "Reject",
      reasonCode: code,
      displaced: [],
      landings: [],
      alternatives: [],
    });
  });

  it("counts the day cap in the owner's local day, holds included, external events not", () => {
    const rules = {
      ...NY,
      working_hours: { ...WORKWEEK, tue: { start: "09:00", end: "23:00" } },
      max_bookings_per_day: 2,
    };
    const items = [
      booking("bkg_1", "2026-03-10T13:00:00Z", "2026-03-10T13:30:00Z"), // Tue 09:00 EDT
      booking("hld_1", "2026-03-10T13:30:00Z", "2026-03-10T14:00:00Z", { kind: "hold" }), // Tue 09:30 EDT
      external("evt_1", "2026-03-10T15:00:00Z", "2026-03-10T15:30:00Z"), // Tue 11:00 EDT
    ];
    // Tue 21:00 EDT is already Wednesday in UTC, but Tuesday for the cap.
    const late = span("2026-03-11T01:00:00Z", "2026-03-11T01:30:00Z");
    expect(hardRuleViolation(late, items, compileRules(AvailabilityRules.parse(rules), "UTC"), NOW)).toBe(
      "DAILY_LIMIT",
    );
    const withoutHold = items.filter((it) => it.kind !== "hold");
    expect(
      hardRuleViolation(late, withoutHold, compileRules(AvailabilityRules.parse(rules), "UTC"), NOW),
    ).toBeNull();
  });

  it.each<[string, Interval, AvailabilityRulesInput, number, string]>([
    [
      "WORKING_HOURS before HARD_BLOCK",
      span("2026-03-14T14:00:00Z", "2026-03-14T14:30:00Z"), // Sat 10:00 EDT, also blocked
      { ...NY, hard_blocks: [{ start: "2026-03-14T00:00:00-04:00", end: "2026-03-15T00:00:00-04:00" }] },
      NOW,
      "WORKING_HOURS",
    ],
    [
      "HARD_BLOCK before DAILY_LIMIT",
      TUE_10,
      {
        ...NY,
        max_bookings_per_day: 1,
        hard_blocks: [{ start: "2026-03-10T10:00:00-04:00", end: "2026-03-10T11:00:00-04:00" }],
      },
      NOW,
      "HARD_BLOCK",
    ],
    [
      "DAILY_LIMIT before MIN_NOTICE",
      TUE_10,
      { ...NY, max_bookings_per_day: 1, min_notice_minutes: 10_000 },
      NOW,
      "DAILY_LIMIT",
    ],
    [
      "MIN_NOTICE before OUTSIDE_HORIZON",
      TUE_10,
      { ...NY, min_notice_minutes: 3 * 24 * 60, max_horizon_days: 1 },
      NOW,
      "MIN_NOTICE",
    ],
  ])("checks hard rules in order: %s", (_name, slot, rules, now, code) => {
    const items = [booking("bkg_1", "2026-03-10T19:00:00Z", "2026-03-10T19:30:00Z")]; // Tue 15:00 EDT
    const compiled = compileRules(AvailabilityRules.parse(rules), "UTC");
    expect(hardRuleViolation(slot, items, compiled, now)).toBe(code);
    expect(arbitrate(input(slot, { rules, now, items })).reasonCode).toBe(code);
  });

  it("reports a hard rule ahead of a conflict, and never preempts past one", () => {
    const items = [
      booking("bkg_low", "2026-03-10T12:30:00Z", "2026-03-10T13:00:00Z", { meetingClass: "focus_time" }),
    ];
    // Tue 08:30-09:00 EDT: outside working hours and on top of a displaceable booking.
    const v = arbitrate(input(span("2026-03-10T12:30:00Z", "2026-03-10T13:00:00Z"), { items }));
    expect(v.verdict).toBe("Reject");
    expect(v.reasonCode).toBe("WORKING_HOURS");
    expect(v.displaced).toEqual([]);
  });
});

describe("conflicts", () => {
  it("CONFLICT -> CounterPropose with the 5 free slots nearest the requested start", () => {
    const items = [external("evt_1", "2026-03-10T14:00:00Z", "2026-03-10T15:00:00Z")]; // Tue 10:00-11:00 EDT
    const v = arbitrate(input(TUE_10, { items }));
    expect(v.verdict).toBe("CounterPropose");
    expect(v.reasonCode).toBe("CONFLICT");
    expect(isos(v.alternatives)).toEqual([
      "2026-03-10T13:30:00.000Z", // 09:30 EDT, 30 min before
      "2026-03-10T13:15:00.000Z", // 09:15, 45 min before
      "2026-03-10T13:00:00.000Z", // 09:00, 60 min before: ties go to the earlier slot
      "2026-03-10T15:00:00.000Z", // 11:00, 60 min after
      "2026-03-10T15:15:00.000Z", // 11:15, 75 min after
    ]);
  });

  it("looks for alternatives in the request's window when it has one", () => {
    const items = [external("evt_day", "2026-03-10T13:00:00Z", "2026-03-10T21:00:00Z")]; // all of Tue
    const window = span("2026-03-10T04:00:00Z", "2026-03-12T04:00:00Z"); // Tue 00:00 .. Thu 00:00 EDT
    const v = arbitrate(input(TUE_10, { items, window }));
    expect(v.verdict).toBe("CounterPropose");
    expect(isos(v.alternatives)).toEqual([
      "2026-03-11T13:00:00.000Z", // Wed 09:00 EDT
      "2026-03-11T13:15:00.000Z",
      "2026-03-11T13:30:00.000Z",
      "2026-03-11T13:45:00.000Z",
      "2026-03-11T14:00:00.000Z",
    ]);
  });

  it("applies the buffers around existing items", () => {
    const rules = { ...NY, buffer_before_minutes: 15, buffer_after_minutes: 15 };
    const items = [external("evt_1", "2026-03-10T14:30:00Z", "2026-03-10T15:00:00Z")]; // Tue 10:30-11:00 EDT
    expect(arbitrate(input(TUE_10, { rules: NY, items })).verdict).toBe("Accept"); // touching, no buffers
    expect(arbitrate(input(TUE_10, { rules, items })).reasonCode).toBe("CONFLICT"); // 10:15-10:30 is its buffer
    expect(conflictsOf(TUE_10, items, compileRules(AvailabilityRules.parse(rules), "UTC"))).toEqual(items);
    const earlier = span("2026-03-10T13:30:00Z", "2026-03-10T14:00:00Z"); // 09:30-10:00 EDT, ends at 10:15 - 15
    expect(arbitrate(input(earlier, { rules, items })).verdict).toBe("Accept");
  });

  it("NO_CAPACITY -> Reject when an external event fills the day", () => {
    const items = [external("evt_day", "2026-03-10T13:00:00Z", "2026-03-10T21:00:00Z")]; // Tue 09:00-17:00 EDT
    expect(arbitrate(input(TUE_10, { items }))).toEqual({
      verdict: "Reject",
      reasonCode: "NO_CAPACITY",
      displaced: [],
      landings: [],
      alternatives: [],
    });
  });

  it("NO_CAPACITY -> Reject when an equal-priority booking of the same class fills the day", () => {
    const items = [
      booking("bkg_day", "2026-03-10T13:00:00Z", "2026-03-10T21:00:00Z", {
        meetingClass: "external_customer_call",
      }),
    ];
    const v = arbitrate(input(TUE_10, { items }));
    expect([v.verdict, v.reasonCode]).toEqual(["Reject", "NO_CAPACITY"]);
  });

  it("PREEMPT_NOT_PERMITTED -> Reject when the requester would win but lacks the preempt scope", () => {
    const items = [
      booking("bkg_day", "2026-03-10T13:00:00Z", "2026-03-10T21:00:00Z", { meetingClass: "focus_time" }),
    ];
    const v = arbitrate(input(TUE_10, { items, canPreempt: false }));
    expect([v.verdict, v.reasonCode, v.displaced]).toEqual(["Reject", "PREEMPT_NOT_PERMITTED", []]);
  });

  it("PREEMPT_NOT_PERMITTED -> Reject that still suggests the free slots nearby (issue 15)", () => {
    const items = [
      booking("bkg_1", "2026-03-10T14:00:00Z", "2026-03-10T15:00:00Z", { meetingClass: "focus_time" }),
    ];
    const v = arbitrate(input(TUE_10, { items, canPreempt: false }));
    expect([v.verdict, v.reasonCode]).toEqual(["Reject", "PREEMPT_NOT_PERMITTED"]);
    expect(v.alternatives).toHaveLength(5);
  });
});

describe("Preempt", () => {
  const dayOf = (extra: Partial<BusyItem>) => [
    booking("bkg_day", "2026-03-10T13:00:00Z", "2026-03-10T21:00:00Z", extra), // Tue 09:00-17:00 EDT
  ];

  it.each<[string, Partial<BusyItem>, Partial<ArbitrationRequest>, boolean]>([
    ["a higher class rank wins", { meetingClass: "internal_sync" }, {}, true],
    [
      "rank decides before agent priority",
      { meetingClass: "internal_sync", agentPriority: 9 },
      { agentPriority: 0 },
      true,
    ],
    [
      "a lower rank loses whatever its priority",
      { meetingClass: "interview", agentPriority: 0 },
      { meetingClass: "internal_sync", agentPriority: 9 },
      false,
    ],
    [
      "within one class, a higher agent priority wins",
      { meetingClass: "external_customer_call", agentPriority: 1 },
      { agentPriority: 2 },
      true,
    ],
    [
      "within one class, equal priority ties go to the incumbent",
      { meetingClass: "external_customer_call", agentPriority: 3 },
      { agentPriority: 3 },
      false,
    ],
    [
      "an external event is never displaced",
      { kind: "external", meetingClass: null },
      { meetingClass: "board_override" },
      false,
    ],
    [
      "an external event with a class is still never displaced",
      { kind: "external", meetingClass: "focus_time" },
      { meetingClass: "board_override" },
      false,
    ],
    [
      "a non-preemptible class is never displaced",
      { meetingClass: "exec_meeting" },
      { meetingClass: "board_override" },
      false,
    ],
    ["a class the policy does not know is never displaced", { meetingClass: "retired_class" }, {}, false],
    ["a hold is displaced like a booking", { kind: "hold" }, {}, true],
    [
      "an item created exactly protect_after_hours ago is protected",
      { createdAt: NOW - 24 * HOUR },
      {},
      false,
    ],
    [
      "an item created just under protect_after_hours ago is not",
      { createdAt: NOW - 24 * HOUR + 1 },
      {},
      true,
    ],
  ])("%s", (_name, incumbent, request, wins) => {
    const items = dayOf(incumbent);
    const v = arbitrate(input(TUE_10, { items, ...request }));
    expect(displaceable(items[0]!, { ...input(TUE_10, request).request }, POLICY, NOW)).toBe(wins);
    if (wins) {
      expect(v.verdict).toBe("Preempt");
      expect(v.reasonCode).toBeNull();
      expect(v.displaced).toEqual(items);
      expect(v.alternatives).toEqual([]);
    } else {
      expect([v.verdict, v.reasonCode]).toEqual(["Reject", "NO_CAPACITY"]);
    }
  });

  it("needs every conflicting item to be displaceable", () => {
    const items = [
      booking("bkg_low", "2026-03-10T13:00:00Z", "2026-03-10T14:15:00Z", { meetingClass: "focus_time" }), // 09:00-10:15
      external("evt_1", "2026-03-10T14:15:00Z", "2026-03-10T21:00:00Z"), // 10:15-17:00 EDT
    ];
    const v = arbitrate(input(TUE_10, { items }));
    expect([v.verdict, v.reasonCode, v.displaced]).toEqual(["Reject", "NO_CAPACITY", []]);
  });

  it("displaces every conflicting item, in start order", () => {
    const items = [
      booking("bkg_b", "2026-03-10T14:30:00Z", "2026-03-10T15:00:00Z"), // 10:30-11:00 EDT
      booking("bkg_a", "2026-03-10T14:00:00Z", "2026-03-10T14:30:00Z", { kind: "hold" }), // 10:00-10:30
    ];
    const slot = span("2026-03-10T14:00:00Z", "2026-03-10T15:00:00Z"); // 10:00-11:00 EDT
    const v = arbitrate(input(slot, { items }));
    expect(v.verdict).toBe("Preempt");
    expect(v.displaced.map((d) => d.id)).toEqual(["bkg_a", "bkg_b"]);
    // Only bookings get a landing slot; a displaced hold is simply released.
    expect(v.landings.map((l) => l.itemId)).toEqual(["bkg_b"]);
  });
});

describe("explicit preemption (displaceOnly)", () => {
  const items = [booking("bkg_1", "2026-03-10T14:00:00Z", "2026-03-10T14:30:00Z")]; // Tue 10:00-10:30 EDT

  it("preempts when the named item is among the conflicts", () => {
    const v = arbitrate(input(TUE_10, { items, displaceOnly: "bkg_1" }));
    expect(v.verdict).toBe("Preempt");
    expect(v.displaced.map((d) => d.id)).toEqual(["bkg_1"]);
  });

  it.each<[string, Partial<ArbitrationRequest> & { items?: BusyItem[] }, string]>([
    [
      "TARGET_NOT_IN_SLOT when the named item is elsewhere",
      { items, displaceOnly: "bkg_other" },
      "TARGET_NOT_IN_SLOT",
    ],
    ["TARGET_NOT_IN_SLOT when the slot is free", { items: [], displaceOnly: "bkg_1" }, "TARGET_NOT_IN_SLOT"],
    [
      "PREEMPT_NOT_PERMITTED without the scope",
      { items, displaceOnly: "bkg_1", canPreempt: false },
      "PREEMPT_NOT_PERMITTED",
    ],
    [
      "NO_CAPACITY when the item may not be displaced",
      { items, displaceOnly: "bkg_1", meetingClass: "focus_time" },
      "NO_CAPACITY",
    ],
  ])("%s -> Reject without alternatives", (_name, options, code) => {
    expect(arbitrate(input(TUE_10, options))).toEqual({
      verdict: "Reject",
      reasonCode: code,
      displaced: [],
      landings: [],
      alternatives: [],
    });
  });
});

describe("landing slots", () => {
  it("lands the displaced booking nearest its old start, clear of the winner (ties to the earlier slot)", () => {
    const items = [booking("bkg_1", "2026-03-10T14:00:00Z", "2026-03-10T15:00:00Z")]; // Tue 10:00-11:00 EDT
    const slot = span("2026-03-10T14:00:00Z", "2026-03-10T15:00:00Z");
    const v = arbitrate(input(slot, { items }));
    expect(v.landings).toEqual([
      { itemId: "bkg_1", slot: span("2026-03-10T13:00:00Z", "2026-03-10T14:00:00Z") }, // 09:00-10:00 EDT
    ]);
  });

  it("keeps landings clear of the winner and of each other", () => {
    const items = [
      booking("bkg_a", "2026-03-10T14:00:00Z", "2026-03-10T15:00:00Z"), // 10:00-11:00 EDT
      booking("bkg_b", "2026-03-10T15:00:00Z", "2026-03-10T16:00:00Z"), // 11:00-12:00 EDT
    ];
    const slot = span("2026-03-10T14:00:00Z", "2026-03-10T16:00:00Z"); // 10:00-12:00 EDT
    const v = arbitrate(input(slot, { items }));
    expect(v.landings).toEqual([
      { itemId: "bkg_a", slot: span("2026-03-10T13:00:00Z", "2026-03-10T14:00:00Z") }, // 09:00-10:00
      { itemId: "bkg_b", slot: span("2026-03-10T16:00:00Z", "2026-03-10T17:00:00Z") }, // 12:00-13:00
    ]);
  });

  it("keeps the buffers between a landing and the winner", () => {
    const rules = { ...NY, buffer_before_minutes: 15, buffer_after_minutes: 15 };
    const items = [booking("bkg_1", "2026-03-10T14:00:00Z", "2026-03-10T15:00:00Z")]; // Tue 10:00-11:00 EDT
    const slot = span("2026-03-10T14:00:00Z", "2026-03-10T15:00:00Z");
    const v = arbitrate(input(slot, { rules, items }));
    // 09:00-10:00 would touch the winner's buffer; 11:15 is the first start clear of it.
    expect(v.landings).toEqual([
      { itemId: "bkg_1", slot: span("2026-03-10T15:15:00Z", "2026-03-10T16:15:00Z") },
    ]);
  });

  it("keeps a landing clear of the winner in both directions when the buffers differ", () => {
    // Regression: with 30 minutes before and none after, a booking displaced for sitting right after
    // the winner (inside its own buffer) used to land right back on its old slot.
    const rules = { ...NY, buffer_before_minutes: 30, buffer_after_minutes: 0 };
    const displaced = booking("bkg_1", "2026-03-10T14:30:00Z", "2026-03-10T15:00:00Z"); // Tue 10:30-11:00 EDT
    const v = arbitrate(input(TUE_10, { rules, items: [displaced] })); // winner 10:00-10:30 EDT
    expect(v.verdict).toBe("Preempt");
    const landing = v.landings[0]!.slot!;
    const compiled = compileRules(AvailabilityRules.parse(rules), "UTC");
    const asItem = (id: string, s: Interval): BusyItem => ({ ...displaced, id, start: s.start, end: s.end });
    expect(conflictsOf(TUE_10, [asItem("landing", landing)], compiled)).toEqual([]);
    expect(conflictsOf(landing, [asItem("winner", TUE_10)], compiled)).toEqual([]);
    expect(landing).toEqual(span("2026-03-10T15:00:00Z", "2026-03-10T15:30:00Z")); // 11:00-11:30 EDT
  });

  it("stays on the displaced booking's own local day, even when another day shares its UTC date", () => {
    const rules = {
      ...NY,
      working_hours: { tue: { start: "09:00", end: "23:00" }, wed: { start: "09:00", end: "23:00" } },
    };
    const displaced = booking("bkg_1", "2026-03-11T01:00:00Z", "2026-03-11T02:00:00Z"); // Tue 21:00-22:00 EDT
    const busyTuesday = external("evt_day", "2026-03-10T13:00:00Z", "2026-03-11T01:00:00Z"); // Tue 09:00-21:00
    const slot = span("2026-03-11T01:00:00Z", "2026-03-11T02:00:00Z");
    const v = arbitrate(input(slot, { rules, items: [displaced, busyTuesday] }));
    // Tue 22:00-23:00 EDT (02:00Z Wed), not Wed 09:00 EDT, although both are 11 March in UTC.
    expect(v.landings).toEqual([
      { itemId: "bkg_1", slot: span("2026-03-11T02:00:00Z", "2026-03-11T03:00:00Z") },
    ]);

    const fullTuesday = external("evt_late", "2026-03-11T02:00:00Z", "2026-03-11T03:00:00Z"); // Tue 22:00-23:00
    const none = arbitrate(input(slot, { rules, items: [displaced, busyTuesday, fullTuesday] }));
    expect(none.verdict).toBe("Preempt");
    expect(none.landings).toEqual([{ itemId: "bkg_1", slot: null }]);
  });

  it("never lands on a slot that overlaps the winner or any remaining item", () => {
    const items = [
      booking("bkg_1", "2026-03-10T14:00:00Z", "2026-03-10T15:00:00Z"), // 10:00-11:00 EDT
      external("evt_1", "2026-03-10T13:00:00Z", "2026-03-10T14:00:00Z"), // 09:00-10:00
      external("evt_2", "2026-03-10T15:30:00Z", "2026-03-10T16:00:00Z"), // 11:30-12:00
    ];
    const slot = span("2026-03-10T14:00:00Z", "2026-03-10T15:00:00Z");
    const v = arbitrate(input(slot, { items }));
    const landing = v.landings[0]!.slot!;
    expect(landing).toEqual(span("2026-03-10T16:00:00Z", "2026-03-10T17:00:00Z")); // 12:00-13:00 EDT
    for (const other of [slot, ...items.slice(1)]) expect(overlaps(landing, other)).toBe(false);
  });
});

describe("determinism", () => {
  const items = [
    booking("bkg_2", "2026-03-10T14:30:00Z", "2026-03-10T15:00:00Z"), // 10:30-11:00 EDT
    booking("bkg_1", "2026-03-10T14:00:00Z", "2026-03-10T14:30:00Z"), // 10:00-10:30
    external("evt_1", "2026-03-10T16:00:00Z", "2026-03-10T17:00:00Z"), // 12:00-13:00
    booking("hld_1", "2026-03-10T18:00:00Z", "2026-03-10T18:30:00Z", { kind: "hold" }), // 14:00-14:30
  ];
  const cases: [string, ArbitrationInput][] = [
    ["Preempt", input(span("2026-03-10T14:00:00Z", "2026-03-10T15:00:00Z"), { items })],
    ["CounterPropose", input(span("2026-03-10T16:00:00Z", "2026-03-10T16:30:00Z"), { items })],
    ["Accept", input(span("2026-03-10T15:00:00Z", "2026-03-10T15:30:00Z"), { items })],
  ];

  it.each(cases)("gives the same %s for the same input, twice", (verdict, one) => {
    const first = arbitrate(one);
    expect(first.verdict).toBe(verdict);
    expect(arbitrate(structuredClone(one))).toEqual(first);
  });

  it.each(cases)("gives the same %s whatever the order of the items", (_verdict, one) => {
    const reversed = { ...one, items: [...one.items].reverse() };
    expect(arbitrate(reversed)).toEqual(arbitrate(one));
  });

  it("does not mutate its input", () => {
    const one = cases[0]![1];
    const copy = structuredClone(one);
    arbitrate(one);
    expect(one).toEqual(copy);
  });
});

describe("the arbiter agrees with the free-slot engine (fast-check)", () => {
  const zones = ["America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu", "America/Santiago"] as const;
  // Around each zone's 2026 transitions: Sun 2026-03-08 (NY), Sun 2026-10-04 (Lord Howe), Sun 2026-09-06 (Santiago).
  const base = at("2026-03-07T00:00:00Z");

  const scenario = fc.record({
    zone: fc.constantFrom(...zones),
    dayOffset: fc.constantFrom(0, 210, 182), // 2026-03-07, 2026-10-03, 2026-09-05
    bufferBefore: fc.constantFrom(0, 10, 30),
    bufferAfter: fc.constantFrom(0, 15),
    cap: fc.option(fc.integer({ min: 1, max: 4 })),
    noWorkingHours: fc.boolean(),
    items: fc.array(
      fc.record({
        offsetMin: fc.integer({ min: 0, max: 3 * 24 * 60 }),
        lengthMin: fc.integer({ min: 5, max: 180 }),
        kind: fc.constantFrom("booking", "hold", "external"),
      }),
      { maxLength: 15 },
    ),
    durationMin: fc.constantFrom(15, 30, 60),
    granularityMin: fc.constantFrom(15, 30, 60),
    requestOffsetMin: fc.integer({ min: 0, max: 3 * 24 * 4 }).map((k) => k * 15),
  });

  it("accepts exactly the on-grid slots the engine offers, and every alternative it proposes", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const start = base + s.dayOffset * 24 * HOUR;
        const window = interval(start, start + 3 * 24 * HOUR);
        const rules: AvailabilityRulesInput = {
          timezone: s.zone,
          working_hours: s.noWorkingHours
            ? null
            : { ...WORKWEEK, sat: { start: "00:00", end: "24:00" }, sun: { start: "01:00", end: "04:00" } },
          buffer_before_minutes: s.bufferBefore,
          buffer_after_minutes: s.bufferAfter,
          max_bookings_per_day: s.cap,
        };
        const items = s.items.map((it, i) =>
          booking(
            `itm_${i}`,
            new Date(start + it.offsetMin * MINUTE).toISOString(),
            new Date(start + (it.offsetMin + it.lengthMin) * MINUTE).toISOString(),
            {
              kind: it.kind as BusyItem["kind"],
              meetingClass: it.kind === "external" ? null : "exec_meeting",
            },
          ),
        );
        const now = start - 24 * HOUR;
        const compiled = compileRules(AvailabilityRules.parse(rules), "UTC");
        const offered = findFreeSlots(
          {
            busy: items,
            rules: compiled,
            window,
            durationMs: s.durationMin * MINUTE,
            granularityMs: s.granularityMin * MINUTE,
            now,
            countedStarts: items.filter((it) => it.kind !== "external").map((it) => it.start),
          },
          Number.POSITIVE_INFINITY,
        );
        // Every start on the local grid: the arbiter accepts it exactly when the engine offers it.
        const offeredStarts = new Set(offered.map((o) => o.start));
        const durationMs = s.durationMin * MINUTE;
        for (let t = window.start; t + durationMs <= window.end; t += 15 * MINUTE) {
          const local = formatLocal(s.zone, t);
          if ((Number(local.slice(11, 13)) * 60 + Number(local.slice(14, 16))) % s.granularityMin !== 0)
            continue;
          const slot = interval(t, t + durationMs);
          // The slot as its own window keeps the search for alternatives to nothing.
          const verdict = arbitrate(
            input(slot, { rules, items, now, window: slot, granularityMs: s.granularityMin * MINUTE }),
          ).verdict;
          expect([local, verdict === "Accept"]).toEqual([local, offeredStarts.has(t)]);
        }
        const requested = interval(
          start + s.requestOffsetMin * MINUTE,
          start + (s.requestOffsetMin + s.durationMin) * MINUTE,
        );
        const v = arbitrate(
          input(requested, { rules, items, now, granularityMs: s.granularityMin * MINUTE }),
        );
        expect(v.verdict).not.toBe("Preempt"); // every item is non-preemptible or external
        expect(v.alternatives.length).toBeLessThanOrEqual(5);
        for (const alt of v.alternatives) {
          expect(
            arbitrate(input(alt, { rules, items, now, granularityMs: s.granularityMin * MINUTE })).verdict,
          ).toBe("Accept");
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe("explain (dry_run's explanation, issue 15 point 8)", () => {
  it("lists every hard rule with its outcome and each conflict with its class, rank and priority", () => {
    const items = [
      booking("bkg_low", "2026-03-10T14:00:00Z", "2026-03-10T14:30:00Z", { meetingClass: "focus_time" }), // Tue 10:00 EDT
      booking("bkg_old", "2026-03-10T14:15:00Z", "2026-03-10T14:45:00Z", { createdAt: NOW - 48 * HOUR }),
      external("evt_1", "2026-03-10T14:20:00Z", "2026-03-10T14:25:00Z"),
    ];
    const e = explain(input(TUE_10, { items, rules: { ...NY, min_notice_minutes: 60 * 24 * 2 } }));
    expect(e.rules).toEqual([
      { rule: "WORKING_HOURS", broken: false },
      { rule: "HARD_BLOCK", broken: false },
      { rule: "DAILY_LIMIT", broken: false },
      { rule: "MIN_NOTICE", broken: true },
      { rule: "OUTSIDE_HORIZON", broken: false },
    ]);
    expect(e.request).toEqual({
      meetingClass: "external_customer_call",
      rank: 70,
      agentPriority: 0,
      canPreempt: true,
    });
    expect(e.conflicts.map((c) => [c.item.id, c.rank, c.preemptible, c.protected, c.displaceable])).toEqual([
      ["bkg_low", 20, true, false, true],
      ["bkg_old", 40, true, true, false],
      ["evt_1", null, false, false, false],
    ]);
  });

  it("agrees with the verdict: its first broken rule is a Reject's reason, no rule and no conflict is an Accept", () => {
    const starts = fc
      .integer({ min: 0, max: 4 * 24 * 4 - 1 })
      .map((q) => at("2026-03-09T04:00:00Z") + q * 15 * MINUTE);
    fc.assert(
      fc.property(
        starts,
        fc.constantFrom(15, 30, 60),
        fc.array(fc.tuple(starts, fc.constantFrom(30, 60), fc.constantFrom("focus_time", "exec_meeting")), {
          maxLength: 4,
        }),
        fc.boolean(),
        (start, minutes, raw, canPreempt) => {
          const items = raw.map(([s, m, cls], i) =>
            booking(`bkg_${i}`, new Date(s).toISOString(), new Date(s + m * MINUTE).toISOString(), {
              meetingClass: cls,
            }),
          );
          const req = input(interval(start, start + minutes * MINUTE), { items, canPreempt });
          const v = arbitrate(req);
          const e = explain(req);
          const broken = e.rules.find((r) => r.broken)?.rule;
          if (broken) return v.verdict === "Reject" && v.reasonCode === broken;
          if (e.conflicts.length === 0) return v.verdict === "Accept";
          if (canPreempt && e.conflicts.every((c) => c.displaceable)) return v.verdict === "Preempt";
          return v.verdict === "CounterPropose" || v.verdict === "Reject";
        },
      ),
      { numRuns: 300 },
    );
  });
});
