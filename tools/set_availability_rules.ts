// set_availability_rules: change a calendar's availability rules. Over MCP only the fields given change
// (replace: true resets the rest); REST PUT replaces and PATCH merges, both through this one tool.
import { RulesOutput, SetRulesInput } from "../schemas/tools.js";
import { defineTool } from "./define-tool.js";

const PATH = "/v1/calendars/{calendar_id}/availability-rules";

export const setAvailabilityRules = defineTool({
  name: "set_availability_rules",
  title: "Set availability rules",
  description:
    "Change a calendar's availability rules: only the fields you give change (null clears working_hours, timezone or max_bookings_per_day); replace:true resets the rest to defaults. No timezone: the owner's.",
  scopes: ["manage_rules"],
  input: SetRulesInput,
  output: RulesOutput,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  rest: { method: "PUT", path: PATH, fixed: { replace: true } },
  moreRest: [
    {
      method: "PATCH",
      path: PATH,
      fixed: { replace: false },
      operationId: "merge_availability_rules",
      summary: "Merge availability rules",
    },
  ],
  writes: true,
  run: (service, tx, input) => service.setRules(tx, input),
});
