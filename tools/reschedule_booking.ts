// reschedule_booking: move one of your bookings to a new time.
import { RescheduleBookingInput, WriteVerdict } from "../schemas/tools.js";
import { defineTool } from "./define-tool.js";

export const rescheduleBooking = defineTool({
  name: "reschedule_booking",
  title: "Reschedule a booking",
  description:
    "Move your booking (also one marked needs_reschedule) to start; it keeps its length unless you " +
    "give end or duration_minutes. Accept: moved. Preempt: moved by displacing lower items. " +
    "CounterPropose (CONFLICT): taken; pick an alternative. Reject: see reason_code; the booking " +
    "stays put.",
  scopes: ["create_bookings"],
  input: RescheduleBookingInput,
  output: WriteVerdict,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  rest: { method: "POST", path: "/v1/bookings/{booking_id}/reschedule" },
  writes: true,
  run: (service, tx, input) => service.rescheduleBooking(tx, input),
});
