// The load: agents that each call one tool at a time, as an agent runtime does, firing random
// overlapping holds, bookings, confirmations, reschedules, cancels and preemptions at three owners,
// remembering what they own from the responses (and notifications) they get. Every call is recorded.
import { ErrorBody } from "../../schemas/errors.js";
import { toInstant } from "../../schemas/time.js";
import { findTool } from "../../tools/index.js";
import { prng } from "../helpers/prng.js";
import {
  type CallRecord,
  HOUR,
  MINUTE,
  type Outcome,
  sleep,
  type TransportName,
  type Violation,
} from "./common.js";
import type { CallOptions, Driver } from "./drivers.js";
import { type AgentSpec, CLASSES, type Fixture, type OwnerPlan } from "./fixture.js";
import { isDryRun, verdictProblems } from "./verdicts.js";

/** Every call of a scenario, and the violations visible in a single response. */
export class CallLog {
  readonly records: CallRecord[] = [];
  readonly violations: Violation[] = [];
  #seq = 0;
  #inflight = 0;

  constructor(readonly scenario: string) {}

  /** Calls sent and not yet answered. */
  get inflight(): number {
    return this.#inflight;
  }

  /** Waits until no call is in flight (or `timeoutMs` passes); true when idle. */
  async drain(timeoutMs: number): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (this.#inflight > 0 && Date.now() < until) await sleep(10);
    return this.#inflight === 0;
  }

  violation(invariant: string, detail: string): void {
    this.violations.push({ scenario: this.scenario, invariant, detail });
  }

  /** Calls `tool` through `driver` as `agentId`, records the outcome and checks it on its own. */
  async call(
    agentId: string,
    driver: Driver,
    tool: string,
    args: Readonly<Record<string, unknown>>,
    options: CallOptions = {},
  ): Promise<Outcome> {
    const sentAt = Date.now();
    this.#inflight++;
    let outcome: Outcome;
    try {
      outcome = await driver.call(tool, args, options);
    } catch (err) {
      outcome = { kind: "protocol", status: null, reason: `driver threw: ${String(err)}` };
    } finally {
      this.#inflight--;
    }
    const record: CallRecord = {
      seq: this.#seq++,
      scenario: this.scenario,
      agentId,
      transport: driver.transport,
      tool,
      args,
      idempotencyKey: options.idempotencyKey,
      sentAt,
      doneAt: Date.now(),
      outcome,
    };
    this.records.push(record);
    this.#checkOne(record);
    return outcome;
  }

  #checkOne(r: CallRecord): void {
    const o = r.outcome;
    const where = `${r.transport} ${r.tool} by ${r.agentId} (#${r.seq})`;
    if (o.kind === "protocol") this.violation("no-protocol-error", `${where}: ${o.reason}`);
    if (o.kind === "error") {
      if ((o.status ?? 0) >= 500 || o.error?.error === "internal") {
        this.violation("no-internal-error", `${where}: ${o.status} ${JSON.stringify(o.error)}`);
      } else if (o.error && o.error.error !== "http" && !ErrorBody.strict().safeParse(o.error).success) {
        this.violation("error-shape", `${where}: ${JSON.stringify(o.error).slice(0, 300)}`);
      }
    }
    if (o.kind === "ok" && o.body) {
      const parsed = findTool(r.tool)?.output.safeParse(o.body);
      if (parsed && !parsed.success) {
        this.violation("output-schema", `${where}: ${JSON.stringify(parsed.error.issues).slice(0, 300)}`);
      }
      const v = o.body.verdict;
      if (
        (v === "Reject" || v === "CounterPropose") &&
        (o.body.booking || o.body.hold || o.body.displaced?.length)
      ) {
        this.violation("non-accept-wrote", `${where}: ${v} came with a booking, hold or displacement`);
      }
      for (const [invariant, detail] of verdictProblems(r.tool, r.args, o.body))
        this.violation(invariant, `${where} -> ${v}: ${detail}`);
    }
  }
}

export interface AgentRuntime {
  readonly spec: AgentSpec;
  readonly driver: Driver;
}

