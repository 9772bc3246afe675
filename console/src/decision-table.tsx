// The decision log as a table: each row opens to why it got its verdict, what was asked, the
// alternatives offered and what was displaced. Used by the decisions page and an agent's page.
import { useState } from "preact/hooks";
import type { Decision } from "./api";
import { inZone } from "./format";

/** The decision log as a table; times in each decision's owner's zone (`zones`: email -> IANA zone). */
export function DecisionTable({
  decisions,
  fresh,
  zones,
}: {
  decisions: Decision[];
  fresh?: Set<string>;
  zones?: ReadonlyMap<string, string>;
}) {
  const [open, setOpen] = useState<string | null>(null);
  if (decisions.length === 0) return <p>No decisions match.</p>;
  return (
    <div class="table-wrap">
      <table class="decisions">
        <caption class="sr-only">Decisions, newest first</caption>
        <thead>
          <tr>
            <th scope="col">At (owner's time)</th>
            <th scope="col">Verdict</th>
            <th scope="col">Reason</th>
            <th scope="col">Tool</th>
            <th scope="col">Agent</th>
            <th scope="col">Owner</th>
            <th scope="col">Booking / hold</th>
          </tr>
        </thead>
        <tbody>
          {decisions.map((d) => [
            <tr
              key={d.decision_id}
              class={fresh?.has(d.decision_id) ? "fresh" : ""}
              data-decision={d.decision_id}
            >
              <td>
                <button
                  type="button"
                  class="link-button"
                  aria-expanded={open === d.decision_id}
                  onClick={() => setOpen(open === d.decision_id ? null : d.decision_id)}
                >
                  {inZone(d.at, d.owner_email ? zones?.get(d.owner_email) : undefined)}
                </button>
              </td>
              <td>
                <span class={`verdict verdict-${d.verdict}`}>{d.verdict}</span>
              </td>
              <td>{d.reason_code ?? ""}</td>
              <td>{d.tool}</td>
              <td>
                <a href={`#/agents/${d.agent_id}`}>{d.agent_id}</a>
              </td>
              <td>{d.owner_email ?? ""}</td>
              <td>{d.booking_id ?? d.hold_id ?? ""}</td>
            </tr>,
            open === d.decision_id && (
              <tr key={`${d.decision_id}-detail`} class="detail">
                <td colSpan={7}>
                  <dl>
                    <dt>Decision</dt>
                    <dd>
                      <code>{d.decision_id}</code> with key {d.key_prefix ?? "-"}
                    </dd>
                    <dt>Why</dt>
                    <dd>{explain(d)}</dd>
                    <dt>Request</dt>
                    <dd>
                      <pre>{JSON.stringify(d.request, null, 2)}</pre>
                    </dd>
                    <dt>Alternatives</dt>
                    <dd>
                      <pre>{JSON.stringify(d.alternatives, null, 2)}</pre>
                    </dd>
                    <dt>Displaced</dt>
                    <dd>
                      <pre>{JSON.stringify(d.displaced, null, 2)}</pre>
                    </dd>
                  </dl>
                </td>
              </tr>
            ),
          ])}
        </tbody>
      </table>
    </div>
  );
}

/** The verdict's reason in words, as the README's verdict table gives it. */
const REASONS: Readonly<Record<string, string>> = {
  WORKING_HOURS: "the slot is outside the calendar's working hours",
  HARD_BLOCK: "the slot meets a hard block in the rules",
  DAILY_LIMIT: "the day already has the most bookings the rules allow",
  MIN_NOTICE: "the slot starts sooner than the rules' minimum notice",
  OUTSIDE_HORIZON: "the slot is further ahead than the rules' horizon",
  CONFLICT: "the slot is taken by an item of equal or higher priority; alternatives were offered",
  NO_CAPACITY: "the slot is taken and nothing else was free in the window",
  PREEMPT_NOT_PERMITTED: "the agent would outrank what is there but lacks the preempt scope",
  TARGET_NOT_IN_SLOT: "the booking to displace is not in the requested slot",
};

function explain(d: Decision): string {
  const displaced = Array.isArray(d.displaced) ? d.displaced.length : 0;
  if (d.verdict === "Preempt")
    return `Done by displacing ${displaced} lower-priority item(s); their agents were told.`;
  if (d.verdict === "Accept") return "Done: nothing stood in the way.";
  const why = d.reason_code ? (REASONS[d.reason_code] ?? d.reason_code) : "not possible";
  return `${d.verdict}: ${why}.`;
}
