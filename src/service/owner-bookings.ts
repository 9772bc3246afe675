// What the owner does with any agent's bookings, from the admin CLI (and the console): list, show and
// cancel. Each goes through the same tool code and transaction as an agent's call (validation, audit
// row, provider write-through), as a caller that stands for the owner: every owner, every scope, and
// no notifications of its own to take.
import { toInstant } from "../../schemas/time.js";
import { executeTool, findTool, type ToolDefinition } from "../../tools/index.js";
import { findBooking } from "../ledger/schedule.repository.js";
import { type Caller, SCOPES } from "./caller.js";
import { OpenavailError } from "./errors.js";
import { notifyAgent } from "./notify.js";
import type { SchedulingService, ToolResult } from "./scheduling-service.js";

/** How the audit log names the owner acting (its `key_prefix`), beside the agent whose booking it was. */
export const OWNER_ACTOR = "owner";
/** The tool name the audit log records for an owner's cancellation. */
export const OWNER_CANCEL_TOOL = "owner_cancel_booking";

/** The owner as a caller; `agentId` is the agent whose booking is acted on (the audit row names it). */
function ownerCaller(agentId: string): Caller {
  return {
    agentId,
    name: "owner",
    description: null,
    priority: 0,
    defaultClass: null,
    scopes: new Set(SCOPES),
    owners: "*",
    keyPrefix: OWNER_ACTOR,
  };
}

function tool(name: string): ToolDefinition {
  const found = findTool(name);
  if (!found) throw new Error(`no tool ${name} in the registry`);
  return found;
}

/** Every agent's bookings, filtered and paged as list_bookings takes them (`owner_email`, `status`, `window`...). */
export async function listOwnerBookings(service: SchedulingService, input: object): Promise<ToolResult> {
  return executeTool(service, tool("list_bookings"), ownerCaller(OWNER_ACTOR), input, undefined, {
    deliverNotifications: false,
  });
}

/** One booking of any agent. */
export async function showOwnerBooking(service: SchedulingService, bookingId: string): Promise<ToolResult> {
  return executeTool(
    service,
    tool("get_booking"),
    ownerCaller(OWNER_ACTOR),
    { booking_id: bookingId },
    undefined,
    {
      deliverNotifications: false,
    },
  );
}

/**
 * Cancels any agent's booking for the owner: the slot is freed, the provider event removed, the
 * booking's agent told (booking.cancelled, with the reason) and the decision logged as
 * owner_cancel_booking. Cancelling a cancelled booking changes nothing and tells no one.
 */
export async function ownerCancelBooking(
  service: SchedulingService,
  bookingId: string,
  reason?: string,
): Promise<ToolResult> {
  const cancel = tool("cancel_booking");
  const parsed = cancel.input.safeParse({
    booking_id: bookingId,
    ...(reason !== undefined ? { reason } : {}),
  });
  if (!parsed.success) {
    throw new OpenavailError(
      "bad_request",
      `Invalid booking_id "${bookingId}": must be a booking id like bkg_...`,
      {
        details: [{ field: "booking_id", message: "must be a booking id like bkg_..." }],
      },
    );
  }
  const row = await findBooking(service.db, bookingId);
  if (!row) {
    throw new OpenavailError("not_found", `No booking ${bookingId}.`, {
      details: [{ field: "booking_id", message: "no such booking" }],
    });
  }
  const input = parsed.data as Record<string, unknown>;
  return service.run(
    ownerCaller(row.agent_id),
    OWNER_CANCEL_TOOL,
    input,
    async (tx) => {
      const before = (await findBooking(tx.trx, bookingId))!;
      const result = await cancel.run(service, tx, input);
      if (before.status !== "cancelled") {
        const why = reason ? `: ${reason}` : "";
        await notifyAgent(tx.trx, tx.now, row.agent_id, "booking.cancelled", {
          message: `The owner cancelled your booking ${row.id} (${toInstant(row.start_ms)})${why}; call check_availability if the meeting is still needed.`,
          booking_id: row.id,
          hold_id: null,
          winner_class: null,
          landing_hold: null,
          ...(reason ? { reason } : {}),
        });
      }
      return result;
    },
    { deliverNotifications: false },
  );
}
