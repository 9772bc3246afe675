// create_hold: reserve a specific slot for a short time before booking it.
import { CreateHoldInput, WriteVerdict } from "../schemas/tools.js";
import { defineTool } from "./define-tool.js";

export const createHold = defineTool({
  name: "create_hold",
  title: "Hold a slot",
  description:
    "Hold start with end or duration_minutes for ttl_seconds (default 300) while you confirm; book it " +
    "with create_booking(hold_id) before expires_at (hold_id: an opaque handle, checked on every call). Accept: held. Preempt: you outranked the items " +
    "in displaced. CounterPropose (CONFLICT): taken; try one of alternatives. Reject: see " +
    "reason_code.",
  scopes: ["create_holds"],
  input: CreateHoldInput,
  output: WriteVerdict,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  rest: { method: "POST", path: "/v1/holds" },
  writes: true,
  run: (service, tx, input) => service.createHold(tx, input),
});
