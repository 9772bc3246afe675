// One owner's week in their time zone: every agent's bookings coloured by meeting class with the
// agent's name, holds with their expiry, the owner's own events, working hours, buffers and hard
// blocks, and bookings that need rescheduling marked with what displaced them. A booking opens to a
// panel that can cancel it (its agent is told).
import { useEffect, useState } from "preact/hooks";
import { api, type Owner, query } from "./api";
import { classColour, clock, wallTime } from "./format";
import { ErrorNote, Field, Page, Status } from "./ui";

interface Item {
  kind: "booking" | "hold" | "event";
  id: string;
  calendar_type: string;
  start: string;
  end: string;
  local_start: string;
  local_end: string;
  title: string | null;
  status: string;
  meeting_class: string | null;
  agent_name: string | null;
  expires_at: string | null;
  displaced_by: string[];
}

interface Rules {
  working_hours: Record<string, { start: string; end: string }> | null;
  buffer_before_minutes: number;
  buffer_after_minutes: number;
  hard_blocks: { start: string; end: string }[];
}

interface Week {
  owner_email: string;
  timezone: string;
  local_start: string;
  days: { date: string; weekday: number; start: string; end: string }[];
  items: Item[];
  calendars: { calendar_id: string; calendar_type: string; rules: Rules | null }[];
}

const WEEKDAY_KEYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const WEEKDAY_NAMES = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const ms = (iso: string) => Date.parse(iso);
const hm = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));

