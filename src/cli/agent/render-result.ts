// A tool's REST answer as a person reads it: the verdict first, then what was held or booked, the
// alternatives and what was displaced, times in one stated zone. Shapes are recognised by their
// fields (a verdict, bookings, holds, busy blocks...), so a new tool with a known shape needs nothing here.
import { wallTimeAt } from "../../core/zoned-time.js";
import { table } from "../commands/admin-env.js";

type Obj = Record<string, unknown>;
const WEEKDAY = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/** `Tue 2026-12-08 10:00` in `zone`. */
export function localTime(iso: string, zone: string): string {
  const w = wallTimeAt(zone, Date.parse(iso));
  const date = `${w.year}-${pad(w.month)}-${pad(w.day)}`;
  return `${WEEKDAY[w.weekday]} ${date} ${pad(Math.floor(w.minuteOfDay / 60))}:${pad(w.minuteOfDay % 60)}`;
}

/** `Tue 2026-12-08 10:00-10:30`, the end's date shown only when it differs. */
export function localSpan(start: string, end: string, zone: string): string {
  const a = localTime(start, zone);
  const b = localTime(end, zone);
  return a.slice(0, 14) === b.slice(0, 14) ? `${a}-${b.slice(15)}` : `${a} - ${b}`;
}

/** The human form of one REST answer, every time in `zone`. */
export function renderHuman(body: Obj, zone: string): string {
  const out: string[] = [];
  if (typeof body.verdict === "string") out.push(...verdictLines(body, zone));
  else if (Array.isArray(body.bookings))
    out.push(bookingTable(body.bookings as Obj[], zone), ...nextPage(body));
  else if (Array.isArray(body.holds)) out.push(holdTable(body.holds as Obj[], zone));
  else if (Array.isArray(body.busy)) out.push(...busyLines(body, zone));
  else if (Array.isArray(body.slots)) out.push(...slotLines(body.slots as Obj[], zone));
  else if (Array.isArray(body.notifications))
    out.push(...notificationLines(body.notifications as Obj[], zone));
  else if (Array.isArray(body.webhooks)) out.push(webhookTable(body.webhooks as Obj[]));
  else if (Array.isArray(body.deliveries)) out.push(deliveryTable(body.deliveries as Obj[]));
  else if (isObj(body.webhook)) out.push(...webhookLines(body));
  else if (isObj(body.booking)) out.push(...bookingLines(body.booking, zone), ...decision(body));
  else if (isObj(body.hold)) out.push(holdLine(body.hold, zone), ...decision(body));
  else if (typeof body.agent_id === "string" && Array.isArray(body.owners)) out.push(...whoamiLines(body));
  else out.push(...plainLines(body));
  for (const w of (body.warnings as string[] | undefined) ?? []) out.push(`warning: ${w}`);
  const pending = (body.pending_notifications as Obj[] | undefined) ?? [];
  if (pending.length > 0) out.push("", "Notifications for you:", ...notificationLines(pending, zone));
  return `${out.join("\n")}\n`;
}

function verdictLines(v: Obj, zone: string): string[] {
  const dry = v.dry_run === true ? " (dry run: nothing changed)" : "";
  const reason = v.reason_code ? ` ${v.reason_code}` : "";
  const out = [`${v.verdict}${reason}${dry}`];
  if (isObj(v.booking)) out.push(...bookingLines(v.booking, zone).map(indent));
  if (isObj(v.hold)) out.push(indent(holdLine(v.hold, zone)));
  const slots = (v.slots as Obj[] | undefined) ?? [];
  if (slots.length > 0) out.push(`Free slots (${zone}):`, ...slotLines(slots, zone).map(indent));
  const alternatives = (v.alternatives as Obj[] | undefined) ?? [];
  if (alternatives.length > 0)
    out.push(
      `Alternatives (${zone}):`,
      ...alternatives.map((a) => indent(localSpan(str(a.start), str(a.end), zone))),
    );
  const displaced = (v.displaced as Obj[] | undefined) ?? [];
  for (const d of displaced)
    out.push(
      `Displaced ${d.kind} ${d.id} of ${d.agent_id} (${d.meeting_class}), ${localSpan(str(d.start), str(d.end), zone)}`,
    );
  if (isObj(v.explanation)) out.push(...explanationLines(v.explanation));
  out.push(`decision ${v.decision_id}`);
  return out;
}

function explanationLines(e: Obj): string[] {
  const rules = ((e.rules as Obj[] | undefined) ?? []).map((r) => `${r.rule} ${r.outcome}`).join(", ");
  const out = [`Rules: ${rules || "none"}`];
  for (const c of (e.conflicts as Obj[] | undefined) ?? [])
    out.push(
      `Conflict: ${c.kind} ${c.id} (${c.meeting_class ?? "own event"}), ${c.displaceable ? "displaceable" : "not displaceable"}`,
    );
  return out;
}

