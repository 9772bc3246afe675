// OAuth from the owner's side: the consent page a remote MCP client's sign-in lands on (who asks,
// for what, and on whose calendars; approving makes or reuses the client's agent), and the list of
// connected clients, each revocable at once.
import { useEffect, useState } from "preact/hooks";
import type {
  ConnectionView as Connection,
  ConsentRequestView as ConsentRequest,
} from "../../src/service/oauth/connections.js";
import { AccessFields, ClassAndPriority } from "./agents";
import { api, type Owner, type Policy } from "./api";
import { utc } from "./format";
import { ErrorNote, Page, Status, scopeLabel } from "./ui";

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
      setScopes([...r.scopes]);
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
        <AccessFields
          scopes={scopes}
          owners={owners}
          allOwners={allOwners}
          onScopes={setScopes}
          onOwners={setOwners}
          offered={request.scopes}
          legends={{ scopes: "It asks to", owners: "On the calendars of" }}
        />
        <ClassAndPriority
          policy={policy}
          defaultClass={defaultClass}
          priority={priority}
          onClass={setDefaultClass}
          onPriority={setPriority}
        />
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
                <th scope="col">Last used</th>
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
                  <td>{utc(c.last_used_at)}</td>
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
