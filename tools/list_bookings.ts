// list_bookings: page through bookings of the owners you may act on.
import { ListBookingsInput, ListBookingsOutput } from "../schemas/tools.js";
import { defineTool } from "./define-tool.js";

export const listBookings = defineTool({
  name: "list_bookings",
  title: "List bookings",
  description:
    "List bookings (all agents') of one owner or of every owner you may act on, filtered by status and by a start..end range, in start order. Pages: pass next_cursor as cursor until it is null.",
  scopes: ["read_events"],
  input: ListBookingsInput,
  output: ListBookingsOutput,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  rest: { method: "GET", path: "/v1/bookings" },
  writes: false,
  run: (service, tx, input) => service.listBookings(tx, input),
});
