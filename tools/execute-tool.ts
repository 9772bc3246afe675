// Runs one tool call for an authenticated caller: validate, authorize, then one service transaction.

import { type Caller, currentCaller, requireScopes } from "../src/service/caller.js";
import { badRequestFrom } from "../src/service/errors.js";
import type { SchedulingService, ToolResult } from "../src/service/scheduling-service.js";
import { requireWellFormedText } from "../src/service/well-formed-text.js";
import type { ToolDefinition } from "./define-tool.js";

/**
 * Checks scopes, validates `args` (every string valid Unicode text, then the tool's input schema; a
 * bad request changes nothing), and runs the tool. An `idempotencyKey` from a transport header takes
 * the place of the argument. `deliverNotifications: false` leaves pending notifications pending, for
 * a response that has no body to carry them.
 */
export async function executeTool(
  service: SchedulingService,
  tool: ToolDefinition,
  caller: Caller,
  args: unknown,
  idempotencyKey?: string,
  options: { deliverNotifications?: boolean } = {},
): Promise<ToolResult> {
  try {
    requireScopes(caller, tool.scopes, tool.name);
  } catch (err) {
    // A provisional caller (authenticate) lacking a scope may lack only what another process has
    // just granted: the refusal is judged again on the caller its key makes now.
    if (!caller.recheck) throw err;
    requireScopes(await currentCaller(caller, service.db), tool.scopes, tool.name);
  }
  const withKey =
    idempotencyKey !== undefined && tool.writes && args && typeof args === "object"
      ? { ...(args as Record<string, unknown>), idempotency_key: idempotencyKey }
      : (args ?? {});
  // Here, not in each schema: the one place every transport's input passes, so no string escapes it.
  requireWellFormedText(withKey, `${tool.name} input`);
  const parsed = tool.input.safeParse(withKey);
  if (!parsed.success) throw badRequestFrom(parsed.error, `${tool.name} input`, tool.input, withKey);
  const input = parsed.data as Record<string, unknown>;
  // The provisional caller goes on: its recheck inside the transaction is what vouches for it.
  return service.run(caller, tool.name, input, (tx) => tool.run(service, tx, input), {
    deliverNotifications: (tool.deliverNotifications ?? true) && (options.deliverNotifications ?? true),
    scopes: tool.scopes,
    writes: tool.writes,
  });
}
