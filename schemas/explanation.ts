// What a dry run answers besides its verdict: the arbiter's reasons, rule by rule and item by item.
import { z } from "zod";

/** dry_run's answer: each hard rule's outcome and each conflicting item against the request. */
export const Explanation = z.object({
  rules: z.array(z.object({ rule: z.string(), outcome: z.enum(["ok", "broken"]) })),
  request: z.object({
    meeting_class: z.string(),
    rank: z.number().nullable(),
    agent_priority: z.number(),
    can_preempt: z.boolean(),
  }),
  conflicts: z.array(
    z.object({
      kind: z.string(),
      id: z.string(),
      start: z.string(),
      end: z.string(),
      meeting_class: z.string().nullable(),
      rank: z.number().nullable(),
      agent_priority: z.number(),
      preemptible: z.boolean(),
      protected: z.boolean(),
      displaceable: z.boolean(),
    }),
  ),
});
