// create_hold: reserve a specific slot for a short time before booking it.
import { CreateHoldInput, Verdict } from "../schemas/tools.js";
import { defineTool } from "./define-tool.js";

export const createHold = defineTool({
  name: "create_hold",
  title: "Hold a slot",
  description:
    "Reserve start..end (or start + duration_minutes) on an owner's calendar for ttl_seconds (default 300, 30-3600) while you confirm with the attendees. " +
    "Accept: hold.hold_id is yours; confirm with create_booking(hold_id) before hold.expires_at. Preempt: you outranked and displaced the items in displaced. " +
    "CounterPropose (CONFLICT): taken; hold one of alternatives. Reject: reason_code says why; alternatives, when given, are free slots to try.",
  scopes: ["create_holds"],
  input: CreateHoldInput,
  output: Verdict,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  rest: { method: "POST", path: "/v1/holds" },
  writes: true,
  run: (service, tx, input) => service.createHold(tx, input),
});
