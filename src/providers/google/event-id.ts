// The Google event id of a booking, derived from the booking id alone so that a retried insert
// can only ever collide with (never duplicate) the event an earlier attempt created.

// RFC 4648 base32hex, lowercased: exactly the characters Google accepts in an event id (a-v, 0-9).
const ALPHABET = "0123456789abcdefghijklmnopqrstuv";
const PREFIX = "oa";
const MIN_LENGTH = 5;
const MAX_LENGTH = 1024;

/** Google's rule for client-supplied event ids. */
export const GOOGLE_EVENT_ID_PATTERN = /^[a-v0-9]{5,1024}$/;

function base32hex(bytes: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(buffer >>> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/**
 * `"oa"` + unpadded lowercase base32hex of the booking id's UTF-8 bytes: deterministic, injective,
 * and valid for Google. Throws RangeError when the result would fall outside Google's 5..1024 length.
 */
export function eventIdForBooking(bookingId: string): string {
  const id = PREFIX + base32hex(new TextEncoder().encode(bookingId));
  if (id.length < MIN_LENGTH || id.length > MAX_LENGTH) {
    throw new RangeError(`booking id of ${bookingId.length} characters gives no valid Google event id`);
  }
  return id;
}