export interface LoadOptions {
  readonly fixture: Fixture;
  readonly log: CallLog;
  readonly seed: number;
  /** Checked before each call: true ends the agent's loop. */
  readonly stop: () => boolean;
  /** Up to this many ms of pause between an agent's calls. */
  readonly pauseMs: number;
  /** Share of writes that carry an idempotency key. */
  readonly idempotencyRate: number;
  /** Share of keyed writes answered ok that are sent again at once, to check the replay. */
  readonly replayRate: number;
  /** Retry a lost or refused keyed write with the same key until it gets an answer. */
  readonly retryLost: boolean;
  /** While true, agents wait instead of calling (e.g. while the server is down for a check). */
  readonly paused?: () => boolean;
}

interface Known {
  readonly id: string;
  readonly owner: string;
  readonly start: number;
  readonly end: number;
}

/** Bookings any agent has seen, for explicit preemptions (as agents learn ids from list_bookings). */
class Pool {
  readonly #items: Known[] = [];
  add(k: Known): void {
    this.#items.push(k);
    if (this.#items.length > 300) this.#items.shift();
  }
  pick(rand: () => number): Known | undefined {
    return this.#items[Math.floor(rand() * this.#items.length)];
  }
}

export interface LoadStats {
  readonly calls: number;
  readonly byTransport: Record<TransportName, number>;
}

/**
 * A `stop` for runLoad: true once `seconds` have passed and `enough()` holds, or `capMs` after that
 * either way. How much a second of load makes depends on the machine, so a scenario that needs some
 * of it says what it needs instead of trusting the time. `enough` is asked at most every `everyMs`.
 */
export function stopAfter(
  seconds: number,
  enough: () => boolean,
  { capMs = 30_000, everyMs = 0 }: { capMs?: number; everyMs?: number } = {},
): () => boolean {
  const deadline = Date.now() + seconds * 1000;
  let nextLook = deadline;
  let done = false;
  return () => {
    const now = Date.now();
    if (done || now >= deadline + capMs) return true;
    if (now < nextLook) return false;
    nextLook = now + everyMs;
    done = enough();
    return done;
  };
}

/** Runs every agent's loop until `stop()`; resolves when all have finished their last call. */
export async function runLoad(agents: readonly AgentRuntime[], options: LoadOptions): Promise<void> {
  const pool = new Pool();
  await Promise.all(
    agents.map((rt, i) => runAgent(rt, options, pool, prng(options.seed * 7919 + i * 104_729 + 1))),
  );
}

const DURATIONS = [15, 30, 45, 60, 90];
/** Share of arbitrated writes sent as dry runs: their verdicts are checked, and they must write nothing. */
const DRY_RUN_RATE = 0.12;

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)]!;
}

/** A whole number as the load sends it: mostly a number, sometimes a numeric string ("30"), both valid. */
function whole(rand: () => number, n: number): number | string {
  return rand() < 0.2 ? (rand() < 0.5 ? String(n) : ` ${n} `) : n;
}

/** An instant written with a UTC offset of `minutes` (the same instant as toInstant(ms)). */
export function withOffset(ms: number, minutes: number): string {
  const local = new Date(ms + minutes * MINUTE).toISOString().slice(0, 19);
  const sign = minutes < 0 ? "-" : "+";
  const a = Math.abs(minutes);
  return `${local}${sign}${String(Math.floor(a / 60)).padStart(2, "0")}:${String(a % 60).padStart(2, "0")}`;
}

interface Request {
  readonly tool: string;
  readonly args: Record<string, unknown>;
  readonly write: boolean;
  /** Where a placement must land when the server fills in part of the slot (a hold's, a booking's length). */
  readonly expect?: { readonly start: number; readonly end: number; readonly why: string };
  /** The booking a create_booking must store: title, description and attendees as the wire answers them. */
  readonly details?: {
    readonly title: string;
    readonly description: string | null;
    readonly attendees: readonly { email: string; name: string | null; time_zone: string | null }[];
  };
}

interface HeldInfo {
  readonly owner: string;
  /** Placed by check_availability: the agent's next check of the owner releases it. */
  readonly fromCheck: boolean;
  readonly calendarType: string;
  readonly start: number;
  readonly end: number;
}

