// Which protocol era a message belongs to, told without loading either SDK: the 2026-07-28 revision
// names itself in every message's `_meta` envelope; anything without that claim is 2025-era.

/** The `_meta` key a 2026-07-28 message names its revision with: its envelope claim. */
export const PROTOCOL_VERSION_META_KEY = "io.modelcontextprotocol/protocolVersion";

/** Whether a parsed message opens (or belongs to) the 2026-07-28 era: it carries the envelope claim. */
export function claimsModernEra(message: unknown): boolean {
  const params = (message as { params?: { _meta?: Record<string, unknown> } } | null)?.params;
  const meta = params?._meta;
  return typeof meta === "object" && meta !== null && Object.hasOwn(meta, PROTOCOL_VERSION_META_KEY);
}
