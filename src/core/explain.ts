// Why a request gets its verdict (DESIGN.md section 5, dry_run): every hard rule checked with its
// outcome, and every conflicting item with its class, rank and agent priority beside the request's.
// Pure: the same input the arbiter reads, and no decision of its own.
import {
  type ArbitrationInput,
  type BusyItem,
  breaksRule,
  conflictsOf,
  displaceable,
  HARD_RULES,
  type HardRuleCode,
} from "./arbiter.js";

const HOUR = 3_600_000;

export interface RuleCheck {
  readonly rule: HardRuleCode;
  /** The slot breaks this rule; a rule the owner has not set is never broken. */
  readonly broken: boolean;
}

export interface ConflictExplained {
  readonly item: BusyItem;
  /** The item's class rank; null for external events and unknown classes. */
  readonly rank: number | null;
  readonly preemptible: boolean;
  /** Older than the policy's protect_after_hours, so never displaced. */
  readonly protected: boolean;
  /** The requester outranks it and it may be displaced at all. */
  readonly displaceable: boolean;
}

export interface Explanation {
  readonly rules: readonly RuleCheck[];
  readonly request: {
    readonly meetingClass: string;
    readonly rank: number | null;
    readonly agentPriority: number;
    readonly canPreempt: boolean;
  };
  /** Items overlapping the slot (buffers applied), in start order. */
  readonly conflicts: readonly ConflictExplained[];
}

/** What the arbiter weighs for `input`, rule by rule and item by item. */
export function explain(input: ArbitrationInput): Explanation {
  const { request, items, rules, policy, now } = input;
  const rankOf = (name: string | null) => (name === null ? null : (policy.classes.get(name)?.rank ?? null));
  return {
    rules: HARD_RULES.map((rule) => ({ rule, broken: breaksRule(rule, request.slot, items, rules, now) })),
    request: {
      meetingClass: request.meetingClass,
      rank: rankOf(request.meetingClass),
      agentPriority: request.agentPriority,
      canPreempt: request.canPreempt,
    },
    conflicts: conflictsOf(request.slot, items, rules).map((item) => {
      const cls = item.meetingClass === null ? undefined : policy.classes.get(item.meetingClass);
      return {
        item,
        rank: cls?.rank ?? null,
        preemptible: item.kind !== "external" && (cls?.preemptible ?? false),
        protected: item.kind !== "external" && now - item.createdAt >= policy.protectAfterHours * HOUR,
        displaceable: displaceable(item, request, policy, now),
      };
    }),
  };
}
