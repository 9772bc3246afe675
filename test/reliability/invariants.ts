// The ledger checker of the reliability scenarios. It reads the database and the calls the clients
// recorded, and shares no code with the arbiter it checks: local times come from Intl, overlaps from
// test/helpers/invariants.ts (a SQL self-join), everything else from the rows themselves.
//
//  1. No two live items (confirmed bookings, unexpired active holds) of one owner overlap, across
//     all of the owner's calendars, and none is closer to another than the calendar's buffers allow.
//  2. Every live item respects its calendar's rules: working hours, hard blocks, the daily cap,
//     minimum notice at the time it was placed.
//  3. Every Accept/Preempt a client saw is durable: its decision row, booking or hold exist, and the
//     item's state now is explained (confirmed where last placed; needs_reschedule only after a
//     displacement; cancelled or released only after the agent asked, or, for a hold check_availability
//     placed, once the same agent checked the same owner again; expired only once due). No agent has
//     more than one live check-hold per owner.
//  4. Every displacement was legitimate (a Preempt by an agent with the scope, of a preemptible item,
//     by a strictly higher (class rank, agent priority)), and its agent got a notification.
//  5. Every decision row matches a response a client saw; rows without one are at most the requests
//     whose responses were lost (per agent). Every booking and hold comes from a decision.
//  6. A dry run (a decision whose request says dry_run: true) placed, booked and displaced nothing: its
//     row names no booking, hold or landing hold, and nothing it would displace counts as displaced.
//  7. Every stored booking and hold is a value the input language allows: 5 to 1440 minutes long, a
//     known meeting class, a trimmed title and description, attendees as {email, name, time_zone}.
import type { Kysely } from "kysely";
import type { Database } from "../../src/ledger/tables.js";
import type { LoadedPolicy } from "../../src/service/policy.js";
import { findOverlaps } from "../helpers/invariants.js";
import { type CallRecord, DECIDED, MINUTE, type Violation } from "./common.js";

export interface CheckOptions {
  readonly scenario: string;
  readonly db: Kysely<Database>;
  /** The checker's clock: holds are live while expires_at > now. */
  readonly now: number;
  readonly records: readonly CallRecord[];
  readonly policy: LoadedPolicy;
  /**
   * Nothing is in flight: every decision row must be matched by a response or a lost request, and
   * every delivered notification seen by its agent (unless that agent lost a response).
   */
  readonly final: boolean;
}

export interface CheckSummary {
  readonly violations: Violation[];
  readonly stats: {
    readonly decisions: number;
    readonly bookings: Record<string, number>;
    readonly holds: Record<string, number>;
    readonly liveItems: number;
    readonly displacements: number;
    readonly unmatchedDecisions: number;
    readonly acknowledged: number;
  };
}

interface Rules {
  /** Null or absent: the owner's zone. */
  readonly timezone?: string | null;
  readonly buffer_before_minutes?: number;
  readonly buffer_after_minutes?: number;
  readonly working_hours?: Record<string, { start: string; end: string }> | null;
  readonly min_notice_minutes?: number;
  readonly max_bookings_per_day?: number | null;
  readonly hard_blocks?: readonly { start: string; end: string }[];
}

interface DisplacedEntry {
  readonly kind: "booking" | "hold";
  readonly id: string;
  readonly agent_id: string;
  readonly meeting_class: string;
  readonly landing_hold_id: string | null;
}

interface Live {
  readonly kind: "booking" | "hold";
  readonly id: string;
  readonly owner_id: string;
  readonly calendar_id: string;
  readonly start: number;
  readonly end: number;
  /** When it was placed where it is: creation, or its last reschedule. */
  readonly placedAt: number;
}

function liveItem(
  kind: Live["kind"],
  row: { id: string; owner_id: string; calendar_id: string; start_ms: number; end_ms: number },
  placedAt: number,
): Live {
  return {
    kind,
    id: row.id,
    owner_id: row.owner_id,
    calendar_id: row.calendar_id,
    start: row.start_ms,
    end: row.end_ms,
    placedAt,
  };
}

