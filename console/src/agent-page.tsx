// One agent: its keys (a new key is shown once, with a copy button), disable/enable, its scopes and
// owners (applied on its next request), and its recent decisions.
import { useEffect, useState } from "preact/hooks";
import { AccessFields } from "./agents";
import { type Agent, type ApiKey, api, type Decision, type Owner, query } from "./api";
import { DecisionTable } from "./decision-table";
import { utc } from "./format";
import { ErrorNote, Field, Page, ShownOnce, Status } from "./ui";

type AgentWithKeys = Agent & { keys: ApiKey[] };

export function AgentPage({ id }: { id: string }) {
  const [agent, setAgent] = useState<AgentWithKeys | null>(null);
  const [owners, setOwners] = useState<Owner[]>([]);
  const [decisions, setDecisions] = useState<Decision[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [newKey, setNewKey] = useState<string | null>(null);
  const [expiresDays, setExpiresDays] = useState("");
  const [scopes, setScopes] = useState<string[]>([]);
  const [allowed, setAllowed] = useState<string[]>([]);
  const [saved, setSaved] = useState(false);

  const load = async () => {
    const a = await api<AgentWithKeys>("GET", `/v1/agents/${id}`);
    setAgent(a);
    setScopes(a.scopes);
    setAllowed(a.owners);
    const d = await api<{ decisions: Decision[] }>(
      "GET",
      `/v1/decisions${query({ agent: id, order: "newest", limit: 20 })}`,
    );
    setDecisions(d.decisions);
  };
  const act = (work: () => Promise<unknown>) => async () => {
    setError(null);
    try {
      await work();
      await load();
    } catch (err) {
      setError(err);
    }
  };

  useEffect(() => {
    load().catch(setError);
    api<{ owners: Owner[] }>("GET", "/v1/owners").then((r) => setOwners(r.owners), setError);
  }, [id]);

  if (!agent)
    return <Page title="Agent">{error ? <ErrorNote error={error} /> : <p class="loading">Loading…</p>}</Page>;

  const createKey = act(async () => {
    const body = expiresDays ? { expires_in_days: Number(expiresDays) } : {};
    const made = await api<{ key: string }>("POST", `/v1/agents/${id}/keys`, body);
    setNewKey(made.key);
  });
  const toggle = act(() =>
    api("POST", `/v1/agents/${id}/${agent.status === "active" ? "disable" : "enable"}`),
  );
  const saveAccess = async (e: Event) => {
    e.preventDefault();
    setSaved(false);
    await act(() => api("PATCH", `/v1/agents/${id}`, { scopes, owners: allowed }))();
    setSaved(true);
  };

  return (
    <Page
      title={agent.name}
      actions={
        <button type="button" class={agent.status === "active" ? "danger" : ""} onClick={toggle}>
          {agent.status === "active" ? "Disable agent" : "Enable agent"}
        </button>
      }
    >
      <p>
        <Status value={agent.status} /> <code>{agent.id}</code> · priority {agent.priority} · default class{" "}
        {agent.default_class ?? "the policy's"}
        {agent.description ? ` · ${agent.description}` : ""}
      </p>
      <ErrorNote error={error} />

      <h2>API keys</h2>
      {newKey && (
        <ShownOnce
          key={newKey}
          heading="Store this key now: it is shown only once."
          note="Openavail keeps only its hash."
          value={newKey}
          testId="new-key"
          copyLabel="Copy key"
          onDone={() => setNewKey(null)}
        />
      )}
      <div class="table-wrap">
        <table>
          <caption class="sr-only">Keys of {agent.name}</caption>
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Status</th>
              <th scope="col">Created</th>
              <th scope="col">Expires</th>
              <th scope="col">Last used</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {agent.keys.map((k) => (
              <tr key={k.id}>
                <td>
                  <code>{k.prefix}…</code>
                </td>
                <td>
                  <Status value={k.status} />
                </td>
                <td>{utc(k.created_at)}</td>
                <td>{k.expires_at ? utc(k.expires_at) : "no expiry"}</td>
                <td>{utc(k.last_used_at)}</td>
                <td>
                  {k.status === "active" && (
                    <button
                      type="button"
                      class="danger"
                      onClick={act(() => api("DELETE", `/v1/agents/${id}/keys/${k.id}`))}
                    >
                      Revoke <span class="sr-only">{k.prefix}</span>
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div class="inline-form">
        <Field label="Expires after (days)" hint="Empty: no expiry.">
          <input
            type="number"
            min="1"
            max="3650"
            value={expiresDays}
            onInput={(e) => setExpiresDays((e.target as HTMLInputElement).value)}
          />
        </Field>
        <button type="button" onClick={createKey}>
          Create key
        </button>
      </div>

      <h2>Access</h2>
      <form class="form" onSubmit={saveAccess}>
        <AccessFields
          scopes={scopes}
          owners={allowed}
          allOwners={owners}
          onScopes={setScopes}
          onOwners={setAllowed}
        />
        <button type="submit">Save access</button>
        {saved && <span role="status"> Saved: applies to the agent's next request.</span>}
      </form>

      <h2>Recent decisions</h2>
      <DecisionTable decisions={decisions} zones={new Map(owners.map((o) => [o.email, o.timezone]))} />
    </Page>
  );
}
