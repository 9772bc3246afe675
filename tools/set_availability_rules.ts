// set_availability_rules: replace a calendar's availability rules.
import { RulesOutput, SetRulesInput } from "../schemas/tools.js";
import { defineTool } from "./define-tool.js";

export const setAvailabilityRules = defineTool({
  name: "set_availability_rules",
  title: "Set availability rules",
  description:
    "Replace a calendar's availability rules. Omitted fields take their defaults (buffers 0, working_hours null = any time, timezone UTC, min_notice 0, horizon 365 days, no daily cap, no hard blocks). Existing bookings are kept.",
  scopes: ["manage_rules"],
  input: SetRulesInput,
  output: RulesOutput,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  rest: { method: "PUT", path: "/v1/calendars/{calendar_id}/availability-rules" },
  writes: true,
  run: (service, tx, input) => service.setRules(tx, input),
});
