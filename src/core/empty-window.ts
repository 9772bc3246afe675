// Why a window holds no free slot, when it holds none: the cause an agent can act on. A window in the
// past or inside the notice cannot be fixed by looking again at it, a window wholly outside working
// hours needs other hours, and only a window that was open and full needs another time or shorter
// meeting. Pure: `now` is a parameter.
import type { HardRuleCode } from "./arbiter.js";
import { type Interval, intersect } from "./interval.js";
import { type CompiledRules, workingTime } from "./rules.js";
import { localDaysBetween } from "./zoned-time.js";

export type EmptyWindowCause =
  | Extract<HardRuleCode, "WORKING_HOURS" | "MIN_NOTICE" | "OUTSIDE_HORIZON">
  | "NO_CAPACITY";

/**
 * The dominant cause of finding no slot of `durationMs` in `window`: MIN_NOTICE when no part of it
 * lies after now plus the notice, OUTSIDE_HORIZON when none lies before the horizon, WORKING_HOURS
 * when what remains holds no working stretch that long, else NO_CAPACITY (it was open, and taken).
 */
export function emptyWindowCause(
  window: Interval,
  rules: CompiledRules,
  now: number,
  durationMs: number,
): EmptyWindowCause {
  const earliest = now + rules.minNoticeMs;
  const latest = now + rules.maxHorizonMs;
  if (window.end - durationMs < earliest) return "MIN_NOTICE";
  if (window.start + durationMs > latest) return "OUTSIDE_HORIZON";
  const open = { start: Math.max(window.start, earliest), end: Math.min(window.end, latest) };
  if (open.end - open.start < durationMs) return earliest > window.start ? "MIN_NOTICE" : "OUTSIDE_HORIZON";
  if (rules.workingHours) {
    const working = workingTime(rules, localDaysBetween(rules.timeZone, open.start, open.end));
    const fits = intersect(working, [open]).some((w) => w.end - w.start >= durationMs);
    if (!fits) return "WORKING_HOURS";
  }
  return "NO_CAPACITY";
}
