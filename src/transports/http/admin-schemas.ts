// Wire schemas of the admin REST surface: the views src/service/admin-views.ts defines, and the query
// strings of its list routes. They feed the OpenAPI document and the tests that check real responses.
import { z } from "zod";
import { Instant } from "../../../schemas/time.js";
import { Email } from "../../../schemas/wire.js";
import { VERDICTS } from "../../service/admin-inputs.js";
import { SCOPES } from "../../service/caller.js";

const When = z.string().describe("RFC 3339 UTC instant.");
const WhenOrNull = z.string().nullable().describe("RFC 3339 UTC instant, or null.");

export const AgentView = z
  .object({
    id: z.string().describe("Agent id (agt_...)."),
    name: z.string(),
    description: z.string().nullable(),
    default_class: z.string().nullable().describe("Meeting class used when a request names none."),
    priority: z.number().int().describe("Tie-break between agents of one meeting class; higher wins."),
    scopes: z.array(z.string()).describe(`Granted scopes: ${SCOPES.join(", ")}.`),
    owners: z.array(z.string()).describe('Owner emails the agent may act on, or ["*"].'),
    status: z.enum(["active", "disabled"]),
    created_at: When,
    updated_at: When,
  })
  .strict();

export const ApiKeyView = z
  .object({
    id: z.string().describe("Key id (key_...)."),
    agent_id: z.string(),
    prefix: z.string().describe("ak_ and the key's first 8 characters."),
    status: z.enum(["active", "revoked", "expired"]),
    created_at: When,
    expires_at: WhenOrNull,
    revoked_at: WhenOrNull,
    last_used_at: WhenOrNull,
  })
  .strict();

export const AgentWithKeys = AgentView.extend({ keys: z.array(ApiKeyView) }).strict();

export const NewApiKeyView = z
  .object({
    id: z.string().describe("Key id (key_...)."),
    key: z.string().describe("The raw key (ak_...). Shown once: store it now."),
    agent_id: z.string(),
    prefix: z.string(),
    expires_at: WhenOrNull,
  })
  .strict();

export const OwnerView = z
  .object({
    id: z.string().describe("Owner id (own_...)."),
    email: z.string(),
    name: z.string().nullable(),
    timezone: z.string(),
    default_calendar_type: z.string().nullable(),
    created_at: When,
  })
  .strict();

export const CalendarView = z
  .object({
    id: z.string().describe("Calendar id (cal_...)."),
    owner_id: z.string(),
    owner_email: z.string(),
    calendar_type: z.string(),
    provider: z.enum(["local", "google", "microsoft", "caldav"]),
    name: z.string().nullable(),
    status: z.enum(["active", "needs_reconnect"]),
    has_rules: z.boolean(),
    synced_at: WhenOrNull,
    created_at: When,
  })
  .strict();

export const DecisionView = z
  .object({
    seq: z.number().int().describe("Append order; pass the last one seen as after_seq to page."),
    decision_id: z.string(),
    at: When,
    agent_id: z.string(),
    key_prefix: z.string().nullable(),
    tool: z.string(),
    owner_id: z.string().nullable(),
    owner_email: z.string().nullable(),
    verdict: z.string(),
    reason_code: z.string().nullable(),
    booking_id: z.string().nullable(),
    hold_id: z.string().nullable(),
    request: z.unknown().describe("The normalized request."),
    alternatives: z.unknown(),
    displaced: z.unknown(),
    policy_hash: z.string(),
    latency_us: z.number(),
  })
  .strict();

export const AgentList = z.object({ agents: z.array(AgentView) }).strict();
export const KeyList = z.object({ keys: z.array(ApiKeyView) }).strict();
export const OwnerList = z.object({ owners: z.array(OwnerView) }).strict();
export const CalendarList = z.object({ calendars: z.array(CalendarView) }).strict();
export const DecisionList = z
  .object({
    decisions: z.array(DecisionView),
    next_after_seq: z
      .number()
      .int()
      .nullable()
      .describe("Pass as after_seq for the next page (order=oldest); null on the last page."),
    next_before_seq: z
      .number()
      .int()
      .nullable()
      .describe("Pass as before_seq for the next page (order=newest); null on the last page."),
  })
  .strict();

export const CalendarsQuery = z
  .object({ owner: Email.optional().describe("Only this owner's calendars.") })
  .strict();

export const DecisionsQuery = z
  .object({
    owner: Email.optional().describe("Only decisions on this owner's calendars."),
    agent: z
      .string()
      .regex(/^agt_[0-9a-z]{1,40}$/, { error: "must be an agent id like agt_..." })
      .optional()
      .describe("Only this agent's decisions."),
    since: Instant.optional().describe("Only decisions at or after this instant."),
    until: Instant.optional().describe("Only decisions before this instant."),
    verdict: z.enum(VERDICTS).optional(),
    reason: z
      .string()
      .regex(/^[A-Z_]{1,40}$/, { error: "must be a reason code like CONFLICT" })
      .optional()
      .describe("Only decisions with this reason code."),
    order: z.enum(["oldest", "newest"]).default("oldest").describe("oldest first (default) or newest first."),
    limit: z.number().int().min(1).max(1000).default(100).describe("Page size (1-1000, default 100)."),
    after_seq: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe("With order=oldest: next_after_seq of the previous page."),
    before_seq: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe("With order=newest: next_before_seq of the previous page."),
  })
  .strict();
