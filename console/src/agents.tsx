// Agents: the list with what each may do and how busy it is today, and the New agent form.
import { useEffect, useState } from "preact/hooks";
import { type Agent, type ApiKey, api, type Owner, type Policy, query } from "./api";
import { utc } from "./format";
import { ErrorNote, Field, Page, SCOPE_LABELS, Status, scopeLabel } from "./ui";

interface Row {
  agent: Agent;
  lastUsed: string | null;
  today: number;
}

function startOfToday(): string {
  const d = new Date();
  d.setHours(0, 0, 0, 0);
  return d.toISOString();
}

export function AgentsPage() {
  const [rows, setRows] = useState<Row[] | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    (async () => {
      const { agents } = await api<{ agents: Agent[] }>("GET", "/v1/agents");
      const since = startOfToday();
      const out = await Promise.all(
        agents.map(async (agent) => {
          const [{ keys }, { decisions }] = await Promise.all([
            api<{ keys: ApiKey[] }>("GET", `/v1/agents/${agent.id}`),
            api<{ decisions: unknown[] }>(
              "GET",
              `/v1/decisions${query({ agent: agent.id, since, limit: 1000 })}`,
            ),
          ]);
          const used = keys
            .map((k) => k.last_used_at)
            .filter((t): t is string => t !== null)
            .sort();
          return { agent, lastUsed: used[used.length - 1] ?? null, today: decisions.length };
        }),
      );
      setRows(out);
    })().catch(setError);
  }, []);

  return (
    <Page
      title="Agents"
      actions={
        <a class="button" href="#/agents/new">
          New agent
        </a>
      }
    >
      <ErrorNote error={error} />
      {rows === null ? (
        <p class="loading">Loading agents…</p>
      ) : rows.length === 0 ? (
        <p>No agents yet. Create one, then give it a key.</p>
      ) : (
        <div class="table-wrap">
          <table>
            <caption class="sr-only">Agents, with their scopes, owners and activity</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">Scopes</th>
                <th scope="col">Owners</th>
                <th scope="col">Last used</th>
                <th scope="col">Decisions today</th>
              </tr>
            </thead>
            <tbody>
              {rows.map(({ agent, lastUsed, today }) => (
                <tr key={agent.id}>
                  <td>
                    <a href={`#/agents/${agent.id}`}>{agent.name}</a>
                  </td>
                  <td>
                    <Status value={agent.status} />
                  </td>
                  <td>{agent.scopes.map(scopeLabel).join(", ")}</td>
                  <td>{agent.owners.includes("*") ? "All owners" : agent.owners.join(", ")}</td>
                  <td>{utc(lastUsed)}</td>
                  <td>{today}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Page>
  );
}

/**
 * The scopes and owners fields, shared by New agent, the agent page's edit form and the OAuth consent
 * (which offers only the scopes the client asked for, under its own legends).
 */
export function AccessFields({
  scopes,
  owners,
  allOwners,
  onScopes,
  onOwners,
  offered,
  legends = { scopes: "Scopes", owners: "Allowed owners" },
}: {
  scopes: string[];
  owners: string[];
  allOwners: Owner[];
  onScopes: (s: string[]) => void;
  onOwners: (o: string[]) => void;
  offered?: readonly string[];
  legends?: { scopes: string; owners: string };
}) {
  const toggle = (list: string[], value: string, on: boolean) =>
    on ? [...list, value] : list.filter((v) => v !== value);
  const everyone = owners.includes("*");
  return (
    <>
      <fieldset>
        <legend>{legends.scopes}</legend>
        {SCOPE_LABELS.filter((s) => !offered || offered.includes(s.scope)).map((s) => (
          <label key={s.scope} class="check">
            <input
              type="checkbox"
              name="scopes"
              value={s.scope}
              checked={scopes.includes(s.scope)}
              onChange={(e) => onScopes(toggle(scopes, s.scope, (e.target as HTMLInputElement).checked))}
            />
            <span>
              <strong>{s.label}</strong> <span class="hint">{s.help}</span>
            </span>
          </label>
        ))}
      </fieldset>
      <fieldset>
        <legend>{legends.owners}</legend>
        <label class="check">
          <input
            type="checkbox"
            name="all_owners"
            checked={everyone}
            onChange={(e) => onOwners((e.target as HTMLInputElement).checked ? ["*"] : [])}
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
                onChange={(e) => onOwners(toggle(owners, o.email, (e.target as HTMLInputElement).checked))}
              />
              <span>{o.name ? `${o.name} (${o.email})` : o.email}</span>
            </label>
          ))}
      </fieldset>
    </>
  );
}

export function NewAgentPage() {
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [defaultClass, setDefaultClass] = useState("");
  const [priority, setPriority] = useState("0");
  const [scopes, setScopes] = useState<string[]>(["read_freebusy", "create_holds", "create_bookings"]);
  const [owners, setOwners] = useState<string[]>([]);
  const [allOwners, setAllOwners] = useState<Owner[]>([]);
  const [policy, setPolicy] = useState<Policy | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    api<{ owners: Owner[] }>("GET", "/v1/owners").then((r) => setAllOwners(r.owners), setError);
    api<Policy>("GET", "/v1/admin/policy").then(setPolicy, setError);
  }, []);

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const agent = await api<Agent>("POST", "/v1/agents", {
        name,
        ...(description ? { description } : {}),
        ...(defaultClass ? { default_class: defaultClass } : {}),
        priority: Number(priority),
        scopes,
        owners,
      });
      window.location.hash = `#/agents/${agent.id}`;
    } catch (err) {
      setError(err);
    }
  };

  return (
    <Page title="New agent">
      <ErrorNote error={error} />
      <form onSubmit={submit} class="form">
        <Field label="Name" hint="A name people recognise, e.g. sales bot.">
          <input
            name="name"
            required
            value={name}
            onInput={(e) => setName((e.target as HTMLInputElement).value)}
          />
        </Field>
        <Field label="Description">
          <input
            name="description"
            value={description}
            onInput={(e) => setDescription((e.target as HTMLInputElement).value)}
          />
        </Field>
        <ClassAndPriority
          policy={policy}
          defaultClass={defaultClass}
          priority={priority}
          onClass={setDefaultClass}
          onPriority={setPriority}
        />
        <AccessFields
          scopes={scopes}
          owners={owners}
          allOwners={allOwners}
          onScopes={setScopes}
          onOwners={setOwners}
        />
        <button type="submit">Create agent</button>
      </form>
    </Page>
  );
}

/** An agent's default meeting class and priority, shared by New agent and the OAuth consent. */
export function ClassAndPriority({
  policy,
  defaultClass,
  priority,
  onClass,
  onPriority,
}: {
  policy: Policy | null;
  defaultClass: string;
  priority: string;
  onClass: (c: string) => void;
  onPriority: (p: string) => void;
}) {
  return (
    <>
      <Field label="Default meeting class" hint="Used when a request names none.">
        <select
          name="default_class"
          value={defaultClass}
          onChange={(e) => onClass((e.target as HTMLSelectElement).value)}
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
          onInput={(e) => onPriority((e.target as HTMLInputElement).value)}
        />
      </Field>
    </>
  );
}
