// check_availability: free slots for one owner in a window, optionally holding the first.
import { CheckAvailabilityInput, CheckAvailabilityOutput } from "../schemas/tools.js";
import { defineTool } from "./define-tool.js";

export const checkAvailability = defineTool({
  name: "check_availability",
  title: "Check availability",
  description:
    "Find free slots of duration_minutes in an owner's calendars within a window (at most 90 days), honouring their working hours, buffers and every other agent's bookings and holds. " +
    "Call this first when you need a meeting time. verdict Accept: slots lists free times in order and, when you may create holds (default), the first slot is held for you (hold.hold_id, valid until hold.expires_at) — confirm it with create_booking(hold_id) or release it with release_hold. " +
    "verdict Reject with reason_code NO_CAPACITY: nothing fits; widen the window or shorten the meeting. Set hold:false to only look.",
  scopes: ["read_freebusy"],
  input: CheckAvailabilityInput,
  output: CheckAvailabilityOutput,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  rest: { method: "POST", path: "/v1/availability" },
  writes: true,
  run: (service, tx, input) => service.checkAvailability(tx, input),
});
