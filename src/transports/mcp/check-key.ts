// Key checks for connection set-up, which must not spend the agent's rate limit.
import type { App } from "../../compose.js";
import { authenticate } from "../../service/authenticate.js";
import type { Caller } from "../../service/caller.js";

/**
 * Authenticates `rawKey` like `app.authenticate` but without counting a request against the key's
 * rate limit: for opening a session or admitting an HTTP request. Tool calls go through
 * `app.authenticate`, so the limit counts tool calls, not protocol chatter (initialize, tools/list).
 */
export function checkKey(app: App, rawKey: string | undefined): Promise<Caller> {
  return authenticate(app.ledger.db, rawKey, app.config.now());
}
