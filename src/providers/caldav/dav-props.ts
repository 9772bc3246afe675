// Reading WebDAV property values as tsdav hands them over (xml-js compact objects: a string, a
// number, or `{_text}` / `{_cdata}`), and a calendar's zone from its CALDAV:calendar-timezone.
import { isIanaZone } from "./ical-events.js";

/** The text of a property value, or null when it has none. */
export function textOf(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  if (typeof value === "object" && value !== null) {
    const v = value as { _text?: unknown; _cdata?: unknown };
    if (typeof v._cdata === "string") return v._cdata;
    if (typeof v._text === "string" || typeof v._text === "number") return String(v._text);
  }
  return null;
}

/**
 * The IANA zone of a calendar-timezone value (a VCALENDAR holding one VTIMEZONE, RFC 4791 5.2.2), or
 * null when it names none this runtime knows.
 */
export function calendarZoneOf(value: unknown): string | null {
  const ics = textOf(value);
  const tzid = ics === null ? undefined : /^TZID[^:]*:(.+)$/m.exec(ics)?.[1]?.trim();
  return tzid !== undefined && tzid !== "" && isIanaZone(tzid) ? tzid : null;
}