interface AgentState {
  readonly holds: Map<string, HeldInfo>;
  readonly bookings: Map<string, Known & { status: string }>;
  /** Bookings a lost answer may have moved: where they are is not known until an answer says. */
  readonly uncertain: Set<string>;
}

async function runAgent(rt: AgentRuntime, o: LoadOptions, pool: Pool, rand: () => number): Promise<void> {
  const state: AgentState = { holds: new Map(), bookings: new Map(), uncertain: new Set() };
  const { spec, driver } = rt;
  let n = 0;
  while (!o.stop()) {
    if (o.paused?.()) {
      await sleep(20);
      continue;
    }
    const req = nextRequest(spec, state, o.fixture.owners, pool, rand, n);
    n++;
    const key = req.write && rand() < o.idempotencyRate ? `${spec.agentId}-${n}` : undefined;
    let outcome = await o.log.call(spec.agentId, driver, req.tool, req.args, { idempotencyKey: key });
    for (
      let tries = 0;
      key && o.retryLost && (outcome.kind === "lost" || outcome.kind === "refused") && tries < 100;
      tries++
    ) {
      await sleep(outcome.kind === "refused" ? 100 : 20);
      while (o.paused?.()) await sleep(20);
      outcome = await o.log.call(spec.agentId, driver, req.tool, req.args, { idempotencyKey: key });
    }
    checkAnswer(o.log, spec, driver, req, outcome);
    learn(state, req, outcome, pool);
    if (key && outcome.kind === "ok" && rand() < o.replayRate) {
      const again = await o.log.call(spec.agentId, driver, req.tool, req.args, { idempotencyKey: key });
      if (again.kind === "ok" && (again.text !== outcome.text || again.replayed !== true)) {
        o.log.violation(
          "idempotent-replay",
          `${driver.transport} ${req.tool} by ${spec.agentId} key ${key}: replay differs (replayed=${again.replayed})\n  first: ${outcome.text?.slice(0, 200)}\n  again: ${again.text?.slice(0, 200)}`,
        );
      } else if (again.kind === "error") {
        o.log.violation(
          "idempotent-replay",
          `${driver.transport} ${req.tool} by ${spec.agentId} key ${key}: replay failed with ${JSON.stringify(again.error)}`,
        );
      }
    }
    await sleep(outcome.kind === "refused" ? 50 : rand() * o.pauseMs);
  }
}

/**
 * What the load knows of an answer beyond the answer itself: every request it builds is valid input
 * (numeric strings, end and duration_minutes together, a hold's fields repeated), so a bad_request is
 * the server refusing valid input; a placement lands where the request (or the hold, or the booking's
 * own length) put it; a booking keeps the title, description and attendees sent.
 */
function checkAnswer(log: CallLog, spec: AgentSpec, driver: Driver, req: Request, out: Outcome): void {
  const where = `${driver.transport} ${req.tool} by ${spec.agentId} ${JSON.stringify(req.args).slice(0, 240)}`;
  if (out.kind === "error" && out.error?.error === "bad_request") {
    log.violation("valid-input-accepted", `${where}: ${JSON.stringify(out.error).slice(0, 300)}`);
    return;
  }
  if (out.kind !== "ok" || !out.body) return;
  const body = out.body;
  if ((body.verdict !== "Accept" && body.verdict !== "Preempt") || isDryRun(req.tool, req.args)) return;
  const placed = body.booking ?? body.hold;
  if (
    req.expect &&
    placed &&
    (Date.parse(placed.start) !== req.expect.start || Date.parse(placed.end) !== req.expect.end)
  )
    log.violation(
      "slot-as-requested",
      `${where}: ${req.expect.why}: wanted [${toInstant(req.expect.start)}, ${toInstant(req.expect.end)}), got [${placed.start}, ${placed.end})`,
    );
  if (req.details && body.booking) {
    const b = body.booking;
    const got = { title: b.title, description: b.description, attendees: b.attendees };
    if (JSON.stringify(got) !== JSON.stringify(req.details))
      log.violation(
        "booking-as-requested",
        `${where}: stored ${JSON.stringify(got).slice(0, 300)}, sent ${JSON.stringify(req.details).slice(0, 300)}`,
      );
  }
}

