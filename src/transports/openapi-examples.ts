// The OpenAPI document's hand-picked examples, keyed by tool name (checked against the schemas by the
// tests): what a reader of /v1/openapi.json sees filled in for each operation.
import type { Json } from "./openapi-operations.js";

const OWNER = "ceo@example.com";
const HOLD_ID = "hld_5kq2x8m1r7t3v9w0y4zb";
const BOOKING_ID = "bkg_7n3p9r2t6v0w4x8y1zac";
export const CALENDAR_ID = "cal_2m6q0s4v8x1z5b9d3fgh";
const AGENT_ID = "agt_9c3e7g1j5m9p3r7t1vxz";
const NINE_TO_FIVE = Object.fromEntries(
  ["mon", "tue", "wed", "thu", "fri"].map((d) => [d, { start: "09:00", end: "17:00" }]),
);
const HOLD = {
  hold_id: HOLD_ID,
  owner_email: OWNER,
  calendar_id: CALENDAR_ID,
  calendar_type: "work",
  agent_id: AGENT_ID,
  start: "2026-03-03T14:00:00Z",
  end: "2026-03-03T14:30:00Z",
  local_start: "2026-03-03T09:00:00-05:00",
  meeting_class: "external_customer_call",
  status: "active",
  expires_at: "2026-03-02T12:05:00Z",
};
const BOOKING = {
  booking_id: BOOKING_ID,
  owner_email: OWNER,
  calendar_id: CALENDAR_ID,
  calendar_type: "work",
  agent_id: AGENT_ID,
  start: "2026-03-03T14:00:00Z",
  end: "2026-03-03T14:30:00Z",
  local_start: "2026-03-03T09:00:00-05:00",
  title: "Demo with Acme",
  description: "Pricing questions; deck to follow.",
  attendees: [{ email: "buyer@acme.example", name: "Ada Buyer", time_zone: "America/Chicago" }],
  meeting_class: "external_customer_call",
  class_rank: 70,
  agent_priority: 0,
  status: "confirmed",
  created_at: "2026-03-02T12:00:00Z",
};
const RULES = {
  id: "avr_4p8s2v6y0b4f8j2m6q0t",
  calendar_id: CALENDAR_ID,
  buffer_before_minutes: 5,
  buffer_after_minutes: 5,
  working_hours: NINE_TO_FIVE,
  timezone: null,
  min_notice_minutes: 60,
  max_horizon_days: 365,
  max_bookings_per_day: null,
  hard_blocks: [],
  effective_timezone: "America/New_York",
  created_at: "2026-03-02T12:00:00Z",
  updated_at: "2026-03-02T12:00:00Z",
  pending_notifications: [],
};
const VERDICT = {
  decision_id: "dec_3h7k1n5q9s3w7y1b5d9f",
  verdict: "Accept",
  reason_code: null,
  booking: null,
  hold: null,
  alternatives: [],
  displaced: [],
  resolved_calendar_type: "work",
  warnings: [],
  pending_notifications: [],
};

export interface ToolExamples {
  /** Named request examples: the body (POST/PUT) or the query and path values (GET/DELETE). */
  readonly requests?: Readonly<Record<string, Json>>;
  readonly response?: Json;
}

