// find_common_slots: slots free for several owners at once.
import { FindCommonSlotsInput, FindCommonSlotsOutput } from "../schemas/tools.js";
import { defineTool } from "./define-tool.js";

export const findCommonSlots = defineTool({
  name: "find_common_slots",
  title: "Find common slots",
  description:
    "Slots of duration_minutes in window when every owner in owner_emails is free under their own " +
    "rules. Nothing is held.",
  scopes: ["read_freebusy"],
  input: FindCommonSlotsInput,
  output: FindCommonSlotsOutput,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  rest: { method: "POST", path: "/v1/availability/common" },
  writes: false,
  run: (service, tx, input) => service.findCommonSlots(tx, input),
});