function ownersFor(spec: AgentSpec, owners: readonly OwnerPlan[], rand: () => number): OwnerPlan {
  // One call in twenty goes to an owner the agent may not act on: it must be refused (403).
  if (spec.owners === "*" || rand() < 0.05) return pick(rand, owners);
  const allowed = owners.filter((ow) => spec.owners.includes(ow.email));
  return pick(rand, allowed.length > 0 ? allowed : owners);
}

/** A start and a length, written as start + end, start + duration_minutes, or all three (agreeing). */
function slotOf(
  owner: OwnerPlan,
  rand: () => number,
): { start: number; end: number; span: Record<string, unknown> } {
  const start = pick(rand, owner.starts);
  const minutes = pick(rand, DURATIONS);
  const end = start + minutes * MINUTE;
  const r = rand();
  const span =
    r < 0.4
      ? { start: toInstant(start), end: toInstant(end) }
      : r < 0.8
        ? { start: toInstant(start), duration_minutes: whole(rand, minutes) }
        : { start: toInstant(start), end: toInstant(end), duration_minutes: whole(rand, minutes) };
  return { start, end, span };
}

function extras(owner: OwnerPlan, start: number, rand: () => number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (rand() < 0.15) out.meeting_class = pick(rand, CLASSES);
  if (Object.keys(owner.calendars).length > 1 && rand() < 0.5)
    out.calendar_type = pick(rand, Object.keys(owner.calendars));
  if (rand() < 0.3) out.alternatives_window = dayWindow(owner, start);
  return out;
}

function dayWindow(owner: OwnerPlan, at: number): { start: string; end: string } {
  const day = owner.days.find((d) => at >= d.start && at < d.end) ?? owner.days[0]!;
  return { start: toInstant(day.start), end: toInstant(day.end) };
}

const dryRun = (rand: () => number): Record<string, unknown> =>
  rand() < DRY_RUN_RATE ? { dry_run: true } : {};

