// cancel_booking: cancel one of your bookings.
import { CancelBookingInput, CancelBookingOutput } from "../schemas/tools.js";
import { defineTool } from "./define-tool.js";

export const cancelBooking = defineTool({
  name: "cancel_booking",
  title: "Cancel a booking",
  description:
    "Cancel a booking you made; its time becomes free and agents it displaced are told. Cancelling it again changes nothing.",
  scopes: ["create_bookings"],
  input: CancelBookingInput,
  output: CancelBookingOutput,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  rest: { method: "POST", path: "/v1/bookings/{booking_id}/cancel" },
  writes: true,
  run: (service, tx, input) => service.cancelBooking(tx, input),
});
