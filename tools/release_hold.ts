// release_hold: give a held slot back before it expires.
import { ReleaseHoldInput, ReleaseHoldOutput } from "../schemas/tools.js";
import { defineTool } from "./define-tool.js";

export const releaseHold = defineTool({
  name: "release_hold",
  title: "Release a hold",
  description:
    "Give back a hold you no longer need so others can use the slot. A hold already released, expired or confirmed is returned as it is.",
  scopes: ["create_holds"],
  input: ReleaseHoldInput,
  output: ReleaseHoldOutput,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  rest: { method: "DELETE", path: "/v1/holds/{hold_id}" },
  writes: true,
  run: (service, tx, input) => service.releaseHold(tx, input),
});
