// check_availability: free slots for one owner in a window, optionally holding the first.
import { CheckAvailabilityInput, CheckAvailabilityOutput } from "../schemas/tools.js";
import { defineTool } from "./define-tool.js";

export const checkAvailability = defineTool({
  name: "check_availability",
  title: "Check availability",
  description:
    "Find free slots of duration_minutes for an owner in window (at most 90 days), honouring working " +
    "hours, buffers, bookings and holds. Call this first. Accept: slots in order; the first is held " +
    "for you (hold_id, until expires_at): book it with create_booking(hold_id); your next check of " +
    "this owner releases it; hold:false only looks. Reject: WORKING_HOURS (try working hours), " +
    "MIN_NOTICE (look later), OUTSIDE_HORIZON (look sooner), NO_CAPACITY (widen the window or shorten " +
    "the meeting).",
  scopes: ["read_freebusy"],
  input: CheckAvailabilityInput,
  output: CheckAvailabilityOutput,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  rest: { method: "POST", path: "/v1/availability" },
  writes: true,
  run: (service, tx, input) => service.checkAvailability(tx, input),
});
