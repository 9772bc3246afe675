// The registry: the single list both transports and the OpenAPI document are generated from.
import { cancelBooking } from "./cancel_booking.js";
import { checkAvailability } from "./check_availability.js";
import { createBooking } from "./create_booking.js";
import { createHold } from "./create_hold.js";
import type { ToolDefinition } from "./define-tool.js";
import { deleteAvailabilityRules } from "./delete_availability_rules.js";
import { findCommonSlots } from "./find_common_slots.js";
import { getAvailabilityRules } from "./get_availability_rules.js";
import { getBooking } from "./get_booking.js";
import { getFreeBusy } from "./get_free_busy.js";
import { getNotifications } from "./get_notifications.js";
import { listBookings } from "./list_bookings.js";
import { listHolds } from "./list_holds.js";
import { manageWebhooks } from "./manage_webhooks.js";
import { preempt } from "./preempt.js";
import { releaseHold } from "./release_hold.js";
import { rescheduleBooking } from "./reschedule_booking.js";
import { setAvailabilityRules } from "./set_availability_rules.js";
import { whoami } from "./whoami.js";

export const TOOLS: readonly ToolDefinition[] = [
  checkAvailability,
  createHold,
  releaseHold,
  listHolds,
  createBooking,
  preempt,
  cancelBooking,
  rescheduleBooking,
  listBookings,
  getBooking,
  getFreeBusy,
  findCommonSlots,
  setAvailabilityRules,
  getAvailabilityRules,
  deleteAvailabilityRules,
  getNotifications,
  manageWebhooks,
  whoami,
] as unknown as readonly ToolDefinition[];

export function findTool(name: string): ToolDefinition | undefined {
  return TOOLS.find((t) => t.name === name);
}

export { defineTool, type ToolDefinition } from "./define-tool.js";
export { executeTool } from "./execute-tool.js";
