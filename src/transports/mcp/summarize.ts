// The one-line human rendering that precedes the JSON in a tool result's text content.

type Body = Readonly<Record<string, unknown>>;

/**
 * Summarizes a tool's response body in one line: the verdict and what it produced, or what was
 * read, then any pending notifications (so a model skimming the text does not miss a preemption).
 */
export function summarize(toolName: string, body: Body): string {
  const main = typeof body["verdict"] === "string" ? verdictLine(body) : plainLine(toolName, body);
  const pending = arrayOf(body["pending_notifications"]);
  if (pending.length === 0) return `${main}.`;
  const types = pending.map((n) => String(objectOf(n)["type"])).join(", ");
  return `${main}; ${count(pending.length, "pending notification")} (${types}) — read pending_notifications.`;
}

function verdictLine(body: Body): string {
  const reason = typeof body["reason_code"] === "string" ? ` (${body["reason_code"]})` : "";
  const parts: string[] = [`${String(body["verdict"])}${reason}`];
  const booking = objectOf(body["booking"]);
  if (booking["booking_id"]) {
    parts.push(
      `booking ${booking["booking_id"]} ${booking["start"]} to ${booking["end"]} (${booking["status"]})`,
    );
  }
  const hold = objectOf(body["hold"]);
  if (hold["hold_id"]) {
    parts.push(`hold ${hold["hold_id"]} ${hold["start"]} to ${hold["end"]}, until ${hold["expires_at"]}`);
  }
  const slots = arrayOf(body["slots"]);
  if (Array.isArray(body["slots"])) parts.push(firstOf(slots, "free slot"));
  const alternatives = arrayOf(body["alternatives"]);
  if (alternatives.length > 0) parts.push(firstOf(alternatives, "alternative"));
  const displaced = arrayOf(body["displaced"]);
  if (displaced.length > 0) parts.push(`displaced ${displaced.map((d) => objectOf(d)["id"]).join(", ")}`);
  return parts.join("; ");
}

function plainLine(toolName: string, body: Body): string {
  if (Array.isArray(body["bookings"])) {
    const more = body["next_cursor"] ? ", more with next_cursor" : "";
    return `${count(body["bookings"].length, "booking")}${more}`;
  }
  if (Array.isArray(body["notifications"])) return count(body["notifications"].length, "notification");
  if (Array.isArray(body["busy"]))
    return `${count(body["busy"].length, "busy block")} for ${body["owner_email"]}`;
  if (Array.isArray(body["slots"])) return firstOf(body["slots"], "common free slot");
  const booking = objectOf(body["booking"]);
  if (booking["booking_id"]) return `booking ${booking["booking_id"]} is ${booking["status"]}`;
  const hold = objectOf(body["hold"]);
  if (hold["hold_id"]) return `hold ${hold["hold_id"]} is ${hold["status"]}`;
  if ("rules" in body) {
    return body["rules"] === null
      ? `calendar ${body["calendar_id"]} has no availability rules`
      : `availability rules of calendar ${body["calendar_id"]}`;
  }
  if (typeof body["agent_id"] === "string") return `you are ${body["name"]} (${body["agent_id"]})`;
  return `${toolName} done`;
}

function firstOf(items: readonly unknown[], what: string): string {
  const first = objectOf(items[0]);
  return first["start"] ? `${count(items.length, what)}, first ${first["start"]}` : count(items.length, what);
}

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? "" : "s"}`;
}

function arrayOf(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

function objectOf(value: unknown): Body {
  return value !== null && typeof value === "object" ? (value as Body) : {};
}
