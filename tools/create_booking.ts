// create_booking: book a meeting, from a hold or from a start and end.
import { CreateBookingInput, Verdict } from "../schemas/tools.js";
import { defineTool } from "./define-tool.js";

export const createBooking = defineTool({
  name: "create_booking",
  title: "Book a meeting",
  description:
    "Book a meeting on an owner's calendar: either confirm a hold of yours (hold_id) or give owner_email with start and end (or duration_minutes), plus title and attendees. A hold that was released, expired or already confirmed is an error (conflict): check availability again. " +
    "verdict Accept: booking is confirmed. Preempt: you had the preempt scope and a higher meeting class or priority, so lower-priority bookings were displaced (see displaced; their agents are notified). " +
    "CounterPropose: the slot is taken or breaks a rule (reason_code, e.g. CONFLICT, WORKING_HOURS, PREEMPT_NOT_PERMITTED); offer one of alternatives to the attendees and book it. Reject: no slot is possible (reason_code).",
  scopes: ["create_bookings"],
  input: CreateBookingInput,
  output: Verdict,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  rest: { method: "POST", path: "/v1/bookings" },
  writes: true,
  run: (service, tx, input) => service.createBooking(tx, input),
});
