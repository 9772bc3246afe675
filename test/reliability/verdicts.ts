// What one answer of an arbitrated tool must say of itself, whatever the ledger holds (issue 15's
// verdict table and dry runs). Checked on every response any scenario gets, against the input as the
// tool's own schema reads it (numeric strings as numbers, end and duration_minutes as given):
//
//  - Accept and Preempt carry no reason_code and no alternatives; Accept displaces nothing, Preempt
//    something. CounterPropose is only ever CONFLICT, with alternatives, and never from preempt or
//    check_availability. A Reject names a reason, never CONFLICT: a hard rule (WORKING_HOURS,
//    HARD_BLOCK, DAILY_LIMIT, MIN_NOTICE, OUTSIDE_HORIZON), NO_CAPACITY, PREEMPT_NOT_PERMITTED or
//    TARGET_NOT_IN_SLOT; check_availability's only WORKING_HOURS, MIN_NOTICE, OUTSIDE_HORIZON or
//    NO_CAPACITY.
//  - Every alternative repeats the verdict's reason_code, lasts as long as the slot asked for, and
//    lies inside alternatives_window when one was given.
//  - check_availability: slots of duration_minutes inside the window, in order; the hold (when there
//    is one) on the first, and repeated as top-level hold_id and expires_at (null without one).
//  - A placed booking or hold is where the request put it (start, and end or duration_minutes).
//  - dry_run: the answer says dry_run: true, explains itself (each hard rule's outcome, the conflicts)
//    consistently with its verdict, and holds, books and displaces nothing (no booking, no hold, no
//    landing hold). Without dry_run, no answer says dry_run or explains.
import { findTool } from "../../tools/index.js";
import { MINUTE } from "./common.js";

export const HARD_RULE_CODES = [
  "WORKING_HOURS",
  "HARD_BLOCK",
  "DAILY_LIMIT",
  "MIN_NOTICE",
  "OUTSIDE_HORIZON",
] as const;
const REJECT_CODES = new Set<string>([
  ...HARD_RULE_CODES,
  "NO_CAPACITY",
  "PREEMPT_NOT_PERMITTED",
  "TARGET_NOT_IN_SLOT",
]);
const EMPTY_WINDOW_CODES = new Set(["WORKING_HOURS", "MIN_NOTICE", "OUTSIDE_HORIZON", "NO_CAPACITY"]);
/** The tools whose answer is a verdict of the arbiter that may be a dry run. */
export const DRY_RUN_TOOLS = new Set(["create_hold", "create_booking", "preempt", "reschedule_booking"]);

/** An instant as epoch ms (RFC 3339, any case); NaN when it is none. */
export function ms(instant: unknown): number {
  return typeof instant === "string" ? Date.parse(instant.toUpperCase()) : Number.NaN;
}

/** The tool's input as its schema reads `args`, or undefined when the schema refuses them. */
export function parsedInput(tool: string, args: unknown): Record<string, any> | undefined {
  const parsed = findTool(tool)?.input.safeParse(args);
  return parsed?.success ? (parsed.data as Record<string, any>) : undefined;
}

/** Whether `args` ask for a dry run, as the tool reads them. */
export function isDryRun(tool: string, args: unknown): boolean {
  return DRY_RUN_TOOLS.has(tool) && parsedInput(tool, args)?.dry_run === true;
}

/**
 * The slot a request names by itself (start, and end or duration_minutes), or undefined when the
 * server fills part of it in (a hold's slot, a booking's or victim's length).
 */
export function requestedSlot(input: Record<string, any>): { start: number; end: number } | undefined {
  if (typeof input.start !== "string") return undefined;
  const start = ms(input.start);
  if (typeof input.end === "string") return { start, end: ms(input.end) };
  if (typeof input.duration_minutes === "number")
    return { start, end: start + input.duration_minutes * MINUTE };
  return undefined;
}

interface Span {
  readonly start: string;
  readonly end: string;
}

const show = (v: unknown) => JSON.stringify(v)?.slice(0, 200);