function bookingLines(b: Obj, zone: string): string[] {
  return [
    `booking ${b.booking_id} ${b.status}: "${b.title}"`,
    `  ${localSpan(str(b.start), str(b.end), zone)} (${zone}), ${b.owner_email} ${b.calendar_type}, class ${b.meeting_class}`,
    ...(Array.isArray(b.attendees) && b.attendees.length > 0
      ? [`  attendees: ${(b.attendees as Obj[]).map((a) => a.email).join(", ")}`]
      : []),
  ];
}

function holdLine(h: Obj, zone: string): string {
  const until = h.status === "active" ? `, expires ${localTime(str(h.expires_at), zone).slice(15)}` : "";
  return `hold ${h.hold_id} ${h.status}: ${localSpan(str(h.start), str(h.end), zone)} (${zone}), ${h.owner_email}${until}`;
}

function bookingTable(bookings: Obj[], zone: string): string {
  if (bookings.length === 0) return "No bookings.";
  return table(
    [`WHEN (${zone})`, "STATUS", "TITLE", "CLASS", "OWNER", "BOOKING"],
    bookings.map((b) => [
      localSpan(str(b.start), str(b.end), zone),
      b.status,
      b.title,
      b.meeting_class,
      b.owner_email,
      b.booking_id,
    ]),
  );
}

function holdTable(holds: Obj[], zone: string): string {
  if (holds.length === 0) return "No holds.";
  return table(
    [`WHEN (${zone})`, "STATUS", "EXPIRES", "CLASS", "OWNER", "HOLD"],
    holds.map((h) => [
      localSpan(str(h.start), str(h.end), zone),
      h.status,
      localTime(str(h.expires_at), zone).slice(15),
      h.meeting_class,
      h.owner_email,
      h.hold_id,
    ]),
  );
}

function busyLines(body: Obj, zone: string): string[] {
  const busy = body.busy as Obj[];
  if (busy.length === 0) return [`${body.owner_email} is free all through the range.`];
  return [
    `${body.owner_email} is busy (${zone}):`,
    ...busy.map((b) => indent(localSpan(str(b.start), str(b.end), zone))),
  ];
}

function slotLines(slots: Obj[], zone: string): string[] {
  return slots.length === 0
    ? ["No free slots."]
    : slots.map((s) => localSpan(str(s.start), str(s.end), zone));
}

function notificationLines(list: Obj[], zone: string): string[] {
  if (list.length === 0) return ["No notifications."];
  return list.map((n) => `${localTime(str(n.created_at), zone)}  ${n.type}: ${n.message}`);
}

function webhookTable(list: Obj[]): string {
  if (list.length === 0) return "No webhooks.";
  return table(
    ["WEBHOOK", "STATUS", "URL", "EVENTS"],
    list.map((h) => [h.webhook_id, h.status, h.url, (h.event_types as string[]).join(",")]),
  );
}

function deliveryTable(list: Obj[]): string {
  if (list.length === 0) return "No deliveries yet.";
  return table(
    ["DELIVERY", "EVENT", "STATUS", "ATTEMPTS", "LAST CODE", "CREATED"],
    list.map((d) => [d.delivery_id, d.event_type, d.status, d.attempts, d.last_status_code, d.created_at]),
  );
}

function webhookLines(body: Obj): string[] {
  const h = body.webhook as Obj;
  const out = [
    `webhook ${h.webhook_id} ${h.status}: ${h.url}`,
    `  events: ${(h.event_types as string[]).join(", ")}`,
  ];
  if (typeof body.secret === "string") out.push(`  secret (shown once, store it now): ${body.secret}`);
  return out;
}

function whoamiLines(me: Obj): string[] {
  const owners = (me.owners as Obj[]).map((o) => `${o.email} (${o.timezone})`);
  return [
    `agent ${me.agent_id} "${me.name}", key ${me.key_prefix}...`,
    `  scopes: ${(me.scopes as string[]).join(", ")}`,
    `  default class ${me.default_meeting_class}, priority ${me.priority}`,
    `  owners: ${owners.length > 0 ? owners.join(", ") : "none yet"}`,
  ];
}

function nextPage(body: Obj): string[] {
  return body.next_cursor ? [`More: add --cursor ${body.next_cursor}`] : [];
}

function decision(body: Obj): string[] {
  return typeof body.decision_id === "string" ? [`decision ${body.decision_id}`] : [];
}

/** Anything else (rules, a deletion): one `key: value` line per field, objects as compact JSON. */
function plainLines(body: Obj): string[] {
  return Object.entries(body)
    .filter(([k]) => k !== "pending_notifications" && k !== "warnings")
    .map(([k, v]) => `${k}: ${typeof v === "object" && v !== null ? JSON.stringify(v) : String(v)}`);
}

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown) => String(v);
const indent = (line: string) => `  ${line}`;
const pad = (n: number) => String(n).padStart(2, "0");
