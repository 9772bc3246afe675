// get_free_busy: an owner's merged busy blocks in a range.
import { GetFreeBusyInput, GetFreeBusyOutput } from "../schemas/tools.js";
import { defineTool } from "./define-tool.js";

export const getFreeBusy = defineTool({
  name: "get_free_busy",
  title: "Get free/busy",
  description:
    "The owner's busy blocks in window (at most 90 days), merged over all calendars, without titles. " +
    "For bookable slots use check_availability.",
  scopes: ["read_freebusy"],
  input: GetFreeBusyInput,
  output: GetFreeBusyOutput,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  rest: {
    method: "GET",
    path: "/v1/owners/{owner_email}/freebusy",
    query: { start: "window.start", end: "window.end" },
  },
  writes: false,
  run: (service, tx, input) => service.getFreeBusy(tx, input),
});
