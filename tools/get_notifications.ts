// get_notifications: what happened to your holds and bookings since you last looked.
import { GetNotificationsInput, GetNotificationsOutput } from "../schemas/tools.js";
import { defineTool } from "./define-tool.js";

export const getNotifications = defineTool({
  name: "get_notifications",
  title: "Get notifications",
  description:
    "Undelivered notifications for you, oldest first: booking.preempted (a booking of yours was displaced; see landing_hold), hold.preempted, hold.expired, booking.cancelled (the owner deleted it), booking.needs_reschedule (the owner's own event now collides with it), booking.moved (the owner moved it in their calendar). Each is delivered once, here or in pending_notifications of any other result.",
  scopes: [],
  input: GetNotificationsInput,
  output: GetNotificationsOutput,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  rest: { method: "GET", path: "/v1/notifications" },
  writes: false,
  deliverNotifications: false,
  run: async (service, tx, input) => ({ notifications: await service.takeNotifications(tx, input.limit) }),
});
