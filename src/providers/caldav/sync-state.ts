// What a CalDAV calendar's `sync_token` column holds: the server's sync-collection token (or, on a
// server without one, the collection's ctag), the zone the mirror placed floating times in, and how
// far ahead recurring events were expanded. Opaque to everything but the CalDAV provider.

export interface DavSyncState {
  /** The sync-collection token; null on a server without RFC 6578 (then `ctag` is compared). */
  readonly dav: string | null;
  readonly ctag: string | null;
  /** The IANA zone all-day and floating times were placed in. */
  readonly tz: string;
  /** Recurring events were expanded up to this instant (epoch ms). */
  readonly until: number;
}

const PREFIX = "caldav1:";

export function encodeState(state: DavSyncState): string {
  return PREFIX + JSON.stringify(state);
}

/** The state in a stored token, or null for none or one this version cannot read (a full listing follows). */
export function decodeState(token: string | null): DavSyncState | null {
  if (token === null || !token.startsWith(PREFIX)) return null;
  try {
    const data = JSON.parse(token.slice(PREFIX.length)) as Record<string, unknown>;
    const { dav, ctag, tz, until } = data;
    if (
      (dav !== null && typeof dav !== "string") ||
      (ctag !== null && typeof ctag !== "string") ||
      typeof tz !== "string" ||
      typeof until !== "number"
    ) {
      return null;
    }
    return { dav, ctag, tz, until };
  } catch {
    return null;
  }
}