/** [invariant, detail] for each thing the answer `body` of `tool` to `args` says wrongly of itself. */
export function verdictProblems(
  tool: string,
  args: Readonly<Record<string, unknown>>,
  body: Record<string, any>,
): [string, string][] {
  const out: [string, string][] = [];
  const bad = (invariant: string, detail: string) => out.push([invariant, detail]);
  const v = body.verdict;
  if (typeof v !== "string") return out;
  const input = parsedInput(tool, args);
  const code = body.reason_code;
  const alternatives: Span[] = body.alternatives ?? [];
  const displaced: any[] = body.displaced ?? [];

  // ---- the verdict table -------------------------------------------------------------------------
  if (v === "Accept" || v === "Preempt") {
    if (code !== null) bad("verdict-semantics", `${v} with reason_code ${code}`);
    if (alternatives.length > 0) bad("verdict-semantics", `${v} with ${alternatives.length} alternative(s)`);
    if (v === "Accept" && displaced.length > 0)
      bad("verdict-semantics", `Accept displaced ${show(displaced)}`);
    if (v === "Preempt" && displaced.length === 0) bad("verdict-semantics", "Preempt displaced nothing");
  } else if (v === "CounterPropose") {
    if (code !== "CONFLICT")
      bad("verdict-semantics", `CounterPropose with reason_code ${code}, not CONFLICT`);
    if (alternatives.length === 0) bad("verdict-semantics", "CounterPropose without alternatives");
    if (tool === "preempt" || tool === "check_availability")
      bad("verdict-semantics", `${tool} answered CounterPropose`);
  } else if (v === "Reject") {
    if (!REJECT_CODES.has(code)) bad("verdict-semantics", `Reject with reason_code ${code}`);
    if (tool === "check_availability" && !EMPTY_WINDOW_CODES.has(code))
      bad("verdict-semantics", `check_availability found nothing and said ${code}`);
  }
  for (const a of alternatives as (Span & { reason_code?: string })[]) {
    if (a.reason_code !== code) {
      bad("verdict-semantics", `alternative ${show(a)} says ${a.reason_code}, the verdict ${code}`);
      break;
    }
  }
  if (input) {
    const slot = requestedSlot(input);
    const length = slot ? slot.end - slot.start : undefined;
    const within = input.alternatives_window as Span | undefined;
    for (const a of alternatives) {
      if (length !== undefined && ms(a.end) - ms(a.start) !== length) {
        bad("alternatives-as-asked", `alternative ${show(a)} is not ${length / MINUTE} minutes long`);
        break;
      }
      if (within && (ms(a.start) < ms(within.start) || ms(a.end) > ms(within.end))) {
        bad(
          "alternatives-as-asked",
          `alternative ${show(a)} lies outside alternatives_window ${show(within)}`,
        );
        break;
      }
    }
    // A slot the request names whole is where it was placed (a dry run places nothing).
    const placed = body.booking ?? body.hold;
    if (slot && placed && (v === "Accept" || v === "Preempt") && tool !== "check_availability") {
      if (ms(placed.start) !== slot.start || ms(placed.end) !== slot.end)
        bad(
          "slot-as-requested",
          `asked for [${new Date(slot.start).toISOString()}, ${new Date(slot.end).toISOString()}), placed [${placed.start}, ${placed.end})`,
        );
    }
  }

  // ---- check_availability -----------------------------------------------------------------------------
  if (tool === "check_availability") {
    const slots: Span[] = body.slots ?? [];
    const hold = body.hold;
    if (v === "Accept" && slots.length === 0) bad("check-answer", "Accept without slots");
    if (v !== "Accept" && (slots.length > 0 || hold)) bad("check-answer", `${v} with slots or a hold`);
    if (
      (body.hold_id ?? null) !== (hold?.hold_id ?? null) ||
      (body.expires_at ?? null) !== (hold?.expires_at ?? null)
    )
      bad(
        "check-answer",
        `top-level hold_id ${body.hold_id} / expires_at ${body.expires_at} vs hold ${hold?.hold_id} / ${hold?.expires_at}`,
      );
    if (hold && slots[0] && (hold.start !== slots[0].start || hold.end !== slots[0].end))
      bad("check-answer", `hold [${hold.start}, ${hold.end}) is not the first slot ${show(slots[0])}`);
    if (input) {
      const w = input.window as Span;
      for (const [i, s] of slots.entries()) {
        const problem =
          ms(s.end) - ms(s.start) !== input.duration_minutes * MINUTE
            ? `not ${input.duration_minutes} minutes`
            : ms(s.start) < ms(w.start) || ms(s.end) > ms(w.end)
              ? `outside the window ${show(w)}`
              : i > 0 && ms(s.start) <= ms(slots[i - 1]!.start)
                ? "out of order"
                : undefined;
        if (problem) {
          bad("check-answer", `slot ${show(s)} ${problem}`);
          break;
        }
      }
      if (input.hold === false && hold) bad("check-answer", "hold: false, and a hold came back");
    }
  }

  // ---- dry runs ---------------------------------------------------------------------------------------
  const dry = input?.dry_run === true;
  if (DRY_RUN_TOOLS.has(tool) && input) {
    if (!dry && (body.dry_run !== undefined || body.explanation !== undefined))
      bad(
        "dry-run-only-when-asked",
        `no dry_run asked, answered dry_run ${body.dry_run} with an explanation`,
      );
    if (dry) {
      if (body.dry_run !== true) bad("dry-run-answer", `dry_run asked, answered dry_run ${body.dry_run}`);
      if (body.booking || body.hold)
        bad(
          "dry-run-writes-nothing",
          `a dry run answered ${v} with ${body.booking ? `booking ${body.booking.booking_id}` : `hold ${body.hold.hold_id}`}`,
        );
      for (const d of displaced)
        if (d.landing_hold_id !== null)
          bad("dry-run-writes-nothing", `a dry run placed landing hold ${d.landing_hold_id} for ${d.id}`);
      out.push(...explanationProblems(v, code, displaced, body.explanation));
    }
  }
  return out;
}

