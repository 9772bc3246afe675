// A calendar's rules: weekly hours, time zone, buffers, caps, notice, horizon and hard blocks, with
// next week's free slots previewed from the server before anything is saved.
import { useEffect, useState } from "preact/hooks";
import { api, type Calendar } from "./api";
import { wallTime } from "./format";
import { ErrorNote, Field } from "./ui";

const DAYS = [
  ["mon", "Monday"],
  ["tue", "Tuesday"],
  ["wed", "Wednesday"],
  ["thu", "Thursday"],
  ["fri", "Friday"],
  ["sat", "Saturday"],
  ["sun", "Sunday"],
] as const;

interface RulesForm {
  /** False: no working-hours limit at all (working_hours null); every hour of every day is open. */
  limit: boolean;
  hours: Record<string, { on: boolean; start: string; end: string }>;
  timezone: string;
  buffer_before_minutes: string;
  buffer_after_minutes: string;
  max_bookings_per_day: string;
  min_notice_minutes: string;
  max_horizon_days: string;
  hard_blocks: { start: string; end: string }[];
}

export const ZONES: string[] = (
  Intl as unknown as { supportedValuesOf?: (k: string) => string[] }
).supportedValuesOf?.("timeZone") ?? ["UTC"];

function formOf(rules: Record<string, unknown> | null): RulesForm {
  const wh = (rules?.working_hours ?? null) as Record<string, { start: string; end: string }> | null;
  const hours: RulesForm["hours"] = {};
  for (const [d] of DAYS)
    hours[d] = wh?.[d]
      ? { on: true, ...wh[d]! }
      : { on: !wh && d !== "sat" && d !== "sun", start: "09:00", end: "17:00" };
  const num = (k: string, fallback: string) =>
    rules?.[k] === null || rules?.[k] === undefined ? fallback : String(rules[k]);
  return {
    limit: !rules || wh !== null,
    hours,
    timezone: (rules?.timezone as string | null) ?? "",
    buffer_before_minutes: num("buffer_before_minutes", "0"),
    buffer_after_minutes: num("buffer_after_minutes", "0"),
    max_bookings_per_day: num("max_bookings_per_day", ""),
    min_notice_minutes: num("min_notice_minutes", "0"),
    max_horizon_days: num("max_horizon_days", "365"),
    hard_blocks: ((rules?.hard_blocks as { start: string; end: string }[] | undefined) ?? []).map((b) => ({
      start: b.start.slice(0, 16),
      end: b.end.slice(0, 16),
    })),
  };
}

function rulesOf(f: RulesForm): Record<string, unknown> {
  const working_hours = Object.fromEntries(
    DAYS.filter(([d]) => f.hours[d]?.on).map(([d]) => [
      d,
      { start: f.hours[d]!.start, end: f.hours[d]!.end },
    ]),
  );
  return {
    working_hours: f.limit ? working_hours : null,
    timezone: f.timezone || null,
    buffer_before_minutes: Number(f.buffer_before_minutes),
    buffer_after_minutes: Number(f.buffer_after_minutes),
    max_bookings_per_day: f.max_bookings_per_day === "" ? null : Number(f.max_bookings_per_day),
    min_notice_minutes: Number(f.min_notice_minutes),
    max_horizon_days: Number(f.max_horizon_days),
    // Hard blocks are entered in UTC, as the rules store them.
    hard_blocks: f.hard_blocks
      .filter((b) => b.start && b.end)
      .map((b) => ({ start: `${b.start}:00Z`, end: `${b.end}:00Z` })),
  };
}

