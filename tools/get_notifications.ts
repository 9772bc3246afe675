// get_notifications: what happened to your holds and bookings since you last looked.
import { GetNotificationsInput, GetNotificationsOutput } from "../schemas/tools.js";
import { defineTool } from "./define-tool.js";

export const getNotifications = defineTool({
  name: "get_notifications",
  title: "Get notifications",
  description:
    "Your undelivered notifications, oldest first, each delivered once (here or in " +
    "pending_notifications): booking.preempted (see landing_hold), hold.preempted, hold.expired, " +
    "booking.cancelled, booking.needs_reschedule, booking.moved (the owner edited it).",
  scopes: [],
  input: GetNotificationsInput,
  output: GetNotificationsOutput,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  rest: { method: "GET", path: "/v1/notifications" },
  writes: false,
  deliverNotifications: false,
  run: async (service, tx, input) => ({ notifications: await service.takeNotifications(tx, input.limit) }),
});
