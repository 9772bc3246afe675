// Connecting an owner's CalDAV calendar (iCloud, Fastmail, Nextcloud, Radicale) from the console:
// the server URL, username and an app password, sent once to the server, which checks the sign-in,
// stores it encrypted and attaches the calendar.
import { useState } from "preact/hooks";
import type { ConnectResult as Connected } from "../../src/service/provider-connect.js";
import { api } from "./api";
import { ErrorNote, Field } from "./ui";

/** A form that connects one CalDAV calendar for `owner`; the password field is emptied after each try. */
export function CalDavConnect({ owner, onConnected }: { owner: string; onConnected: () => void }) {
  const [open, setOpen] = useState(false);
  const [url, setUrl] = useState("");
  const [username, setUsername] = useState(owner);
  const [password, setPassword] = useState("");
  const [type, setType] = useState("");
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<Connected | null>(null);
  const [error, setError] = useState<unknown>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      const result = await api<Connected>("POST", "/v1/admin/caldav/connect", {
        owner_email: owner,
        url,
        username,
        password,
        ...(type.trim() === "" ? {} : { calendar_type: type.trim() }),
      });
      setDone(result);
      setOpen(false);
      onConnected();
    } catch (err) {
      setError(err);
    } finally {
      setPassword("");
      setBusy(false);
    }
  };

  if (!open) {
    return (
      <div class="caldav-connect">
        {done && (
          <p role="status">
            CalDAV calendar connected
            {done.calendars.map((c) => ` (${c.calendar_type}, ${c.action})`).join("")}.
          </p>
        )}
        <button type="button" onClick={() => setOpen(true)}>
          Connect a CalDAV calendar <span class="sr-only">for {owner}</span>
        </button>
      </div>
    );
  }
  return (
    <form
      class="inline-form caldav-connect"
      onSubmit={submit}
      aria-label={`Connect a CalDAV calendar for ${owner}`}
    >
      <ErrorNote error={error} />
      <Field label="CalDAV URL" hint="the server, account or calendar address">
        <input
          type="url"
          required
          value={url}
          onInput={(e) => setUrl((e.target as HTMLInputElement).value)}
        />
      </Field>
      <Field label="Username">
        <input required value={username} onInput={(e) => setUsername((e.target as HTMLInputElement).value)} />
      </Field>
      <Field label="App password" hint="create one for Openavail at your provider">
        <input
          type="password"
          autocomplete="off"
          required
          value={password}
          onInput={(e) => setPassword((e.target as HTMLInputElement).value)}
        />
      </Field>
      <Field label="Calendar type" hint="default: the owner's default, else work">
        <input value={type} onInput={(e) => setType((e.target as HTMLInputElement).value)} />
      </Field>
      <button type="submit" disabled={busy}>
        {busy ? "Connecting…" : "Connect"}
      </button>
      <button type="button" class="link-button" onClick={() => setOpen(false)}>
        Cancel
      </button>
    </form>
  );
}