export function RulesEditor({ calendar, onSaved }: { calendar: Calendar; onSaved: () => void }) {
  const [form, setForm] = useState<RulesForm | null>(null);
  const [preview, setPreview] = useState<{ timezone: string; slots: { local_start: string }[] } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    api<Record<string, unknown>>("GET", `/v1/admin/calendars/${calendar.id}/rules`)
      .then((r) => setForm(formOf(r)))
      .catch(() => setForm(formOf(null)));
  }, [calendar.id]);
  useEffect(() => {
    if (!form) return;
    setSaved(false);
    api<{ timezone: string; slots: { local_start: string }[] }>(
      "POST",
      `/v1/admin/calendars/${calendar.id}/rules/preview`,
      rulesOf(form),
    )
      .then((p) => {
        setPreview(p);
        setError(null);
      })
      .catch(setError);
  }, [form]);
  if (!form) return <p class="loading">Loading rules…</p>;

  const update = (patch: Partial<RulesForm>) => setForm({ ...form, ...patch });
  const day = (d: string, patch: Partial<RulesForm["hours"][string]>) =>
    update({ hours: { ...form.hours, [d]: { ...form.hours[d]!, ...patch } } });
  const input = (key: keyof RulesForm, label: string, hint?: string) => (
    <Field label={label} hint={hint}>
      <input
        type="number"
        min="0"
        value={form[key] as string}
        onInput={(e) => update({ [key]: (e.target as HTMLInputElement).value })}
      />
    </Field>
  );
  const save = async (e: Event) => {
    e.preventDefault();
    try {
      await api("PUT", `/v1/admin/calendars/${calendar.id}/rules`, rulesOf(form));
      setSaved(true);
      onSaved();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <form class="form rules" onSubmit={save} aria-label={`Rules of the ${calendar.calendar_type} calendar`}>
      <fieldset>
        <legend>Weekly hours</legend>
        <label class="check">
          <input
            type="checkbox"
            checked={!form.limit}
            onChange={(e) => update({ limit: !(e.target as HTMLInputElement).checked })}
          />
          <span>No working-hours limit: every hour of every day is open</span>
        </label>
        {DAYS.map(([d, name]) => (
          <div class="day-hours" key={d}>
            <label class="check">
              <input
                type="checkbox"
                checked={form.hours[d]!.on}
                disabled={!form.limit}
                onChange={(e) => day(d, { on: (e.target as HTMLInputElement).checked })}
              />
              <span>{name}</span>
            </label>
            <input
              type="time"
              aria-label={`${name} from`}
              value={form.hours[d]!.start}
              disabled={!form.limit || !form.hours[d]!.on}
              onInput={(e) => day(d, { start: (e.target as HTMLInputElement).value })}
            />
            <input
              type="time"
              aria-label={`${name} until`}
              value={form.hours[d]!.end}
              disabled={!form.limit || !form.hours[d]!.on}
              onInput={(e) => day(d, { end: (e.target as HTMLInputElement).value })}
            />
          </div>
        ))}
      </fieldset>
      <Field label="Time zone of the hours" hint="Empty: the owner's zone.">
        <select
          value={form.timezone}
          onChange={(e) => update({ timezone: (e.target as HTMLSelectElement).value })}
        >
          <option value="">The owner's zone</option>
          {ZONES.map((z) => (
            <option key={z}>{z}</option>
          ))}
        </select>
      </Field>
      {input("buffer_before_minutes", "Buffer before (minutes)")}
      {input("buffer_after_minutes", "Buffer after (minutes)")}
      {input("max_bookings_per_day", "Most bookings per day", "Empty: no cap.")}
      {input("min_notice_minutes", "Minimum notice (minutes)")}
      {input("max_horizon_days", "Horizon (days ahead)")}
      <fieldset>
        <legend>Hard blocks (UTC)</legend>
        {form.hard_blocks.map((b, i) => (
          <div class="day-hours" key={`${i}-${b.start}`}>
            <input
              type="datetime-local"
              aria-label={`Block ${i + 1} start`}
              value={b.start}
              onInput={(e) =>
                update({
                  hard_blocks: form.hard_blocks.map((x, j) =>
                    j === i ? { ...x, start: (e.target as HTMLInputElement).value } : x,
                  ),
                })
              }
            />
            <input
              type="datetime-local"
              aria-label={`Block ${i + 1} end`}
              value={b.end}
              onInput={(e) =>
                update({
                  hard_blocks: form.hard_blocks.map((x, j) =>
                    j === i ? { ...x, end: (e.target as HTMLInputElement).value } : x,
                  ),
                })
              }
            />
            <button
              type="button"
              class="link-button"
              onClick={() => update({ hard_blocks: form.hard_blocks.filter((_, j) => j !== i) })}
            >
              Remove <span class="sr-only">block {i + 1}</span>
            </button>
          </div>
        ))}
        <button
          type="button"
          onClick={() => update({ hard_blocks: [...form.hard_blocks, { start: "", end: "" }] })}
        >
          Add a hard block
        </button>
      </fieldset>
      <ErrorNote error={error} />
      <section aria-label="Preview" class="preview">
        <h3>Free 30-minute slots in the next 7 days with these rules</h3>
        {preview && (
          <p aria-live="polite" data-testid="preview-count">
            {preview.slots.length} slots
            {preview.slots.length > 0 ? `, first ${wallTime(preview.slots[0]!.local_start)}` : ""}
          </p>
        )}
      </section>
      <button type="submit">Save rules</button>
      {saved && <span role="status"> Saved: the next availability check uses them.</span>}
    </form>
  );
}
