// dry_run on an arbitrated write: the verdict the request would get now, with the arbiter's reasons,
// and nothing held, booked or displaced. The decision is still logged, marked as a dry run.
import type { z } from "zod";
import type { Explanation } from "../../schemas/explanation.js";
import { toInstant } from "../../schemas/time.js";
import type { Displaced } from "../../schemas/wire.js";
import type { ArbitrationInput, Verdict as CoreVerdict } from "../core/arbiter.js";
import { explain } from "../core/explain.js";

/** The explanation as it goes on the wire: instants in RFC 3339, names as the policy spells them. */
export type WireExplanation = z.infer<typeof Explanation>;

/** Every hard rule's outcome and each conflicting item weighed against the request. */
export function explanationOf(input: ArbitrationInput): WireExplanation {
  const e = explain(input);
  return {
    rules: e.rules.map((r) => ({ rule: r.rule, outcome: r.broken ? "broken" : "ok" })),
    request: {
      meeting_class: e.request.meetingClass,
      rank: e.request.rank,
      agent_priority: e.request.agentPriority,
      can_preempt: e.request.canPreempt,
    },
    conflicts: e.conflicts.map((c) => ({
      kind: c.item.kind,
      id: c.item.id,
      start: toInstant(c.item.start),
      end: toInstant(c.item.end),
      meeting_class: c.item.meetingClass,
      rank: c.rank,
      agent_priority: c.item.agentPriority,
      preemptible: c.preemptible,
      protected: c.protected,
      displaceable: c.displaceable,
    })),
  };
}

/** What a Preempt would displace, without touching it: no landing hold is placed by a dry run. */
export function wouldDisplace(outcome: CoreVerdict): Displaced[] {
  return outcome.displaced.map((item) => ({
    kind: item.kind === "hold" ? "hold" : "booking",
    id: item.id,
    agent_id: item.agentId ?? "",
    start: toInstant(item.start),
    end: toInstant(item.end),
    meeting_class: item.meetingClass ?? "",
    landing_hold_id: null,
  }));
}
