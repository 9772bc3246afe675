// create_booking: book a meeting, from a hold or from a start and end.
import { CreateBookingInput, WriteVerdict } from "../schemas/tools.js";
import { defineTool } from "./define-tool.js";

export const createBooking = defineTool({
  name: "create_booking",
  title: "Book a meeting",
  description:
    "Book a meeting: confirm your hold (hold_id), or give owner_email and start with end or " +
    "duration_minutes; booking_id is an opaque handle for the booking's life. A released, expired or confirmed hold is a conflict error. Accept: booked. " +
    "Preempt: you outranked the items in displaced (their agents are told). CounterPropose " +
    "(CONFLICT): taken; offer one of alternatives. Reject: see reason_code; alternatives may suggest " +
    "times.",
  scopes: ["create_bookings"],
  input: CreateBookingInput,
  output: WriteVerdict,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  rest: { method: "POST", path: "/v1/bookings" },
  writes: true,
  run: (service, tx, input) => service.createBooking(tx, input),
});