function nextRequest(
  spec: AgentSpec,
  state: AgentState,
  owners: readonly OwnerPlan[],
  pool: Pool,
  rand: () => number,
  n: number,
): Request {
  const weights: [string, number][] = [
    ["check_availability", 12],
    ["create_hold", 12],
    ["create_booking", 22],
    ["confirm_hold", state.holds.size > 0 ? 12 : 0],
    ["reschedule_booking", state.bookings.size > 0 ? 9 : 0],
    ["cancel_booking", state.bookings.size > 0 ? 5 : 0],
    ["preempt", 8],
    ["release_hold", state.holds.size > 0 ? 4 : 0],
    ["get_notifications", 4],
    ["list_bookings", 3],
    ["get_free_busy", 3],
  ];
  const total = weights.reduce((s, [, w]) => s + w, 0);
  let r = rand() * total;
  let op = "create_booking";
  for (const [name, w] of weights) {
    if (r < w) {
      op = name;
      break;
    }
    r -= w;
  }
  const owner = ownersFor(spec, owners, rand);
  const title = `${spec.name} #${n}`;
  switch (op) {
    case "check_availability": {
      const start = pick(rand, owner.starts);
      const args: Record<string, unknown> = {
        owner_email: owner.email,
        duration_minutes: whole(rand, pick(rand, DURATIONS)),
        window: { start: toInstant(start), end: toInstant(start + (2 + Math.floor(rand() * 4)) * HOUR) },
        max_slots: whole(rand, 3),
      };
      const x = extras(owner, start, rand);
      delete x.alternatives_window;
      return { tool: op, args: { ...args, ...x }, write: true };
    }
    case "create_hold": {
      const s = slotOf(owner, rand);
      return {
        tool: op,
        args: {
          owner_email: owner.email,
          ...s.span,
          ttl_seconds: whole(rand, pick(rand, [30, 60, 300])),
          ...extras(owner, s.start, rand),
          ...dryRun(rand),
        },
        write: true,
      };
    }
    case "confirm_hold": {
      const holdId = pick(rand, [...state.holds.keys()]);
      const h = state.holds.get(holdId)!;
      // The hold's own fields may be repeated, as long as they agree with it (any spelling of them).
      const same: Record<string, unknown> = {};
      if (rand() < 0.3) same.owner_email = rand() < 0.5 ? h.owner.toUpperCase() : h.owner;
      if (rand() < 0.2) same.calendar_type = h.calendarType;
      if (rand() < 0.3) same.start = rand() < 0.5 ? toInstant(h.start) : withOffset(h.start, 330);
      if (rand() < 0.2) same.end = withOffset(h.end, -300);
      if (rand() < 0.2) same.duration_minutes = whole(rand, (h.end - h.start) / MINUTE);
      return {
        tool: "create_booking",
        args: { hold_id: holdId, title, ...same, ...dryRun(rand) },
        write: true,
        expect: { start: h.start, end: h.end, why: `confirming hold ${holdId}` },
        details: { title, description: null, attendees: [] },
      };
    }
    case "reschedule_booking": {
      const b = pick(rand, [...state.bookings.values()]);
      const ow = owners.find((x) => x.email === b.owner) ?? owner;
      const s = slotOf(ow, rand);
      const x = extras(ow, s.start, rand);
      const window = x.alternatives_window ? { alternatives_window: x.alternatives_window } : {};
      const reason = rand() < 0.2 ? { reason: "moved by the load" } : {};
      if (rand() < 0.3) {
        // A new start alone: the booking keeps its length.
        return {
          tool: op,
          args: { booking_id: b.id, start: toInstant(s.start), ...window, ...reason, ...dryRun(rand) },
          write: true,
          ...(state.uncertain.has(b.id)
            ? {}
            : {
                expect: {
                  start: s.start,
                  end: s.start + (b.end - b.start),
                  why: "a new start keeps the length",
                },
              }),
        };
      }
      return {
        tool: op,
        args: { booking_id: b.id, ...s.span, ...window, ...reason, ...dryRun(rand) },
        write: true,
      };
    }
    case "cancel_booking": {
      const b = pick(rand, [...state.bookings.values()]);
      return {
        tool: op,
        args: { booking_id: b.id, ...(rand() < 0.5 ? { reason: "plans changed" } : {}) },
        write: true,
      };
    }
    case "preempt": {
      const victim = pool.pick(rand);
      if (!victim) break;
      const args: Record<string, unknown> = { booking_id: victim.id, title };
      const start = victim.start + pick(rand, [-1, 0, 1]) * 15 * MINUTE;
      const length = victim.end - victim.start;
      const form = rand();
      // No start: the victim's slot; a start alone: the victim's length; or start + end / duration.
      if (form < 0.2) args.start = toInstant(start);
      else if (form < 0.35) {
        args.start = toInstant(start);
        args.duration_minutes = whole(rand, length / MINUTE);
      } else if (form < 0.5) {
        args.start = toInstant(start);
        args.end = toInstant(start + length);
      }
      if (rand() < 0.3) args.meeting_class = pick(rand, CLASSES);
      return { tool: op, args: { ...args, ...dryRun(rand) }, write: true };
    }
    case "release_hold":
      return { tool: op, args: { hold_id: pick(rand, [...state.holds.keys()]) }, write: true };
    case "get_notifications":
      return { tool: op, args: { limit: whole(rand, 50) }, write: false };
    case "list_bookings": {
      const day = pick(rand, owner.days);
      return {
        tool: op,
        args: {
          owner_email: owner.email,
          limit: whole(rand, 20),
          ...(rand() < 0.5 ? { status: "confirmed" } : {}),
          ...(rand() < 0.5 ? { window: { start: toInstant(day.start), end: toInstant(day.end) } } : {}),
        },
        write: false,
      };
    }
    case "get_free_busy": {
      const day = pick(rand, owner.days);
      return {
        tool: op,
        args: { owner_email: owner.email, window: { start: toInstant(day.start), end: toInstant(day.end) } },
        write: false,
      };
    }
  }
  const s = slotOf(owner, rand);
  const attendees =
    rand() < 0.3
      ? [
          `guest${n % 7}@example.com`,
          ...(rand() < 0.5
            ? [{ email: `Host${n % 3}@Example.com`, name: "Host", time_zone: "Europe/Paris" }]
            : []),
        ]
      : undefined;
  const description = rand() < 0.25 ? (rand() < 0.8 ? `  agenda #${n}\n` : "   ") : undefined;
  return {
    tool: "create_booking",
    args: {
      owner_email: owner.email,
      ...s.span,
      title,
      ...(attendees ? { attendees } : {}),
      ...(description !== undefined ? { description } : {}),
      ...extras(owner, s.start, rand),
      ...dryRun(rand),
    },
    write: true,
    details: {
      title,
      description: description?.trim() || null,
      attendees: (attendees ?? []).map((a) =>
        typeof a === "string"
          ? { email: a, name: null, time_zone: null }
          : { email: a.email.toLowerCase(), name: a.name, time_zone: a.time_zone },
      ),
    },
  };
}

