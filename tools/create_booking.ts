// create_booking: book a meeting, from a hold or from a start and end.
import { CreateBookingInput, Verdict } from "../schemas/tools.js";
import { defineTool } from "./define-tool.js";

export const createBooking = defineTool({
  name: "create_booking",
  title: "Book a meeting",
  description:
    "Book a meeting: confirm a hold of yours (hold_id), or give owner_email, start and end or duration_minutes; plus title. A released, expired or confirmed hold is an error (conflict): check availability again. " +
    "Accept: booked. Preempt: your higher class or priority displaced the bookings in displaced (their agents are told). " +
    "CounterPropose (CONFLICT): taken; offer one of alternatives. Reject: reason_code says why (a rule such as WORKING_HOURS or MIN_NOTICE, PREEMPT_NOT_PERMITTED, NO_CAPACITY: nothing free nearby); alternatives, when given, are free slots to suggest.",
  scopes: ["create_bookings"],
  input: CreateBookingInput,
  output: Verdict,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  rest: { method: "POST", path: "/v1/bookings" },
  writes: true,
  run: (service, tx, input) => service.createBooking(tx, input),
});
