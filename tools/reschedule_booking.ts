// reschedule_booking: move one of your bookings to a new time.
import { RescheduleBookingInput, Verdict } from "../schemas/tools.js";
import { defineTool } from "./define-tool.js";

export const rescheduleBooking = defineTool({
  name: "reschedule_booking",
  title: "Reschedule a booking",
  description:
    "Move a booking you made (also one marked needs_reschedule after being displaced) to start..end or start + duration_minutes. " +
    "Accept: moved. Preempt: moved by displacing lower-priority items. CounterPropose (CONFLICT): the new time is taken; pick one of alternatives. Reject: reason_code says why, alternatives may suggest times; the booking keeps its old time.",
  scopes: ["create_bookings"],
  input: RescheduleBookingInput,
  output: Verdict,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  rest: { method: "POST", path: "/v1/bookings/{booking_id}/reschedule" },
  writes: true,
  run: (service, tx, input) => service.rescheduleBooking(tx, input),
});
