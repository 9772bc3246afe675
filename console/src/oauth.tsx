// OAuth from the owner's side: the consent page a remote MCP client's sign-in lands on (who asks,
// for what, and on whose calendars; approving makes or reuses the client's agent), and the list of
// connected clients, each revocable at once.
import { useEffect, useState } from "preact/hooks";
import { api, type Owner, type Policy } from "./api";
import { utc } from "./format";
import { ErrorNote, Field, Page, SCOPE_LABELS, Status, scopeLabel } from "./ui";

interface Connection {
  connection_id: string;
  client_id: string;
  client_name: string;
  client_uri: string | null;
  agent_id: string;
  scopes: string[];
  status: "active" | "revoked";
  created_at: string;
  updated_at: string;
}

interface ConsentRequest {
  uid: string;
  client_id: string;
  client_name: string;
  client_uri: string | null;
  redirect_uri: string;
  registration: "metadata_document" | "dynamic";
  scopes: string[];
  connection: Connection | null;
  expires_at: string;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

export function ConsentPage({ uid }: { uid: string }) {
  const [request, setRequest] = useState<ConsentRequest | null>(null);
  const [allOwners, setAllOwners] = useState<Owner[]>([]);
  const [policy, setPolicy] = useState<Policy | null>(null);
  const [scopes, setScopes] = useState<string[]>([]);
  const [owners, setOwners] = useState<string[]>([]);
  const [defaultClass, setDefaultClass] = useState("");
  const [priority, setPriority] = useState("0");
  const [error, setError] = useState<unknown>(null);
  const [leaving, setLeaving] = useState(false);

  useEffect(() => {
    api<ConsentRequest>("GET", `/v1/admin/oauth/requests/${encodeURIComponent(uid)}`).then((r) => {
      setRequest(r);
      setScopes(r.scopes);
    }, setError);
    api<{ owners: Owner[] }>("GET", "/v1/owners").then((r) => {
      setAllOwners(r.owners);
      if (r.owners.length === 1) setOwners([r.owners[0]!.email]);
    }, setError);
    api<Policy>("GET", "/v1/admin/policy").then(setPolicy, setError);
  }, [uid]);

  const answer = async (approve: boolean) => {
    setError(null);
    try {
      const path = `/v1/admin/oauth/requests/${encodeURIComponent(uid)}/${approve ? "approve" : "deny"}`;
      const body = approve
        ? {
            scopes,
            owners,
            ...(defaultClass ? { default_class: defaultClass } : {}),
            priority: Number(priority),
          }
        : undefined;
      const { redirect_to } = await api<{ redirect_to: string }>("POST", path, body);
      setLeaving(true);
      // Back to the authorization server, which sends the browser on to the client.
      window.location.assign(redirect_to);
    } catch (err) {
      setError(err);
    }
  };

  if (!request) {
    return (
      <Page title="Connect an app">
        <ErrorNote error={error} />
        {!error && <p class="loading">Loading the request…</p>}
      </Page>
    );
  }
  const toggle = (list: string[], value: string, on: boolean) =>
    on ? [...list, value] : list.filter((v) => v !== value);
  const everyone = owners.includes("*");
  return (
    <Page title={`${request.client_name} wants to use your calendars`}>
      <ErrorNote error={error} />
      <p>
        {request.registration === "metadata_document" ? "Identified by " : "Registered as "}
        <code>{request.client_id}</code>; after your answer the browser returns to{" "}
        <strong>{hostOf(request.redirect_uri)}</strong>.
        {request.connection && " It connected before: approving updates the access of its existing agent."}
      </p>
      <form
        class="form"
        onSubmit={(e) => {
          e.preventDefault();
          void answer(true);
        }}
      >
        <fieldset>
          <legend>It asks to</legend>
          {SCOPE_LABELS.filter((s) => request.scopes.includes(s.scope)).map((s) => (
            <label key={s.scope} class="check">
              <input
                type="checkbox"
                name="scopes"
                value={s.scope}
                checked={scopes.includes(s.scope)}
                onChange={(e) => setScopes(toggle(scopes, s.scope, (e.target as HTMLInputElement).checked))}
              />
              <span>
                <strong>{s.label}</strong> <span class="hint">{s.help}</span>
              </span>
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>On the calendars of</legend>
          <label class="check">
            <input
              type="checkbox"
              name="all_owners"
              checked={everyone}
              onChange={(e) => setOwners((e.target as HTMLInputElement).checked ? ["*"] : [])}
            />
            <span>All owners, including ones added later</span>
          </label>
          {!everyone &&
            allOwners.map((o) => (
              <label key={o.email} class="check">
                <input
                  type="checkbox"
                  name="owners"
                  value={o.email}
                  checked={owners.includes(o.email)}
                  onChange={(e) => setOwners(toggle(owners, o.email, (e.target as HTMLInputElement).checked))}
                />
                <span>{o.name ? `${o.name} (${o.email})` : o.email}</span>
              </label>
            ))}
        </fieldset>
        <Field label="Default meeting class" hint="What its bookings are when it names no class.">
          <select
            name="default_class"
            value={defaultClass}
            onChange={(e) => setDefaultClass((e.target as HTMLSelectElement).value)}
          >
            <option value="">The policy's default{policy ? ` (${policy.default_class})` : ""}</option>
            {policy &&
              Object.entries(policy.classes).map(([c, v]) => (
                <option key={c} value={c}>
                  {c} (rank {v.rank})
                </option>
              ))}
          </select>
        </Field>
        <Field label="Priority" hint="Breaks ties between agents of one meeting class; higher wins.">
          <input
            name="priority"
            type="number"
            min="0"
            max="1000"
            value={priority}
            onInput={(e) => setPriority((e.target as HTMLInputElement).value)}
          />
        </Field>
        <div class="actions">
          <button type="submit" disabled={leaving || scopes.length === 0 || owners.length === 0}>
            Approve
          </button>
          <button type="button" class="danger" disabled={leaving} onClick={() => void answer(false)}>
            Deny
          </button>
        </div>
      </form>
    </Page>
  );
}

export function ConnectedAppsPage() {
  const [clients, setClients] = useState<Connection[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = () =>
    api<{ clients: Connection[] }>("GET", "/v1/admin/oauth/clients").then(
      (r) => setClients(r.clients),
      setError,
    );
  useEffect(() => {
    void load();
  }, []);

  const revoke = async (c: Connection) => {
    if (!window.confirm(`Revoke ${c.client_name}? Its tokens stop working at once.`)) return;
    try {
      await api("POST", `/v1/admin/oauth/clients/${c.connection_id}/revoke`, {});
      await load();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <Page title="Connected apps">
      <ErrorNote error={error} />
      <p>Apps that signed in with OAuth (Claude, ChatGPT, VS Code…). Each acts as its own agent.</p>
      {clients === null ? (
        <p class="loading">Loading…</p>
      ) : clients.length === 0 ? (
        <p>No app has connected yet. Add this server's /mcp address as a connector in one.</p>
      ) : (
        <div class="table-wrap">
          <table>
            <caption class="sr-only">Connected apps, with what each may do</caption>
            <thead>
              <tr>
                <th scope="col">App</th>
                <th scope="col">Status</th>
                <th scope="col">May</th>
                <th scope="col">Connected</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {clients.map((c) => (
                <tr key={c.connection_id}>
                  <td>
                    <a href={`#/agents/${c.agent_id}`}>{c.client_name}</a>
                  </td>
                  <td>
                    <Status value={c.status} />
                  </td>
                  <td>{c.scopes.map(scopeLabel).join(", ")}</td>
                  <td>{utc(c.created_at)}</td>
                  <td>
                    {c.status === "active" && (
                      <button type="button" class="danger" onClick={() => void revoke(c)}>
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Page>
  );
}
