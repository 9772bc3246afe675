// preempt: explicitly displace one named booking to take its slot.
import { PreemptInput, Verdict } from "../schemas/tools.js";
import { defineTool } from "./define-tool.js";

export const preempt = defineTool({
  name: "preempt",
  title: "Preempt a booking",
  description:
    "Take the slot of booking_id (or start..end overlapping it) for a more important meeting, displacing that booking. Only wins when your meeting class outranks it (or ties on class and your agent priority is higher), it is preemptible and was booked less than the policy's protect_after_hours ago. " +
    "verdict Preempt: your booking is confirmed and the displaced agent is notified (with a landing hold where one fits). Reject: reason_code NO_CAPACITY (it outranks you or is protected), TARGET_NOT_IN_SLOT, or a rule code. Never books anywhere else.",
  scopes: ["preempt", "create_bookings"],
  input: PreemptInput,
  output: Verdict,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  rest: { method: "POST", path: "/v1/bookings/{booking_id}/preempt" },
  writes: true,
  run: (service, tx, input) => service.preempt(tx, input),
});
