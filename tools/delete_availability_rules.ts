// delete_availability_rules: remove a calendar's rules (every minute becomes free).
import { CalendarIdInput, RulesOutput } from "../schemas/tools.js";
import { defineTool } from "./define-tool.js";

export const deleteAvailabilityRules = defineTool({
  name: "delete_availability_rules",
  title: "Delete availability rules",
  description: "Remove a calendar's availability rules: afterwards every minute outside an event is free.",
  scopes: ["manage_rules"],
  input: CalendarIdInput,
  output: RulesOutput,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  rest: { method: "DELETE", path: "/v1/calendars/{calendar_id}/availability-rules" },
  writes: true,
  run: (service, tx, input) => service.deleteRules(tx, input.calendar_id),
});