function shiftDate(date: string, days: number): string {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Top and height (in % of the day column) of [start, end) within one local day. */
function place(start: number, end: number, day: { start: string; end: string }) {
  const d0 = ms(day.start);
  const d1 = ms(day.end);
  const a = Math.max(start, d0);
  const b = Math.min(end, d1);
  if (b <= a) return null;
  return { top: ((a - d0) / (d1 - d0)) * 100, height: ((b - a) / (d1 - d0)) * 100 };
}

/** Side-by-side lanes for the items of one day that overlap: each item's lane and the lanes of its cluster. */
function lanes(
  items: readonly Item[],
  day: { start: string; end: string },
): Map<string, { lane: number; of: number }> {
  const mine = items
    .filter((it) => place(ms(it.start), ms(it.end), day))
    .sort((a, b) => ms(a.start) - ms(b.start) || ms(b.end) - ms(a.end));
  const out = new Map<string, { lane: number; of: number }>();
  let cluster: { id: string; lane: number }[] = [];
  let ends: number[] = [];
  let clusterEnd = -Infinity;
  const close = () => {
    for (const c of cluster) out.set(c.id, { lane: c.lane, of: ends.length });
    cluster = [];
    ends = [];
  };
  for (const it of mine) {
    if (ms(it.start) >= clusterEnd) close();
    let lane = ends.findIndex((end) => end <= ms(it.start));
    if (lane === -1) lane = ends.push(0) - 1;
    ends[lane] = ms(it.end);
    clusterEnd = Math.max(clusterEnd, ms(it.end));
    cluster.push({ id: it.id, lane });
  }
  close();
  return out;
}

export function CalendarPage({ params }: { params: URLSearchParams }) {
  const [owners, setOwners] = useState<Owner[]>([]);
  const [week, setWeek] = useState<Week | null>(null);
  const [selected, setSelected] = useState<Item | null>(null);
  const [reason, setReason] = useState("");
  const [error, setError] = useState<unknown>(null);
  const owner = params.get("owner") ?? owners[0]?.email ?? "";
  const date = params.get("date") ?? "";

  const go = (o: string, d: string) => {
    window.location.hash = `#/calendar${query({ owner: o, date: d })}`;
  };
  const load = () =>
    owner
      ? api<Week>("GET", `/v1/admin/week${query({ owner, date })}`).then(setWeek, setError)
      : Promise.resolve();

  useEffect(() => {
    api<{ owners: Owner[] }>("GET", "/v1/owners").then((r) => setOwners(r.owners), setError);
  }, []);
  useEffect(() => {
    setSelected(null);
    load();
  }, [owner, date]);

  const cancel = async () => {
    if (!selected) return;
    setError(null);
    try {
      await api("POST", `/v1/admin/bookings/${selected.id}/cancel`, reason ? { reason } : {});
      setSelected(null);
      setReason("");
      await load();
    } catch (err) {
      setError(err);
    }
  };

  const monday = week?.days[0]?.date ?? date;
  const rules = week?.calendars.find((c) => c.rules)?.rules ?? null;
  const classes = [...new Set(week?.items.map((i) => i.meeting_class).filter((c): c is string => !!c) ?? [])];

  return (
    <Page title="Calendar">
      <div class="toolbar">
        <Field label="Owner">
          <select value={owner} onChange={(e) => go((e.target as HTMLSelectElement).value, date)}>
            {owners.map((o) => (
              <option key={o.email}>{o.email}</option>
            ))}
          </select>
        </Field>
        <button type="button" onClick={() => go(owner, shiftDate(monday, -7))}>
          Previous week
        </button>
        <button type="button" onClick={() => go(owner, "")}>
          This week
        </button>
        <button type="button" onClick={() => go(owner, shiftDate(monday, 7))}>
          Next week
        </button>
      </div>
      <ErrorNote error={error} />
      {week && (
        <>
          <p>
            Week of {wallTime(week.local_start)} in <strong>{week.timezone}</strong>
            {rules && (rules.buffer_before_minutes > 0 || rules.buffer_after_minutes > 0)
              ? ` · buffers ${rules.buffer_before_minutes} min before, ${rules.buffer_after_minutes} min after`
              : ""}
          </p>
          <ul class="legend" aria-label="Legend">
            {classes.map((c) => (
              <li key={c} class={`class-${classColour(c)}`}>
                {c}
              </li>
            ))}
            <li class="hold">hold</li>
            <li class="event">own event</li>
            <li class="needs">needs reschedule</li>
            <li class="blocked">hard block</li>
          </ul>
          <div class="week">
            {week.days.map((day) => {
              const hours = rules?.working_hours?.[WEEKDAY_KEYS[day.weekday]!];
              const laneOf = lanes(week.items, day);
              return (
                <section class="day" key={day.date} aria-labelledby={`day-${day.date}`}>
                  <h2 class="day-head" id={`day-${day.date}`}>
                    {WEEKDAY_NAMES[day.weekday]} {day.date.slice(5)}
                  </h2>
                  <div class="day-body">
                    {hours && (
                      <div
                        class="working"
                        title={`Working hours ${hours.start}-${hours.end}`}
                        style={{
                          top: `${(hm(hours.start) / 1440) * 100}%`,
                          height: `${((hm(hours.end) - hm(hours.start)) / 1440) * 100}%`,
                        }}
                      />
                    )}
                    {(rules?.hard_blocks ?? []).map((b) => {
                      const p = place(ms(b.start), ms(b.end), day);
                      return (
                        p && (
                          <div
                            key={b.start}
                            class="block blocked"
                            style={{ top: `${p.top}%`, height: `${p.height}%` }}
                            title="Hard block"
                          />
                        )
                      );
                    })}
                    {week.items.map((it) => {
                      const p = place(ms(it.start), ms(it.end), day);
                      if (!p) return null;
                      const { lane, of } = laneOf.get(it.id) ?? { lane: 0, of: 1 };
                      const cls =
                        it.kind === "event"
                          ? "event"
                          : it.kind === "hold"
                            ? "hold"
                            : `${it.status === "needs_reschedule" ? "needs " : ""}class-${classColour(it.meeting_class)}`;
                      const label =
                        it.kind === "event"
                          ? (it.title ?? "Busy")
                          : it.kind === "hold"
                            ? `Hold · ${it.agent_name} · expires ${it.expires_at?.slice(11, 16)} UTC`
                            : `${it.title} · ${it.agent_name}`;
                      return (
                        <button
                          type="button"
                          key={`${it.id}-${day.date}`}
                          class={`block ${cls}`}
                          style={{
                            top: `${p.top}%`,
                            height: `${Math.max(p.height, 1.5)}%`,
                            left: `calc(${(lane / of) * 100}% + 2px)`,
                            width: `calc(${100 / of}% - 4px)`,
                          }}
                          data-item={it.id}
                          aria-label={`${clock(it.local_start)}-${clock(it.local_end)} ${label}${it.status === "needs_reschedule" ? ", needs reschedule" : ""}`}
                          onClick={() => setSelected(it)}
                        >
                          <span class="time">{clock(it.local_start)}</span> {label}
                        </button>
                      );
                    })}
                  </div>
                </section>
              );
            })}
          </div>
        </>
      )}
      {selected && (
        <aside class="panel" aria-label="Selected item">
          <h2>
            {selected.kind === "booking"
              ? selected.title
              : selected.kind === "hold"
                ? "Hold"
                : (selected.title ?? "Own event")}
          </h2>
          <p>
            {wallTime(selected.local_start)} – {wallTime(selected.local_end)} · {selected.calendar_type}{" "}
            calendar
          </p>
          {selected.kind !== "event" && (
            <p>
              <Status value={selected.status} /> {selected.meeting_class} · {selected.agent_name} ·{" "}
              <code>{selected.id}</code>
            </p>
          )}
          {selected.displaced_by.length > 0 && (
            <p>Displaced by {selected.displaced_by.join(", ")}; its agent was told to reschedule.</p>
          )}
          {selected.kind === "hold" && <p>Expires at {selected.expires_at} unless its agent confirms it.</p>}
          {selected.kind === "booking" && (
            <form
              class="form"
              onSubmit={(e) => {
                e.preventDefault();
                cancel();
              }}
            >
              <Field label="Reason (told to the agent)">
                <input value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
              </Field>
              <button type="submit" class="danger">
                Cancel booking
              </button>
            </form>
          )}
          <button type="button" class="link-button" onClick={() => setSelected(null)}>
            Close
          </button>
        </aside>
      )}
    </Page>
  );
}
