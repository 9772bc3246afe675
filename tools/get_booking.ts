// get_booking: one booking by id, as list_bookings shows it.
import { BookingOutput, GetBookingInput } from "../schemas/tools.js";
import { defineTool } from "./define-tool.js";

export const getBooking = defineTool({
  name: "get_booking",
  title: "Get a booking",
  description:
    "One booking by id (any agent's, on an owner you may act on), with its class_rank and agent_priority.",
  scopes: ["read_events"],
  input: GetBookingInput,
  output: BookingOutput,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  rest: { method: "GET", path: "/v1/bookings/{booking_id}" },
  writes: false,
  run: (service, tx, input) => service.getBooking(tx, input.booking_id),
});
