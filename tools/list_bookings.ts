// list_bookings: page through bookings of the owners you may act on.
import { ListBookingsInput, ListBookingsOutput } from "../schemas/tools.js";
import { defineTool } from "./define-tool.js";

export const listBookings = defineTool({
  name: "list_bookings",
  title: "List bookings",
  description:
    "Bookings (every agent's) of one owner or of all you may act on, by status and window, in start " +
    "order. Pass next_cursor as cursor until it is null.",
  scopes: ["read_events"],
  input: ListBookingsInput,
  output: ListBookingsOutput,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  rest: { method: "GET", path: "/v1/bookings", query: { start: "window.start", end: "window.end" } },
  writes: false,
  run: (service, tx, input) => service.listBookings(tx, input),
});