/** What the agent learns from an answer: its holds and bookings, and others' bookings for the pool. */
function learn(state: AgentState, req: Request, outcome: Outcome, pool: Pool): void {
  if (req.tool === "reschedule_booking" && (outcome.kind === "lost" || outcome.kind === "refused"))
    state.uncertain.add(String(req.args.booking_id));
  // A cancel whose answer was lost to a kill may have happened: the booking is not used again (a
  // reschedule of it would be refused as cancelled, rightly, and read as valid input refused).
  if (req.tool === "cancel_booking" && (outcome.kind === "lost" || outcome.kind === "refused"))
    state.bookings.delete(String(req.args.booking_id));
  if (outcome.kind === "error") {
    const field = outcome.error?.details?.[0]?.field;
    const e = outcome.error?.error;
    if (e === "not_found" || e === "bad_request" || e === "conflict") {
      if (field === "hold_id") state.holds.delete(String(req.args.hold_id));
      if (field === "booking_id") state.bookings.delete(String(req.args.booking_id));
    }
    return;
  }
  if (outcome.kind !== "ok" || !outcome.body) return;
  const body = outcome.body;
  const notes: any[] = [...(body.pending_notifications ?? []), ...(body.notifications ?? [])];
  const holdOf = (h: any, fromCheck = false): HeldInfo => ({
    owner: h.owner_email,
    fromCheck,
    calendarType: h.calendar_type,
    start: Date.parse(h.start),
    end: Date.parse(h.end),
  });
  for (const note of notes) {
    if (note.type === "booking.preempted") {
      const b = state.bookings.get(note.booking_id);
      if (b) b.status = "needs_reschedule";
      if (note.landing_hold) state.holds.set(note.landing_hold.hold_id, holdOf(note.landing_hold));
    }
    if (note.type === "hold.preempted" || note.type === "hold.expired") state.holds.delete(note.hold_id);
  }
  if (req.tool === "cancel_booking" && body.booking) state.bookings.delete(body.booking.booking_id);
  if (req.tool === "release_hold") state.holds.delete(String(req.args.hold_id));
  // A new check of an owner releases the agent's check-hold there (when it may hold at all).
  if (req.tool === "check_availability" && typeof body.verdict === "string") {
    const owner = String(req.args.owner_email).toLowerCase();
    for (const [id, h] of state.holds) if (h.fromCheck && h.owner === owner) state.holds.delete(id);
  }
  // A dry run holds and books nothing: there is nothing to learn from it.
  if ((body.verdict === "Accept" || body.verdict === "Preempt") && !isDryRun(req.tool, req.args)) {
    if (req.tool === "create_booking" && typeof req.args.hold_id === "string")
      state.holds.delete(req.args.hold_id);
    if (body.hold) state.holds.set(body.hold.hold_id, holdOf(body.hold, req.tool === "check_availability"));
    if (body.booking) {
      const b = body.booking;
      const known = {
        id: b.booking_id,
        owner: b.owner_email,
        start: Date.parse(b.start),
        end: Date.parse(b.end),
      };
      state.bookings.set(b.booking_id, { ...known, status: b.status });
      state.uncertain.delete(b.booking_id);
      pool.add(known);
    }
  }
  if (req.tool === "list_bookings") {
    for (const b of body.bookings ?? []) {
      if (b.status === "confirmed") {
        pool.add({
          id: b.booking_id,
          owner: b.owner_email,
          start: Date.parse(b.start),
          end: Date.parse(b.end),
        });
      }
    }
  }
}
