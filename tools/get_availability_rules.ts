// get_availability_rules: read a calendar's availability rules.
import { CalendarIdInput, RulesOutput } from "../schemas/tools.js";
import { defineTool } from "./define-tool.js";

export const getAvailabilityRules = defineTool({
  name: "get_availability_rules",
  title: "Get availability rules",
  description:
    "Read a calendar's availability rules (working hours, buffers, notice, horizon, daily cap, hard blocks). not_found: it has none, so every minute outside an event is free.",
  scopes: ["manage_rules"],
  input: CalendarIdInput,
  output: RulesOutput,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  rest: { method: "GET", path: "/v1/calendars/{calendar_id}/availability-rules" },
  writes: false,
  run: (service, tx, input) => service.getRules(tx, input.calendar_id),
});