const localFormats = new Map<string, Intl.DateTimeFormat>();

/** Wall-clock date, weekday and minute of day of an instant in `tz`, from Intl. */
function localOf(ms: number, tz: string): { date: string; weekday: string; minutes: number } {
  let fmt = localFormats.get(tz);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      weekday: "short",
    });
    localFormats.set(tz, fmt);
  }
  const p: Record<string, string> = {};
  for (const part of fmt.formatToParts(ms)) p[part.type] = part.value;
  return {
    date: `${p.year}-${p.month}-${p.day}`,
    weekday: p.weekday!.slice(0, 3).toLowerCase(),
    minutes: Number(p.hour) * 60 + Number(p.minute),
  };
}

const hm = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));
const iso = (ms: number) => new Date(ms).toISOString();

export async function checkLedger(o: CheckOptions): Promise<CheckSummary> {
  const violations: Violation[] = [];
  const fail = (invariant: string, detail: string) => {
    if (violations.filter((v) => v.invariant === invariant).length < 50) {
      violations.push({ scenario: o.scenario, invariant, detail });
    }
  };
  const { db, now } = o;
  // One snapshot: every read below sees the same committed state.
  return db.transaction().execute(async (trx) => {
    const [bookings, holds, decisions, notifications, calendars, agents, owners] = await Promise.all([
      trx.selectFrom("bookings").selectAll().execute(),
      trx.selectFrom("holds").selectAll().execute(),
      trx.selectFrom("decisions").selectAll().orderBy("seq").execute(),
      trx.selectFrom("notifications").selectAll().execute(),
      trx.selectFrom("calendars").selectAll().execute(),
      trx.selectFrom("agents").selectAll().execute(),
      trx.selectFrom("owners").selectAll().execute(),
    ]);
    const overlaps = await findOverlaps(trx, now);

    const calendarRules = new Map<string, Rules>(
      calendars.map((c) => [c.id, c.rules_json ? (JSON.parse(c.rules_json) as Rules) : {}]),
    );
    const ownerZone = new Map(owners.map((ow) => [ow.id, ow.timezone]));
    const calendarOwner = new Map(calendars.map((c) => [c.id, c.owner_id]));
    /** The zone a calendar's rules are read in: their own, else the owner's. */
    const zoneOf = (calendarId: string) =>
      calendarRules.get(calendarId)?.timezone ?? ownerZone.get(calendarOwner.get(calendarId) ?? "") ?? "UTC";
    const agentById = new Map(agents.map((a) => [a.id, a]));
    const bookingById = new Map(bookings.map((b) => [b.id, b]));
    const holdById = new Map(holds.map((h) => [h.id, h]));
    const decisionById = new Map(decisions.map((d) => [d.id, d]));
    const classes = o.policy.policy.classes;

    // ---- indexes over decisions ----------------------------------------------------------------
    const placements = new Map<string, (typeof decisions)[number][]>();
    // hold id -> the agent it was placed for, and the decision that placed it
    const holdOrigins = new Map<string, { agentId: string; seq: number; tool: string | null }>();
    const displacements = new Map<string, { seq: number; decisionId: string; entry: DisplacedEntry }[]>();
    // "agent|owner" -> seqs of that agent's check_availability decisions on that owner
    const checks = new Map<string, number[]>();
    const dryRuns = new Set<string>();
    let displacementCount = 0;
    for (const d of decisions) {
      const displaced = JSON.parse(d.displaced_json) as DisplacedEntry[];
      const placed = d.verdict === "Accept" || d.verdict === "Preempt";
      if (!placed && (d.booking_id || d.hold_id || displaced.length > 0)) {
        fail("non-accept-wrote", `decision ${d.id} (${d.verdict}) names a booking, hold or displacement`);
      }
      if (d.tool === "check_availability") {
        const k = `${d.agent_id}|${d.owner_id}`;
        checks.set(k, [...(checks.get(k) ?? []), d.seq]);
      }
      if ((JSON.parse(d.request_json) as { dry_run?: unknown }).dry_run === true) {
        // What a dry run would displace is told, not done: it is no displacement, and it places nothing.
        dryRuns.add(d.id);
        const landings = displaced.filter((e) => e.landing_hold_id !== null);
        if (d.booking_id || d.hold_id || landings.length > 0)
          fail(
            "dry-run-writes-nothing",
            `dry run ${d.id} (${d.tool}, ${d.verdict}) names booking ${d.booking_id}, hold ${d.hold_id}, landing holds ${JSON.stringify(landings.map((e) => e.landing_hold_id))}`,
          );
        continue;
      }
      if (placed && d.booking_id) {
        const list = placements.get(d.booking_id) ?? [];
        list.push(d);
        placements.set(d.booking_id, list);
      }
      if (placed && d.hold_id) holdOrigins.set(d.hold_id, { agentId: d.agent_id, seq: d.seq, tool: d.tool });
      for (const entry of displaced) {
        displacementCount++;
        const list = displacements.get(entry.id) ?? [];
        list.push({ seq: d.seq, decisionId: d.id, entry });
        displacements.set(entry.id, list);
        if (entry.landing_hold_id)
          holdOrigins.set(entry.landing_hold_id, { agentId: entry.agent_id, seq: d.seq, tool: null });
      }
      if (displaced.length > 0) checkDisplacement(d, displaced);
    }

    function checkDisplacement(d: (typeof decisions)[number], displaced: DisplacedEntry[]): void {
      if (d.verdict !== "Preempt") {
        fail(
          "displacement-only-by-preempt",
          `decision ${d.id} (${d.verdict}) displaced ${displaced.length} item(s)`,
        );
      }
      const winner = agentById.get(d.agent_id);
      const scopes = winner ? (JSON.parse(winner.scopes_json) as string[]) : [];
      if (!scopes.includes("preempt")) {
        fail(
          "preempt-needs-scope",
          `decision ${d.id}: agent ${d.agent_id} displaced without the preempt scope`,
        );
      }
      const made = d.booking_id
        ? bookingById.get(d.booking_id)
        : d.hold_id
          ? holdById.get(d.hold_id)
          : undefined;
      const winnerClass = made?.meeting_class;
      for (const entry of displaced) {
        const incumbent = classes[entry.meeting_class];
        const challenger = winnerClass ? classes[winnerClass] : undefined;
        const pw = winner?.priority ?? 0;
        const pi = agentById.get(entry.agent_id)?.priority ?? 0;
        const legit =
          incumbent?.preemptible === true &&
          challenger !== undefined &&
          (challenger.rank > incumbent.rank || (challenger.rank === incumbent.rank && pw > pi));
        if (!legit) {
          fail(
            "displacement-legitimate",
            `decision ${d.id}: ${winnerClass}/p${pw} displaced ${entry.kind} ${entry.id} (${entry.meeting_class}/p${pi})`,
          );
        }
        if (entry.landing_hold_id) {
          const landing = holdById.get(entry.landing_hold_id);
          if (!landing || landing.agent_id !== entry.agent_id) {
            fail(
              "landing-hold-exists",
              `decision ${d.id}: landing hold ${entry.landing_hold_id} missing or not ${entry.agent_id}'s`,
            );
          }
        }
      }
    }

    // ---- notifications ---------------------------------------------------------------------------
    const notified = new Map<string, number>();
    for (const n of notifications) {
      const p = JSON.parse(n.payload_json) as { booking_id?: string | null; hold_id?: string | null };
      const subject = n.type.startsWith("booking.") ? p.booking_id : p.hold_id;
      const k = `${n.type}|${n.agent_id}|${subject}`;
      notified.set(k, (notified.get(k) ?? 0) + 1);
    }
    for (const [id, list] of displacements) {
      const { kind, agent_id } = list[0]!.entry;
      const type = kind === "booking" ? "booking.preempted" : "hold.preempted";
      const got = notified.get(`${type}|${agent_id}|${id}`) ?? 0;
      if (got < list.length) {
        fail(
          "displaced-agent-notified",
          `${kind} ${id} displaced ${list.length} time(s), ${got} ${type} notification(s) to ${agent_id}`,
        );
      }
    }

    // ---- what clients sent and saw ---------------------------------------------------------------
    const seen = new Map<string, { record: CallRecord; body: Record<string, any> }>();
    const sentCancel = new Set<string>();
    const sentRelease = new Set<string>();
    const lostReschedule = new Set<string>();
    const lostByAgent = new Map<string, number>();
    const sawNotification = new Set<string>();
    const agentsWithLoss = new Set<string>();
    let acknowledged = 0;
    for (const r of o.records) {
      const out = r.outcome;
      const reached = out.kind === "ok" || out.kind === "lost";
      if (r.tool === "cancel_booking" && reached) sentCancel.add(String(r.args.booking_id));
      if (r.tool === "release_hold" && reached) sentRelease.add(String(r.args.hold_id));
      if (r.tool === "reschedule_booking" && out.kind === "lost")
        lostReschedule.add(String(r.args.booking_id));
      if (out.kind === "lost") {
        agentsWithLoss.add(r.agentId);
        if (DECIDED.has(r.tool)) lostByAgent.set(r.agentId, (lostByAgent.get(r.agentId) ?? 0) + 1);
      }
      if (out.kind !== "ok" || !out.body) continue;
      for (const n of [...(out.body.pending_notifications ?? []), ...(out.body.notifications ?? [])]) {
        sawNotification.add(n.notification_id);
      }
      const decisionId = out.body.decision_id;
      if (typeof decisionId !== "string") continue;
      seen.set(decisionId, { record: r, body: out.body });
      const row = decisionById.get(decisionId);
      const what = `${r.transport} ${r.tool} by ${r.agentId} (#${r.seq}) -> ${out.body.verdict} ${decisionId}`;
      if (!row) {
        fail("acknowledged-decision-durable", `${what}: no decision row`);
        continue;
      }
      const expect = {
        // A cancellation or release answers no verdict; its row says it was carried out.
        verdict: out.body.verdict ?? "Accept",
        agent_id: r.agentId,
        tool: r.tool,
        booking_id: out.body.booking?.booking_id ?? null,
        hold_id: out.body.hold?.hold_id ?? null,
      };
      const actual = {
        verdict: row.verdict,
        agent_id: row.agent_id,
        tool: row.tool,
        booking_id: row.booking_id,
        hold_id: row.hold_id,
      };
      if (JSON.stringify(expect) !== JSON.stringify(actual)) {
        fail(
          "decision-matches-response",
          `${what}: response ${JSON.stringify(expect)} vs row ${JSON.stringify(actual)}`,
        );
      }
      if ((out.body.verdict === "Accept" || out.body.verdict === "Preempt") && !dryRuns.has(decisionId)) {
        acknowledged++;
        if (out.body.booking && !bookingById.has(out.body.booking.booking_id)) {
          fail("acknowledged-booking-durable", `${what}: booking ${out.body.booking.booking_id} missing`);
        }
        if (out.body.hold && !holdById.has(out.body.hold.hold_id)) {
          fail("acknowledged-hold-durable", `${what}: hold ${out.body.hold.hold_id} missing`);
        }
      }
    }

    // ---- every booking and hold explained -----------------------------------------------------------
    const bookingCounts: Record<string, number> = {};
    const live: Live[] = [];
    const holdsConfirmedBy = new Set(bookings.map((b) => b.hold_id).filter((h): h is string => h !== null));
    for (const b of bookings) {
      bookingCounts[b.status] = (bookingCounts[b.status] ?? 0) + 1;
      const placed = placements.get(b.id);
      if (!placed || placed.length === 0) {
        fail("booking-from-decision", `booking ${b.id} (${b.status}) has no Accept/Preempt decision`);
        if (b.status === "confirmed") {
          live.push(liveItem("booking", b, b.updated_at));
        }
        continue;
      }
      if (placed[0]!.agent_id !== b.agent_id) {
        fail("booking-agent", `booking ${b.id} belongs to ${b.agent_id}, made by ${placed[0]!.agent_id}`);
      }
      const last = placed[placed.length - 1]!;
      const displacedAfter = (displacements.get(b.id) ?? []).filter((x) => x.seq > last.seq);
      const desc = `booking ${b.id} of ${b.agent_id} [${iso(b.start_ms)}, ${iso(b.end_ms)})`;
      if (b.status === "confirmed") {
        if (displacedAfter.length > 0) {
          fail(
            "displaced-not-confirmed",
            `${desc} is confirmed after ${displacedAfter[0]!.decisionId} displaced it`,
          );
        }
        const ack = seen.get(last.id)?.body.booking;
        if (
          ack &&
          (Date.parse(ack.start) !== b.start_ms || Date.parse(ack.end) !== b.end_ms) &&
          !lostReschedule.has(b.id)
        ) {
          fail(
            "booking-where-acknowledged",
            `${desc}: last acknowledged at [${ack.start}, ${ack.end}) by ${last.id}`,
          );
        }
        live.push(liveItem("booking", b, last.at));
      } else if (b.status === "needs_reschedule") {
        if (displacedAfter.length === 0) {
          fail(
            "needs-reschedule-after-displacement",
            `${desc} needs rescheduling, but no decision after ${last.id} displaced it`,
          );
        }
      } else if (b.status === "cancelled" && !sentCancel.has(b.id)) {
        fail("cancelled-only-on-request", `${desc} is cancelled, and no cancel_booking for it was sent`);
      }
    }

    const holdCounts: Record<string, number> = {};
    const liveChecks = new Map<string, string[]>();
    for (const h of holds) {
      holdCounts[h.status] = (holdCounts[h.status] ?? 0) + 1;
      const desc = `hold ${h.id} of ${h.agent_id} [${iso(h.start_ms)}, ${iso(h.end_ms)})`;
      const origin = holdOrigins.get(h.id);
      if (origin === undefined) fail("hold-from-decision", `${desc} (${h.status}) comes from no decision`);
      else if (origin.agentId !== h.agent_id) fail("hold-agent", `${desc} was placed for ${origin.agentId}`);
      // A hold check_availability placed is released by the same agent's next check of the owner.
      const fromCheck = origin?.tool === "check_availability";
      const checkedAgain =
        fromCheck && (checks.get(`${h.agent_id}|${h.owner_id}`) ?? []).some((seq) => seq > origin.seq);
      const displaced = displacements.has(h.id);
      const confirmedBy = holdsConfirmedBy.has(h.id);
      if (h.status === "active") {
        if (displaced) fail("displaced-hold-released", `${desc} is still active after a displacement`);
        if (confirmedBy) fail("confirmed-hold-status", `${desc} is active, but a booking confirmed it`);
        if (checkedAgain)
          fail("check-hold-released", `${desc} is still active after its agent checked the owner again`);
        if (h.expires_at > now) {
          live.push(liveItem("hold", h, h.created_at));
          if (fromCheck) {
            const k = `${h.agent_id}|${h.owner_id}`;
            liveChecks.set(k, [...(liveChecks.get(k) ?? []), h.id]);
          }
        }
      } else if (h.status === "confirmed") {
        if (!confirmedBy) fail("confirmed-hold-has-booking", `${desc} is confirmed, but no booking names it`);
      } else if (h.status === "released") {
        if (!displaced && !sentRelease.has(h.id) && !checkedAgain) {
          fail(
            "released-only-on-request",
            `${desc} is released, but was neither displaced nor released by its agent`,
          );
        }
      } else if (h.status === "expired" && h.expires_at > now) {
        fail("expired-only-when-due", `${desc} expired before ${iso(h.expires_at)}`);
      }
    }

    for (const [k, ids] of liveChecks) {
      if (ids.length > 1)
        fail(
          "check-holds-do-not-pile-up",
          `${k.replace("|", " on ")} has ${ids.length} live check-holds: ${ids.join(", ")}`,
        );
    }

    // ---- every stored value one the input language allows ----------------------------------------------
    const storedProblem = (
      kind: string,
      row: { id: string; start_ms: number; end_ms: number; meeting_class: string },
    ): string | undefined => {
      const minutes = (row.end_ms - row.start_ms) / MINUTE;
      if (
        !Number.isInteger(row.start_ms) ||
        !Number.isInteger(row.end_ms) ||
        !(minutes >= 5 && minutes <= 1440)
      )
        return `${kind} ${row.id} lasts ${minutes} minutes [${row.start_ms}, ${row.end_ms})`;
      if (!Object.hasOwn(classes, row.meeting_class))
        return `${kind} ${row.id} has meeting class ${JSON.stringify(row.meeting_class)}`;
      return undefined;
    };
    for (const b of bookings) {
      let problem = storedProblem("booking", b);
      if (!problem && (b.title.trim() !== b.title || b.title === "" || b.title.length > 300))
        problem = `booking ${b.id} has title ${JSON.stringify(b.title.slice(0, 80))}`;
      if (
        !problem &&
        b.description !== null &&
        (b.description.trim() !== b.description || b.description === "" || b.description.length > 2000)
      )
        problem = `booking ${b.id} has description ${JSON.stringify(b.description.slice(0, 80))}`;
      if (!problem) {
        let attendees: unknown;
        try {
          attendees = JSON.parse(b.attendees_json);
        } catch {
          attendees = undefined;
        }
        const ok =
          Array.isArray(attendees) &&
          attendees.every(
            (a) =>
              a !== null &&
              typeof a === "object" &&
              JSON.stringify(Object.keys(a).sort()) === '["email","name","time_zone"]' &&
              typeof a.email === "string" &&
              a.email === a.email.toLowerCase() &&
              a.email.includes("@") &&
              (a.name === null ||
                (typeof a.name === "string" && a.name !== "" && a.name.trim() === a.name)) &&
              (a.time_zone === null || typeof a.time_zone === "string"),
          );
        if (!ok) problem = `booking ${b.id} has attendees ${b.attendees_json.slice(0, 200)}`;
      }
      if (problem) fail("stored-values-valid", problem);
    }
    for (const h of holds) {
      const problem = storedProblem("hold", h);
      if (problem) fail("stored-values-valid", problem);
    }

    // ---- the live schedule: overlaps, buffers, rules ---------------------------------------------------
    for (const ov of overlaps) {
      fail(
        "no-overlap",
        `${ov.owner_id}: ${ov.a.kind} ${ov.a.id} [${iso(ov.a.start_ms)}, ${iso(ov.a.end_ms)}) overlaps ${ov.b.kind} ${ov.b.id} [${iso(ov.b.start_ms)}, ${iso(ov.b.end_ms)})`,
      );
    }
    const byOwner = new Map<string, Live[]>();
    for (const it of live) {
      const list = byOwner.get(it.owner_id) ?? [];
      list.push(it);
      byOwner.set(it.owner_id, list);
    }
    const bufferOf = (it: Live) => {
      const r = calendarRules.get(it.calendar_id) ?? {};
      return {
        before: (r.buffer_before_minutes ?? 0) * MINUTE,
        after: (r.buffer_after_minutes ?? 0) * MINUTE,
      };
    };
    // Placed last, `x` conflicts with `y` when y widened by x's calendar buffers overlaps it.
    const conflicts = (x: Live, y: Live) => {
      const { before, after } = bufferOf(x);
      return y.start - before < x.end && x.start < y.end + after;
    };
    for (const [ownerId, items] of byOwner) {
      items.sort((a, b) => a.start - b.start);
      for (let i = 0; i < items.length; i++) {
        for (let j = i + 1; j < items.length; j++) {
          const a = items[i]!;
          const b = items[j]!;
          if (b.start > a.end + 3 * 60 * MINUTE) break;
          const overlapping = a.start < b.end && b.start < a.end;
          // Whichever came second conflicted with the first: exact when the buffers are symmetric.
          if (!overlapping && conflicts(a, b) && conflicts(b, a)) {
            fail(
              "buffers-kept",
              `${ownerId}: ${a.kind} ${a.id} ends ${iso(a.end)}, ${b.kind} ${b.id} starts ${iso(b.start)}: closer than the buffers`,
            );
          }
        }
      }
      for (const it of items) {
        const rules = calendarRules.get(it.calendar_id) ?? {};
        const tz = zoneOf(it.calendar_id);
        const what = `${it.kind} ${it.id} [${iso(it.start)}, ${iso(it.end)})`;
        if (rules.working_hours) {
          const s = localOf(it.start, tz);
          const e = localOf(it.end, tz);
          const wh = rules.working_hours[s.weekday];
          const inside =
            wh !== undefined && s.minutes >= hm(wh.start) && e.date === s.date && e.minutes <= hm(wh.end);
          if (!inside)
            fail("working-hours", `${what} is outside ${tz} working hours (${s.weekday} ${s.date})`);
        }
        for (const block of rules.hard_blocks ?? []) {
          if (Date.parse(block.start) < it.end && it.start < Date.parse(block.end)) {
            fail("hard-blocks", `${what} overlaps hard block [${block.start}, ${block.end})`);
          }
        }
        if (rules.min_notice_minutes && it.start < it.placedAt + rules.min_notice_minutes * MINUTE) {
          fail(
            "min-notice",
            `${what} placed at ${iso(it.placedAt)}, within ${rules.min_notice_minutes} minutes' notice`,
          );
        }
      }
      // A calendar's daily cap counts every live item of the owner starting that local day, on any calendar.
      for (const cal of calendars) {
        const rules = calendarRules.get(cal.id) ?? {};
        if (cal.owner_id !== ownerId || !rules.max_bookings_per_day) continue;
        const tz = zoneOf(cal.id);
        const perDay = new Map<string, number>();
        for (const it of items) {
          const date = localOf(it.start, tz).date;
          perDay.set(date, (perDay.get(date) ?? 0) + 1);
        }
        for (const [date, count] of perDay) {
          if (count > rules.max_bookings_per_day) {
            fail(
              "daily-cap",
              `${ownerId} has ${count} live items starting ${date} (${tz}), cap ${rules.max_bookings_per_day}`,
            );
          }
        }
      }
    }

    // ---- every decision row seen by a client (when nothing is in flight) ---------------------------------
    let unmatched = 0;
    if (o.final) {
      const unmatchedByAgent = new Map<string, string[]>();
      for (const d of decisions) {
        if (seen.has(d.id)) continue;
        unmatched++;
        unmatchedByAgent.set(d.agent_id, [...(unmatchedByAgent.get(d.agent_id) ?? []), d.id]);
      }
      for (const [agentId, ids] of unmatchedByAgent) {
        const lost = lostByAgent.get(agentId) ?? 0;
        if (ids.length > lost) {
          fail(
            "decision-seen-by-client",
            `${ids.length} decision(s) of ${agentId} no client saw (e.g. ${ids[0]}), only ${lost} request(s) lost that append one`,
          );
        }
      }
      for (const n of notifications) {
        if (n.delivered_at !== null && !sawNotification.has(n.id) && !agentsWithLoss.has(n.agent_id)) {
          fail(
            "delivered-notification-seen",
            `${n.type} ${n.id} for ${n.agent_id} marked delivered, but its agent never saw it`,
          );
        }
      }
    }

    return {
      violations,
      stats: {
        decisions: decisions.length,
        bookings: bookingCounts,
        holds: holdCounts,
        liveItems: live.length,
        displacements: displacementCount,
        unmatchedDecisions: unmatched,
        acknowledged,
      },
    };
  });
}