/** Whether a dry run's explanation agrees with its verdict. */
function explanationProblems(
  verdict: string,
  code: string | null,
  displaced: readonly { id: string }[],
  e: any,
): [string, string][] {
  if (!e || !Array.isArray(e.rules) || !Array.isArray(e.conflicts) || !e.request)
    return [["dry-run-answer", `a dry run without an explanation: ${show(e)}`]];
  const broken = (e.rules as { rule: string; outcome: string }[])
    .filter((r) => r.outcome === "broken")
    .map((r) => r.rule);
  const named = new Set((e.rules as { rule: string }[]).map((r) => r.rule));
  const missing = HARD_RULE_CODES.filter((r) => !named.has(r));
  const problems: string[] = [];
  if (missing.length > 0) problems.push(`rules ${missing.join(", ")} not explained`);
  const hard = (HARD_RULE_CODES as readonly (string | null)[]).includes(code);
  if (hard && !broken.includes(code!)) problems.push(`Reject ${code}, but that rule is explained as ok`);
  if (!hard && broken.length > 0) problems.push(`${verdict} ${code ?? ""}, but ${broken.join(", ")} broken`);
  const conflicts = (e.conflicts as { id: string; displaceable: boolean }[]).map((c) => c.id);
  if (verdict === "Accept" && conflicts.length > 0)
    problems.push(`Accept beside conflicts ${conflicts.join(", ")}`);
  if (verdict === "CounterPropose" && conflicts.length === 0)
    problems.push("CounterPropose without a conflict");
  if (verdict === "Preempt") {
    const ids = displaced.map((d) => d.id).sort();
    if (JSON.stringify(ids) !== JSON.stringify([...conflicts].sort()))
      problems.push(`Preempt would displace ${ids.join(", ")}, the conflicts are ${conflicts.join(", ")}`);
    if (e.conflicts.some((c: { displaceable: boolean }) => !c.displaceable))
      problems.push("Preempt beside a conflict explained as not displaceable");
  }
  return problems.map((p) => ["dry-run-explained", p]);
}
