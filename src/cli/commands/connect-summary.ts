// The SYNC column every `openavail connect <provider>` summary prints.
import type { AttachedCalendar } from "../../service/provider-connect.js";

/** How an attached calendar's first sync went, in a few words. */
export function syncText(c: AttachedCalendar): string {
  if (c.sync === null) return "not synced";
  return c.sync.ok ? `synced (${c.sync.events} events)` : `sync failed: ${c.sync.error}`;
}
