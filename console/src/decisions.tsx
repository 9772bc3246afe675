// The decision log, newest first: filters, each decision opening to what was asked and answered, new
// decisions arriving live over server-sent events, and export as JSONL or CSV.
import { useEffect, useRef, useState } from "preact/hooks";
import { type Agent, api, type Decision, type Owner, query } from "./api";
import { DecisionTable } from "./decision-table";
import { ErrorNote, Field, Page } from "./ui";

const VERDICTS = ["Accept", "Reject", "CounterPropose", "Preempt"];
const PAGE = 100;

interface Filters {
  owner: string;
  agent: string;
  verdict: string;
  reason: string;
  since: string;
  until: string;
}

const EMPTY: Filters = { owner: "", agent: "", verdict: "", reason: "", since: "", until: "" };
const instant = (local: string) => (local ? new Date(local).toISOString() : undefined);

function params(f: Filters) {
  return { owner: f.owner, agent: f.agent, verdict: f.verdict, reason: f.reason.trim().toUpperCase() };
}

export function DecisionsPage() {
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [rows, setRows] = useState<Decision[]>([]);
  const [more, setMore] = useState<number | null>(null);
  const [fresh, setFresh] = useState<Set<string>>(new Set());
  const [live, setLive] = useState("connecting");
  const [owners, setOwners] = useState<Owner[]>([]);
  const [agents, setAgents] = useState<Agent[]>([]);
  const [error, setError] = useState<unknown>(null);
  const newest = useRef(0);

  const page = async (before?: number) => {
    const q = query({
      ...params(filters),
      since: instant(filters.since),
      until: instant(filters.until),
      order: "newest",
      limit: PAGE,
      before_seq: before,
    });
    const r = await api<{ decisions: Decision[]; next_before_seq: number | null }>(
      "GET",
      `/v1/decisions${q}`,
    );
    setMore(r.next_before_seq);
    return r.decisions;
  };

  useEffect(() => {
    api<{ owners: Owner[] }>("GET", "/v1/owners").then((r) => setOwners(r.owners), setError);
    api<{ agents: Agent[] }>("GET", "/v1/agents").then((r) => setAgents(r.agents), setError);
  }, []);

  useEffect(() => {
    let stream: EventSource | null = null;
    // The filters changed (or the page closed) before the first page came: no stream for them.
    let cancelled = false;
    setError(null);
    page()
      .then((first) => {
        if (cancelled) return;
        setRows(first);
        newest.current = first[0]?.seq ?? 0;
        // Live only for open-ended views: a range with an end is a finished question.
        if (filters.until) {
          setLive("off (the range has an end)");
          return;
        }
        stream = new EventSource(
          `/v1/decisions/stream${query({ ...params(filters), after_seq: newest.current })}`,
        );
        stream.onopen = () => setLive("live");
        // EventSource retries a dropped stream by itself, and stops on an answer that is not one.
        stream.onerror = () => {
          if (stream?.readyState !== EventSource.CLOSED) return setLive("reconnecting");
          setLive("off");
          setError(new Error("The live view stopped: the server refused to stream. Reload to try again."));
        };
        // The server ends the stream when what it would send may not be on disk (a failed fsync).
        stream.addEventListener("ledger_in_doubt", (e) => {
          const { message } = JSON.parse((e as MessageEvent<string>).data) as { message: string };
          stream?.close();
          setLive("off");
          setError(new Error(message));
        });
        stream.addEventListener("decision", (e) => {
          const d = JSON.parse((e as MessageEvent<string>).data) as Decision;
          if (filters.since && d.at < (instant(filters.since) ?? "")) return;
          setRows((rs) => (rs.some((r) => r.decision_id === d.decision_id) ? rs : [d, ...rs]));
          setFresh((f) => new Set(f).add(d.decision_id));
        });
      })
      .catch(setError);
    return () => {
      cancelled = true;
      stream?.close();
    };
  }, [filters]);

  const exportAs = async (format: "jsonl" | "csv") => {
    const all: Decision[] = [];
    let before: number | undefined;
    for (let i = 0; i < 100; i++) {
      const q = query({
        ...params(filters),
        since: instant(filters.since),
        until: instant(filters.until),
        order: "newest",
        limit: 1000,
        before_seq: before,
      });
      const r = await api<{ decisions: Decision[]; next_before_seq: number | null }>(
        "GET",
        `/v1/decisions${q}`,
      );
      all.push(...r.decisions);
      if (r.next_before_seq === null) break;
      before = r.next_before_seq;
    }
    const text = format === "jsonl" ? all.map((d) => JSON.stringify(d)).join("\n") + "\n" : toCsv(all);
    const url = URL.createObjectURL(
      new Blob([text], { type: format === "csv" ? "text/csv" : "application/x-ndjson" }),
    );
    const a = document.createElement("a");
    a.href = url;
    a.download = `openavail-decisions.${format}`;
    a.click();
    URL.revokeObjectURL(url);
  };

  const set = (key: keyof Filters) => (e: Event) =>
    setFilters({ ...filters, [key]: (e.target as HTMLInputElement).value });

  return (
    <Page
      title="Decisions"
      actions={
        <>
          <button type="button" onClick={() => exportAs("jsonl").catch(setError)}>
            Export JSONL
          </button>
          <button type="button" onClick={() => exportAs("csv").catch(setError)}>
            Export CSV
          </button>
        </>
      }
    >
      <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter decisions">
        <Field label="Owner">
          <select value={filters.owner} onChange={set("owner")}>
            <option value="">All</option>
            {owners.map((o) => (
              <option key={o.email}>{o.email}</option>
            ))}
          </select>
        </Field>
        <Field label="Agent">
          <select value={filters.agent} onChange={set("agent")}>
            <option value="">All</option>
            {agents.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Verdict">
          <select value={filters.verdict} onChange={set("verdict")}>
            <option value="">All</option>
            {VERDICTS.map((v) => (
              <option key={v}>{v}</option>
            ))}
          </select>
        </Field>
        <Field label="Reason code">
          <input value={filters.reason} onChange={set("reason")} placeholder="CONFLICT" />
        </Field>
        <Field label="From (your time)">
          <input type="datetime-local" value={filters.since} onChange={set("since")} />
        </Field>
        <Field label="Until (your time)">
          <input type="datetime-local" value={filters.until} onChange={set("until")} />
        </Field>
      </form>
      <p class="live" aria-live="polite">
        Updates: {live}
        {fresh.size > 0 ? ` · ${fresh.size} new since you opened this page` : ""}
      </p>
      <ErrorNote error={error} />
      <DecisionTable
        decisions={rows}
        fresh={fresh}
        zones={new Map(owners.map((o) => [o.email, o.timezone]))}
      />
      {more !== null && (
        <button
          type="button"
          onClick={() => page(more).then((r) => setRows((rs) => [...rs, ...r]), setError)}
        >
          Older decisions
        </button>
      )}
    </Page>
  );
}

const CSV_COLUMNS = [
  "at",
  "decision_id",
  "verdict",
  "reason_code",
  "tool",
  "agent_id",
  "owner_email",
  "booking_id",
  "hold_id",
] as const;

function toCsv(rows: Decision[]): string {
  const cell = (v: unknown) => {
    const s = v === null || v === undefined ? "" : String(v);
    return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return (
    [CSV_COLUMNS.join(","), ...rows.map((r) => CSV_COLUMNS.map((c) => cell(r[c])).join(","))].join("\n") +
    "\n"
  );
}
