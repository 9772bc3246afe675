// list_holds: the caller's own active holds.
import { ListHoldsInput, ListHoldsOutput } from "../schemas/tools.js";
import { defineTool } from "./define-tool.js";

export const listHolds = defineTool({
  name: "list_holds",
  title: "List your holds",
  description:
    "Your active holds in start order. Confirm one with create_booking(hold_id) or give it back with release_hold.",
  scopes: ["create_holds"],
  input: ListHoldsInput,
  output: ListHoldsOutput,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  rest: { method: "GET", path: "/v1/holds" },
  writes: false,
  run: (service, tx, input) => service.listHolds(tx, input),
});
