// delete_availability_rules: remove a calendar's rules (every minute becomes free). REST answers 204.
import { DeleteRulesInput, DeleteRulesOutput } from "../schemas/tools.js";
import { defineTool } from "./define-tool.js";

export const deleteAvailabilityRules = defineTool({
  name: "delete_availability_rules",
  title: "Delete availability rules",
  description:
    "Remove a calendar's availability rules: afterwards every minute outside an event is free. not_found: it has none.",
  scopes: ["manage_rules"],
  input: DeleteRulesInput,
  output: DeleteRulesOutput,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  rest: { method: "DELETE", path: "/v1/calendars/{calendar_id}/availability-rules", status: 204 },
  writes: true,
  run: (service, tx, input) => service.deleteRules(tx, input.calendar_id),
});