export const EXAMPLES: Readonly<Record<string, ToolExamples>> = {
  check_availability: {
    requests: {
      find_and_hold: {
        owner_email: OWNER,
        duration_minutes: 30,
        window: { start: "2026-03-03T14:00:00Z", end: "2026-03-03T22:00:00Z" },
      },
    },
    response: {
      ...VERDICT,
      hold: HOLD,
      hold_id: HOLD.hold_id,
      expires_at: HOLD.expires_at,
      slots: [
        {
          start: "2026-03-03T14:00:00Z",
          end: "2026-03-03T14:30:00Z",
          local_start: "2026-03-03T09:00:00-05:00",
        },
        {
          start: "2026-03-03T14:15:00Z",
          end: "2026-03-03T14:45:00Z",
          local_start: "2026-03-03T09:15:00-05:00",
        },
      ],
    },
  },
  create_hold: {
    requests: {
      slot: { owner_email: OWNER, start: "2026-03-03T15:00:00Z", duration_minutes: 30, ttl_seconds: 600 },
    },
  },
  release_hold: {
    requests: { hold: { hold_id: HOLD_ID } },
    response: {
      decision_id: "dec_8k2m6p0r4t8w2y6a0c4e",
      hold: { ...HOLD, status: "released" },
      pending_notifications: [],
    },
  },
  list_holds: {
    requests: { one_owner: { owner_email: OWNER } },
    response: { holds: [HOLD], pending_notifications: [] },
  },
  create_booking: {
    requests: {
      confirm_hold: {
        hold_id: HOLD_ID,
        title: "Demo with Acme",
        description: "Pricing questions; deck to follow.",
        attendees: [{ email: "buyer@acme.example", name: "Ada Buyer", time_zone: "America/Chicago" }],
      },
      by_slot: {
        owner_email: OWNER,
        start: "2026-03-03T14:00:00-05:00",
        end: "2026-03-03T14:30:00-05:00",
        title: "Demo with Acme",
        meeting_class: "external_customer_call",
      },
    },
    response: { ...VERDICT, booking: BOOKING },
  },
  preempt: {
    requests: { same_slot: { booking_id: BOOKING_ID, title: "Board prep", meeting_class: "exec_meeting" } },
  },
  cancel_booking: {
    requests: { cancel: { booking_id: BOOKING_ID, reason: "The customer cancelled." } },
    response: {
      decision_id: "dec_4j8n2q6s0v4x8z2c6f0h",
      booking: { ...BOOKING, status: "cancelled" },
      pending_notifications: [],
    },
  },
  reschedule_booking: {
    requests: {
      later: {
        booking_id: BOOKING_ID,
        start: "2026-03-04T15:00:00Z",
        duration_minutes: 30,
        reason: "The buyer asked for Wednesday.",
      },
    },
  },
  list_bookings: { requests: { confirmed: { owner_email: OWNER, status: "confirmed", limit: 20 } } },
  get_booking: {
    requests: { booking: { booking_id: BOOKING_ID } },
    response: { booking: BOOKING, pending_notifications: [] },
  },
  get_free_busy: {
    requests: {
      day: { owner_email: OWNER, window: { start: "2026-03-03T00:00:00Z", end: "2026-03-04T00:00:00Z" } },
    },
  },
  find_common_slots: {
    requests: {
      two_owners: {
        owner_emails: [OWNER, "cto@example.com"],
        duration_minutes: 45,
        window: { start: "2026-03-03T14:00:00Z", end: "2026-03-06T22:00:00Z" },
      },
    },
  },
  set_availability_rules: {
    requests: {
      nine_to_five: {
        calendar_id: CALENDAR_ID,
        working_hours: NINE_TO_FIVE,
        buffer_before_minutes: 5,
        buffer_after_minutes: 5,
        min_notice_minutes: 60,
      },
      // Over MCP and PATCH only this field changes; PUT resets the others to their defaults.
      buffer_only: { calendar_id: CALENDAR_ID, buffer_after_minutes: 10 },
    },
    response: RULES,
  },
  get_availability_rules: { requests: { calendar: { calendar_id: CALENDAR_ID } }, response: RULES },
  delete_availability_rules: { requests: { calendar: { calendar_id: CALENDAR_ID } } },
  whoami: {
    response: {
      agent_id: AGENT_ID,
      name: "sales bot",
      description: null,
      default_meeting_class: "external_customer_call",
      priority: 0,
      scopes: ["read_freebusy", "create_holds", "create_bookings"],
      allowed_owners: [OWNER],
      owners: [
        {
          email: OWNER,
          name: "Dana Chief",
          timezone: "America/New_York",
          default_calendar_type: "work",
          calendars: [{ calendar_id: CALENDAR_ID, calendar_type: "work", provider: "google" }],
        },
      ],
      key_prefix: "ak_3Fh8kQ2z",
      meeting_classes: {
        exec_meeting: { rank: 90, preemptible: false },
        external_customer_call: { rank: 70, preemptible: true },
      },
      pending_notifications: [],
    },
  },
};
