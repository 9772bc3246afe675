// Times as the owner reads them: the wall time the server computed in the owner's zone, with its
// offset, so the console needs no zone database. Instants without one are shown in UTC, marked so.

/** "2026-12-08T10:00:00+01:00" -> "Tue 8 Dec 10:00 (+01:00)". */
export function wallTime(local: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::\d{2})?(Z|[+-]\d{2}:\d{2})$/.exec(local);
  if (!m) return local;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  const day = date.toLocaleDateString("en-GB", {
    weekday: "short",
    day: "numeric",
    month: "short",
    timeZone: "UTC",
  });
  return `${day} ${m[4]}:${m[5]} (${m[6] === "Z" ? "+00:00" : m[6]})`;
}

/** "10:00" of a local wall time string. */
export function clock(local: string): string {
  return local.slice(11, 16);
}

/** Minutes after local midnight of a wall time string. */
export function minuteOfDay(local: string): number {
  return Number(local.slice(11, 13)) * 60 + Number(local.slice(14, 16));
}

/** An RFC 3339 UTC instant shown as such: "2026-12-08 09:00:05 UTC". */
export function utc(instant: string | null): string {
  if (!instant) return "never";
  return `${instant.slice(0, 10)} ${instant.slice(11, 19)} UTC`;
}

/** A stable colour slot (0-7) per meeting class name, for the calendar's legend and blocks. */
export function classColour(name: string | null): number {
  if (!name) return 0;
  let h = 0;
  for (const ch of name) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return (h % 7) + 1;
}

/** An instant as wall time in `zone` with its offset: "Tue 3 Mar 10:00 (GMT+01:00)"; UTC without a zone. */
export function inZone(instant: string, zone: string | undefined): string {
  if (!zone) return utc(instant);
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: zone,
    weekday: "short",
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
    timeZoneName: "longOffset",
  }).formatToParts(new Date(instant));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  const offset = get("timeZoneName") === "GMT" ? "GMT+00:00" : get("timeZoneName");
  return `${get("weekday")} ${get("day")} ${get("month")} ${get("hour")}:${get("minute")}:${get("second")} (${offset})`;
}
