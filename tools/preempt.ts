// preempt: explicitly displace one named booking to take its slot.
import { PreemptInput, WriteVerdict } from "../schemas/tools.js";
import { defineTool } from "./define-tool.js";

export const preempt = defineTool({
  name: "preempt",
  title: "Preempt a booking",
  description:
    "Take the slot of booking_id (or a start overlapping it) for a more important meeting, displacing " +
    "it: wins only when your class outranks it (or ties and your priority is higher), it is " +
    "preemptible and younger than the policy's protect_after_hours. Preempt: booked, the displaced " +
    "agent is told (with a landing hold if one fits). Reject: NO_CAPACITY (it outranks you or is " +
    "protected), TARGET_NOT_IN_SLOT, or a rule.",
  scopes: ["preempt", "create_bookings"],
  input: PreemptInput,
  output: WriteVerdict,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  rest: { method: "POST", path: "/v1/bookings/{booking_id}/preempt" },
  writes: true,
  run: (service, tx, input) => service.preempt(tx, input),
});
