// Owners and their calendars: adding both, connecting Google, Microsoft 365 or CalDAV, and each
// calendar's rules editor.
import { useEffect, useState } from "preact/hooks";
import { api, type Calendar, type Owner, query } from "./api";
import { CalDavConnect } from "./caldav-connect";
import { GoogleConnect, MicrosoftConnect } from "./google-connect";
import { RulesEditor, ZONES } from "./rules-editor";
import { ErrorNote, Field, Page } from "./ui";

export function OwnersPage() {
  const [owners, setOwners] = useState<Owner[]>([]);
  const [calendars, setCalendars] = useState<Calendar[]>([]);
  const [editing, setEditing] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [email, setEmail] = useState("");
  const [zone, setZone] = useState(Intl.DateTimeFormat().resolvedOptions().timeZone);
  const [calOwner, setCalOwner] = useState("");
  const [calType, setCalType] = useState("work");

  const load = async () => {
    setOwners((await api<{ owners: Owner[] }>("GET", "/v1/owners")).owners);
    setCalendars((await api<{ calendars: Calendar[] }>("GET", `/v1/calendars${query({})}`)).calendars);
  };
  useEffect(() => {
    load().catch(setError);
  }, []);
  const act = (work: () => Promise<unknown>) => async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      await work();
      await load();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <Page title="Owners & rules">
      <ErrorNote error={error} />
      {owners.map((o) => (
        <section key={o.email} class="owner" aria-label={o.email}>
          <h2>
            {o.name ?? o.email}{" "}
            <span class="hint">
              {o.email} · {o.timezone}
            </span>
          </h2>
          <ul>
            {calendars
              .filter((c) => c.owner_email === o.email)
              .map((c) => (
                <li key={c.id}>
                  <strong>{c.calendar_type}</strong> ({c.provider}, {c.status}) <code>{c.id}</code>{" "}
                  <button
                    type="button"
                    class="link-button"
                    aria-expanded={editing === c.id}
                    onClick={() => setEditing(editing === c.id ? null : c.id)}
                  >
                    {editing === c.id ? "Close rules" : "Edit rules"}
                  </button>
                  {editing === c.id && <RulesEditor calendar={c} onSaved={() => load()} />}
                </li>
              ))}
          </ul>
          <GoogleConnect owner={o.email} onConnected={() => load().catch(setError)} />
          <MicrosoftConnect owner={o.email} onConnected={() => load().catch(setError)} />
          <CalDavConnect owner={o.email} onConnected={() => load().catch(setError)} />
        </section>
      ))}
      <h2>Add an owner</h2>
      <form
        class="inline-form"
        onSubmit={act(() => api("POST", "/v1/owners", { email, timezone: zone }).then(() => setEmail("")))}
      >
        <Field label="Email">
          <input
            type="email"
            required
            value={email}
            onInput={(e) => setEmail((e.target as HTMLInputElement).value)}
          />
        </Field>
        <Field label="Time zone">
          <select value={zone} onChange={(e) => setZone((e.target as HTMLSelectElement).value)}>
            {ZONES.map((z) => (
              <option key={z}>{z}</option>
            ))}
          </select>
        </Field>
        <button type="submit">Add owner</button>
      </form>
      <h2>Add a calendar</h2>
      <form
        class="inline-form"
        onSubmit={act(() =>
          api("POST", "/v1/calendars", {
            owner_email: calOwner || owners[0]?.email,
            calendar_type: calType,
            provider: "local",
          }),
        )}
      >
        <Field label="Owner">
          <select
            value={calOwner || owners[0]?.email}
            onChange={(e) => setCalOwner((e.target as HTMLSelectElement).value)}
          >
            {owners.map((o) => (
              <option key={o.email}>{o.email}</option>
            ))}
          </select>
        </Field>
        <Field label="Type" hint="work, personal, … (one per type)">
          <input required value={calType} onInput={(e) => setCalType((e.target as HTMLInputElement).value)} />
        </Field>
        <button type="submit">Add calendar</button>
      </form>
    </Page>
  );
}
