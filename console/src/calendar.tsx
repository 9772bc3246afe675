// One owner's week in their time zone: every agent's bookings coloured by meeting class with the
// agent's name, holds with their expiry, the owner's own events, working hours, buffers and hard
// blocks, and bookings that need rescheduling marked with what displaced them. A booking opens to a
// panel that can cancel it (its agent is told).
import { useEffect, useState } from "preact/hooks";
import type { WeekItem as Item, OwnerWeek as Week } from "../../src/service/owner-week.js";
import { api, type Owner, query } from "./api";
import { classColour, clock, wallTime } from "./format";
import { ErrorNote, Field, Page, Status } from "./ui";
import { hm, lanes, ms, place, shiftDate, WEEKDAY_KEYS, WEEKDAY_NAMES } from "./week-layout";

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
            <li class="buffer">buffer</li>
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
                    {week.items
                      .filter((it) => it.kind === "booking" && it.status === "confirmed")
                      .flatMap((it) =>
                        [
                          [
                            ms(it.start) - (rules?.buffer_before_minutes ?? 0) * 60_000,
                            ms(it.start),
                            "before",
                          ] as const,
                          [
                            ms(it.end),
                            ms(it.end) + (rules?.buffer_after_minutes ?? 0) * 60_000,
                            "after",
                          ] as const,
                        ].map(([a, b, side]) => {
                          const p = b > a ? place(a, b, day) : null;
                          return (
                            p && (
                              <div
                                key={`${it.id}-${side}`}
                                class="buffer"
                                style={{ top: `${p.top}%`, height: `${p.height}%` }}
                                title={`Buffer ${side} ${it.title ?? "booking"}`}
                              />
                            )
                          );
                        }),
                      )}
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
