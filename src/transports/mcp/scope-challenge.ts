// An OAuth client whose token lacks a tool's scope is answered 403 insufficient_scope at the HTTP
// level (the MCP authorization spec's step-up), naming the scopes to ask for, so it can return to the
// owner for them; an API-key caller keeps getting the tool's own error result, as before.
import { findTool } from "../../../tools/index.js";
import { type Caller, requireScopes } from "../../service/caller.js";
import type { OpenavailError } from "../../service/errors.js";

/** The refusal for the first tools/call in `message` (one message or a batch) the caller may not make. */
export function insufficientScope(caller: Caller, message: unknown): OpenavailError | undefined {
  if (!caller.oauth) return undefined;
  for (const m of Array.isArray(message) ? message : [message]) {
    const { method, params } = (m ?? {}) as { method?: unknown; params?: { name?: unknown } };
    if (method !== "tools/call" || typeof params?.name !== "string") continue;
    const tool = findTool(params.name);
    if (!tool) continue;
    try {
      requireScopes(caller, tool.scopes, tool.name);
    } catch (err) {
      return err as OpenavailError;
    }
  }
  return undefined;
}
