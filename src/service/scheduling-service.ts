// The application layer: one tool call = one BEGIN IMMEDIATE transaction that reads the owner's
// snapshot, asks the pure arbiter, commits the outcome, appends the decision, and delivers notifications.
import { createHash } from "node:crypto";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import { AvailabilityRules } from "../../schemas/rules.js";
import { toEpochMs, toInstant } from "../../schemas/time.js";
import type {
  CheckAvailabilityInput,
  CreateBookingInput,
  CreateHoldInput,
  FindCommonSlotsInput,
  GetFreeBusyInput,
  ListBookingsInput,
  PreemptInput,
  RescheduleBookingInput,
  SetRulesInput,
} from "../../schemas/tools.js";
import type { Alternative, Booking, Displaced, Hold, Notification, Slot } from "../../schemas/wire.js";
import {
  type ArbitrationRequest,
  arbitrate,
  type BusyItem,
  type Verdict as CoreVerdict,
} from "../core/arbiter.js";
import {
  type Bookable,
  bookableTime,
  busyBlocks,
  findFreeSlots,
  type SlotQuery,
  slotsOn,
} from "../core/free-slots.js";
import { type Interval, intersect, subtract } from "../core/interval.js";
import { type CompiledRules, compileRules, openRules } from "../core/rules.js";
import { localDaysBetween } from "../core/zoned-time.js";
import {
  findIdempotency,
  insertDecision,
  saveIdempotency,
  takePendingNotifications,
} from "../ledger/audit.repository.js";
import { type ChangeTracker, StampedCache } from "../ledger/change-tracker.js";
import { GroupCommit } from "../ledger/group-commit.js";
import { newId } from "../ledger/ids.js";
import { enqueueOutbox } from "../ledger/outbox.repository.js";
import {
  findCalendarById,
  findOwnerByEmail,
  findOwnerById,
  setCalendarRules,
} from "../ledger/owners.repository.js";
import {
  expireHolds,
  findBooking,
  findHold,
  insertBooking,
  insertHold,
  listBookings,
  ownerSnapshot,
  updateBooking,
  updateHold,
} from "../ledger/schedule.repository.js";
import type { BookingRow, CalendarRow, Database, HoldRow, OwnerRow } from "../ledger/tables.js";
import { DurabilityError, type WalFlush } from "../ledger/wal-flush.js";
import { type Caller, hasScope, requireOwner } from "./caller.js";
import { OpenavailError } from "./errors.js";
import {
  notFound,
  ownBooking,
  ownHold,
  requireCalendarTypeName,
  requireConfirmable,
  visibleBooking,
  visibleCalendar,
} from "./lookups.js";
import { notifyAgent } from "./notify.js";
import { OwnerDirectory } from "./owner-directory.js";
import { canonicalJson, type LoadedPolicy, resolveMeetingClass } from "./policy.js";
import {
  type NotificationPayload,
  presentBooking,
  presentHold,
  presentNotification,
  presentSlot,
} from "./present.js";

const MINUTE = 60_000;
const DAY = 86_400_000;
const IDEMPOTENCY_TTL_MS = DAY;
const DEFAULT_HOLD_TTL_S = 300;
/** Landing holds wait for a displaced agent that may not poll soon, so they get the longest TTL. */
const LANDING_HOLD_TTL_S = 3600;
const DEFAULT_GRANULARITY_MS = 15 * MINUTE;
/** Snapshots reach this far around a request so daily caps and buffers see whole local days. */
const SNAPSHOT_MARGIN_MS = 2 * DAY;

export interface ServiceDeps {
  readonly db: Kysely<Database>;
  /** The ledger's change tracker (Ledger.changes), which keeps the rarely changed rows' caches honest. */
  readonly changes: ChangeTracker;
  /** The ledger's off-event-loop fsync for group commits (Ledger.walFlush), when it has one. */
  readonly walFlush?: WalFlush | null;
  readonly policy: LoadedPolicy;
  /** The only clock: injected so that tests decide what "now" is. */
  readonly now: () => number;
  readonly logger: Logger;
  /**
   * Brings provider mirrors of these owners up to date when stale; called before the transaction so
   * the write lock is never held while waiting on a provider. Must not throw.
   */
  readonly refresh?: (ownerEmails: readonly string[]) => Promise<void>;
  /** A provider calendar whose mirror is older than this answers with warning PROVIDER_STALE. */
  readonly staleAfterMs?: number;
}

const DEFAULT_STALE_AFTER_MS = 5 * MINUTE;

/** The context an operation runs in: the open transaction, the caller, and the instant of the call. */
export interface Tx {
  readonly trx: Kysely<Database>;
  readonly caller: Caller;
  readonly now: number;
  readonly tool: string;
  /** Decision lines to log once the transaction has committed. */
  readonly decisions: DecisionLine[];
  /** performance.now() when the call arrived, for the decision row's latency_us. */
  readonly startedAt: number;
}

/** What the log says of a decision: identifiers and codes only, never a key, a title or a body. */
export interface DecisionLine {
  readonly decision_id: string;
  readonly agent_id: string;
  /** The key's public prefix, as in the decisions table. */
  readonly key_prefix: string | null;
  readonly tool: string;
  readonly owner_id: string;
  readonly verdict: string;
  readonly reason_code: string | null;
  readonly booking_id: string | null;
  readonly hold_id: string | null;
  readonly displaced: readonly string[];
}

export interface ToolResult {
  /** The response body as sent; replays return these exact bytes. */
  readonly json: string;
  readonly replayed: boolean;
}

export interface VerdictBody {
  decision_id: string;
  verdict: CoreVerdict["verdict"];
  reason_code: string | null;
  booking: Booking | null;
  hold: Hold | null;
  alternatives: Alternative[];
  displaced: Displaced[];
  resolved_calendar_type: string | null;
  warnings: string[];
  slots?: Slot[];
}

interface Target {
  owner: OwnerRow;
  calendar: CalendarRow;
  rules: CompiledRules;
  warnings: string[];
}

export class SchedulingService {
  readonly #deps: ServiceDeps;
  /** Every tool call's transaction; calls that queue up share one commit (group commit). */
  readonly #commits: GroupCommit;
  /**
   * Decision lines hold only the fields of DecisionLine, none of them secret, so they skip the
   * logger's redaction: it cost ~30 µs a line against ~5 µs without, a twentieth of a REST booking.
   */
  readonly #decisionLog: Logger;
  readonly #owners: OwnerDirectory;
  /**
   * Agents known to have no pending notification, with the moment that was read: the check every
   * result makes costs nothing until a notification is written (change-tracker.ts).
   */
  readonly #nothingPending: StampedCache<true>;

  constructor(deps: ServiceDeps) {
    this.#deps = deps;
    this.#commits = new GroupCommit(deps.db, { walFlush: deps.walFlush ?? null });
    this.#decisionLog = deps.logger.child({}, { redact: { paths: [] } });
    this.#owners = new OwnerDirectory(deps.changes);
    this.#nothingPending = new StampedCache(deps.changes, ["notifications"], 10_000);
  }

  /** Resolves once every decision committed so far is on disk, for acting on them outside the ledger. */
  durable(): Promise<void> {
    return this.#commits.durable();
  }

  get policy(): LoadedPolicy {
    return this.#deps.policy;
  }

  get db(): Kysely<Database> {
    return this.#deps.db;
  }

  now(): number {
    return this.#deps.now();
  }

  /**
   * Runs one tool call: idempotency check, the operation, pending notifications, idempotency record,
   * all in one transaction. `input` is the validated input; its `idempotency_key`, if any, is honoured.
   */
  async run(
    caller: Caller,
    tool: string,
    input: Readonly<Record<string, unknown>>,
    op: (tx: Tx) => Promise<object>,
    options: { deliverNotifications?: boolean } = {},
  ): Promise<ToolResult> {
    const started = performance.now();
    const { idempotency_key: rawKey, ...request } = input;
    const key = typeof rawKey === "string" ? rawKey : undefined;
    const fingerprint = key ? sha256(canonicalJson({ tool, input: request })) : "";
    const decisions: DecisionLine[] = [];
    if (this.#deps.refresh) await this.#deps.refresh(ownerEmailsOf(request));
    const result = await this.#commits
      .run(async (trx): Promise<ToolResult> => {
        const now = this.#deps.now();
        if (key) {
          const prior = await findIdempotency(trx, caller.agentId, key);
          if (prior && prior.created_at > now - IDEMPOTENCY_TTL_MS) {
            if (prior.fingerprint !== fingerprint) {
              throw new OpenavailError(
                "idempotency_key_reused",
                `Idempotency key "${key}" was already used for a different request; use a new key for a new request.`,
              );
            }
            return { json: prior.response_json, replayed: true };
          }
        }
        const tx: Tx = { trx, caller, now, tool, decisions, startedAt: started };
        const value = await op(tx);
        const body =
          options.deliverNotifications === false
            ? value
            : { ...value, pending_notifications: await this.takeNotifications(tx, 100) };
        const json = JSON.stringify(body);
        if (key) {
          await saveIdempotency(trx, {
            agent_id: caller.agentId,
            key,
            fingerprint,
            response_json: json,
            created_at: now,
          });
        }
        return { json, replayed: false };
      })
      .catch((err: unknown) => {
        // Said as it is: the generic internal error would claim the request was not applied.
        if (err instanceof DurabilityError) {
          this.#deps.logger.error({ err }, "the ledger's write-ahead log could not be fsynced");
          throw new OpenavailError("internal", err.message);
        }
        throw err;
      });
    const latencyMs = Math.round((performance.now() - started) * 1000) / 1000;
    for (const d of decisions) this.#decisionLog.info({ ...d, latency_ms: latencyMs }, "decision");
    return result;
  }

  /** Undelivered notifications of the caller, oldest first, marked delivered. */
  async takeNotifications(tx: Tx, limit: number): Promise<Notification[]> {
    const { agentId } = tx.caller;
    if (this.#nothingPending.get(agentId)) return [];
    const stamp = this.#nothingPending.stamp();
    const rows = await takePendingNotifications(tx.trx, agentId, tx.now, limit);
    if (rows.length > 0) this.#nothingPending.delete(agentId);
    else this.#nothingPending.set(agentId, stamp, true);
    return rows.map(presentNotification);
  }

  // ---- arbitrated tools ------------------------------------------------------------------------

  async checkAvailability(tx: Tx, input: CheckAvailabilityInput): Promise<VerdictBody> {
    const target = await this.target(tx, input.owner_email, input.calendar_type);
    const meetingClass = this.meetingClass(tx.caller, input.meeting_class);
    const window = spanOf(input.window.start, input.window.end);
    await this.sweepExpiredHolds(tx);
    const items = await this.snapshot(tx, target.owner.id, window);
    const slotsFound = findFreeSlots(slotQuery(tx, target, items, window, input), input.max_slots);
    const wantHold = input.hold ?? hasScope(tx.caller, "create_holds");
    if (wantHold && !hasScope(tx.caller, "create_holds")) {
      throw new OpenavailError(
        "forbidden",
        "hold: true needs the create_holds scope; omit hold or ask for the scope.",
      );
    }
    let hold: HoldRow | null = null;
    const first = slotsFound[0];
    if (wantHold && first) hold = await this.addHold(tx, target, first, meetingClass, DEFAULT_HOLD_TTL_S);
    const tz = target.rules.timeZone;
    const body: VerdictBody = {
      ...this.emptyVerdict(target),
      verdict: first ? "Accept" : "Reject",
      reason_code: first ? null : "NO_CAPACITY",
      hold: hold ? presentHold(hold, target.owner, target.calendar, tz) : null,
      slots: slotsFound.map((s) => presentSlot(s, tz)),
    };
    return this.recordDecision(tx, target.owner.id, input, body);
  }

  async createHold(tx: Tx, input: CreateHoldInput): Promise<VerdictBody> {
    const target = await this.target(tx, input.owner_email, input.calendar_type);
    const slot = requestedSpan(input);
    const meetingClass = this.meetingClass(tx.caller, input.meeting_class);
    return this.decide(tx, target, input, {
      request: this.arbitrationRequest(tx, slot, meetingClass, input.window),
      exclude: null,
      commit: async () => ({
        hold: await this.addHold(tx, target, slot, meetingClass, input.ttl_seconds),
      }),
    });
  }

  async createBooking(tx: Tx, input: CreateBookingInput): Promise<VerdictBody> {
    let target: Target;
    let slot: Interval;
    let hold: HoldRow | null = null;
    if (input.hold_id !== undefined) {
      hold = await ownHold(tx.trx, tx.caller, input.hold_id);
      const owner = (await findOwnerById(tx.trx, hold.owner_id))!;
      requireOwner(tx.caller, owner.email);
      requireConfirmable(hold, tx.now);
      const calendar = (await findCalendarById(tx.trx, hold.calendar_id))!;
      target = this.targetOf(tx, owner, calendar);
      slot = { start: hold.start_ms, end: hold.end_ms };
    } else {
      target = await this.target(tx, input.owner_email!, input.calendar_type);
      slot = requestedSpan({ start: input.start!, end: input.end, duration_minutes: input.duration_minutes });
    }
    const meetingClass = this.meetingClass(tx.caller, input.meeting_class ?? hold?.meeting_class);
    const fromHold = hold;
    return this.decide(tx, target, input, {
      request: this.arbitrationRequest(tx, slot, meetingClass, input.window),
      exclude: fromHold?.id ?? null,
      commit: async () => {
        const booking = await this.addBooking(
          tx,
          target,
          slot,
          meetingClass,
          input.title,
          input.attendees,
          fromHold,
        );
        if (fromHold) await updateHold(tx.trx, fromHold.id, { status: "confirmed", updated_at: tx.now });
        return { booking };
      },
    });
  }

  async preempt(tx: Tx, input: PreemptInput): Promise<VerdictBody> {
    const { booking: victim, owner } = await visibleBooking(tx.trx, tx.caller, input.booking_id);
    const calendar = (await findCalendarById(tx.trx, victim.calendar_id))!;
    const target = this.targetOf(tx, owner, calendar);
    const slot =
      input.start !== undefined && input.end !== undefined
        ? requestedSpan({ start: input.start, end: input.end })
        : { start: victim.start_ms, end: victim.end_ms };
    const meetingClass = this.meetingClass(tx.caller, input.meeting_class);
    return this.decide(tx, target, input, {
      request: { ...this.arbitrationRequest(tx, slot, meetingClass, undefined), displaceOnly: victim.id },
      exclude: null,
      commit: async () => ({
        booking: await this.addBooking(tx, target, slot, meetingClass, input.title, input.attendees, null),
      }),
    });
  }

  async rescheduleBooking(tx: Tx, input: RescheduleBookingInput): Promise<VerdictBody> {
    const booking = await ownBooking(tx.trx, tx.caller, input.booking_id);
    if (booking.status === "cancelled") {
      throw new OpenavailError(
        "bad_request",
        `Booking ${booking.id} is cancelled; create a new booking instead.`,
        {
          details: [{ field: "booking_id", message: "booking is cancelled" }],
        },
      );
    }
    const owner = (await findOwnerById(tx.trx, booking.owner_id))!;
    requireOwner(tx.caller, owner.email);
    const calendar = (await findCalendarById(tx.trx, booking.calendar_id))!;
    const target = this.targetOf(tx, owner, calendar);
    const slot = requestedSpan(input);
    return this.decide(tx, target, input, {
      request: this.arbitrationRequest(tx, slot, booking.meeting_class, input.window),
      exclude: booking.id,
      commit: async () => {
        await updateBooking(tx.trx, booking.id, {
          start_ms: slot.start,
          end_ms: slot.end,
          status: "confirmed",
          updated_at: tx.now,
        });
        await this.writeThrough(tx, calendar, booking.id, "upsert");
        return { booking: (await findBooking(tx.trx, booking.id))! };
      },
    });
  }

  // ---- plain tools -------------------------------------------------------------------------------

  async releaseHold(tx: Tx, holdId: string): Promise<{ hold: Hold }> {
    // A hold past expires_at is expired, swept or not: releasing it must not relabel it "released".
    await this.sweepExpiredHolds(tx);
    const hold = await ownHold(tx.trx, tx.caller, holdId);
    const owner = (await findOwnerById(tx.trx, hold.owner_id))!;
    requireOwner(tx.caller, owner.email);
    if (hold.status === "active") {
      await updateHold(tx.trx, hold.id, { status: "released", updated_at: tx.now });
    }
    const calendar = (await findCalendarById(tx.trx, hold.calendar_id))!;
    const current = (await findHold(tx.trx, hold.id))!;
    return { hold: presentHold(current, owner, calendar, this.targetOf(tx, owner, calendar).rules.timeZone) };
  }

  async cancelBooking(tx: Tx, bookingId: string): Promise<{ booking: Booking }> {
    const booking = await ownBooking(tx.trx, tx.caller, bookingId);
    const owner = (await findOwnerById(tx.trx, booking.owner_id))!;
    requireOwner(tx.caller, owner.email);
    if (booking.status !== "cancelled") {
      await updateBooking(tx.trx, booking.id, { status: "cancelled", updated_at: tx.now });
    }
    const calendar = (await findCalendarById(tx.trx, booking.calendar_id))!;
    if (booking.status !== "cancelled") await this.writeThrough(tx, calendar, booking.id, "cancel");
    const current = (await findBooking(tx.trx, booking.id))!;
    return {
      booking: presentBooking(current, owner, calendar, this.targetOf(tx, owner, calendar).rules.timeZone),
    };
  }

  async listBookings(
    tx: Tx,
    input: ListBookingsInput,
  ): Promise<{ bookings: Booking[]; next_cursor: string | null }> {
    let ownerIds: string[] | undefined;
    if (input.owner_email !== undefined) {
      requireOwner(tx.caller, input.owner_email);
      const owner = await findOwnerByEmail(tx.trx, input.owner_email);
      ownerIds = owner ? [owner.id] : [];
    } else if (tx.caller.owners !== "*") {
      ownerIds = [];
      for (const email of tx.caller.owners) {
        const owner = await findOwnerByEmail(tx.trx, email);
        if (owner) ownerIds.push(owner.id);
      }
    }
    const range =
      input.start !== undefined || input.end !== undefined
        ? {
            start: input.start !== undefined ? toEpochMs(input.start) : Number.MIN_SAFE_INTEGER,
            end: input.end !== undefined ? toEpochMs(input.end) : Number.MAX_SAFE_INTEGER,
          }
        : undefined;
    const after = input.cursor !== undefined ? decodeCursor(input.cursor) : undefined;
    const rows = await listBookings(tx.trx, {
      ...(ownerIds ? { ownerIds } : {}),
      ...(input.status ? { status: input.status } : {}),
      ...(range ? { range } : {}),
      ...(after ? { after } : {}),
      limit: input.limit + 1,
    });
    const page = rows.slice(0, input.limit);
    const bookings: Booking[] = [];
    // A page holds few distinct owners and calendars: look each up once, not once per row.
    const owners = new Map<string, OwnerRow>();
    const calendars = new Map<string, CalendarRow>();
    for (const row of page) {
      let owner = owners.get(row.owner_id);
      if (!owner) {
        owner = (await findOwnerById(tx.trx, row.owner_id))!;
        owners.set(row.owner_id, owner);
      }
      let calendar = calendars.get(row.calendar_id);
      if (!calendar) {
        calendar = (await findCalendarById(tx.trx, row.calendar_id))!;
        calendars.set(row.calendar_id, calendar);
      }
      bookings.push(presentBooking(row, owner, calendar, this.targetOf(tx, owner, calendar).rules.timeZone));
    }
    const last = page[page.length - 1];
    const nextCursor = rows.length > input.limit && last ? encodeCursor(last.start_ms, last.id) : null;
    return { bookings, next_cursor: nextCursor };
  }

  async getFreeBusy(
    tx: Tx,
    input: GetFreeBusyInput,
  ): Promise<{
    owner_email: string;
    timezone: string;
    busy: { start: string; end: string }[];
    warnings: string[];
  }> {
    const target = await this.target(tx, input.owner_email, undefined);
    const range = spanOf(input.start, input.end);
    const items = await this.snapshot(tx, target.owner.id, range);
    return {
      owner_email: target.owner.email,
      timezone: target.rules.timeZone,
      busy: busyBlocks(items, range).map((b) => ({ start: toInstant(b.start), end: toInstant(b.end) })),
      warnings: target.warnings,
    };
  }

  async findCommonSlots(
    tx: Tx,
    input: FindCommonSlotsInput,
  ): Promise<{ slots: { start: string; end: string }[]; warnings: string[] }> {
    const window = spanOf(input.window.start, input.window.end);
    const emails = [...new Set(input.owner_emails)];
    let common: Interval[] | null = null;
    let grid: Bookable | null = null;
    const warnings: string[] = [];
    for (const email of emails) {
      const target = await this.target(tx, email, undefined);
      warnings.push(...target.warnings);
      const items = await this.snapshot(tx, target.owner.id, window);
      const bookable = bookableTime(slotQuery(tx, target, items, window, input));
      // Each owner's days at their cap are simply not free for them; the first owner's grid aligns slots.
      const free = subtract(bookable.free, bookable.capped);
      grid ??= bookable;
      common = common === null ? free : intersect(common, free);
    }
    const slots = grid
      ? slotsOn(
          { ...grid, free: common ?? [], capped: [] },
          input.duration_minutes * MINUTE,
          input.granularity_minutes * MINUTE,
          input.max_slots,
        )
      : [];
    return { slots: slots.map((s) => ({ start: toInstant(s.start), end: toInstant(s.end) })), warnings };
  }

  async getRules(
    tx: Tx,
    calendarId: string,
  ): Promise<{ calendar_id: string; rules: AvailabilityRules | null }> {
    const { calendar } = await visibleCalendar(tx.trx, tx.caller, calendarId);
    return {
      calendar_id: calendar.id,
      rules: calendar.rules_json ? AvailabilityRules.parse(JSON.parse(calendar.rules_json)) : null,
    };
  }

  async setRules(
    tx: Tx,
    input: SetRulesInput,
  ): Promise<{ calendar_id: string; rules: AvailabilityRules | null }> {
    const { calendar } = await visibleCalendar(tx.trx, tx.caller, input.calendar_id);
    await setCalendarRules(tx.trx, calendar.id, JSON.stringify(input.rules));
    return { calendar_id: calendar.id, rules: input.rules };
  }

  async deleteRules(tx: Tx, calendarId: string): Promise<{ calendar_id: string; rules: null }> {
    const { calendar } = await visibleCalendar(tx.trx, tx.caller, calendarId);
    await setCalendarRules(tx.trx, calendar.id, null);
    return { calendar_id: calendar.id, rules: null };
  }

  // ---- the decision pipeline ---------------------------------------------------------------------

  private async decide(
    tx: Tx,
    target: Target,
    input: object,
    plan: {
      request: ArbitrationRequest;
      exclude: string | null;
      commit: () => Promise<{ booking?: BookingRow; hold?: HoldRow }>;
    },
  ): Promise<VerdictBody> {
    const { request } = plan;
    await this.sweepExpiredHolds(tx);
    const judge = (all: readonly BusyItem[]) =>
      arbitrate({
        request,
        items: plan.exclude ? all.filter((it) => it.id !== plan.exclude) : all,
        rules: target.rules,
        policy: this.#deps.policy.arbiter,
        now: tx.now,
      });
    // Most requests are accepted, and an Accept depends only on the items that could conflict and,
    // under a daily cap, on the slot's local day: read those first. Any other verdict needs whole
    // days (alternatives, landings), so it is decided again over them. The arbiter is pure and the
    // near items are all the wider snapshot holds in their range, so both agree on Accept.
    const near = await ownerSnapshot(tx.trx, target.owner.id, nearSpan(request.slot, target.rules), tx.now);
    let outcome = judge(near);
    if (outcome.verdict !== "Accept") {
      const span = decisionSpan(request, target.rules, near);
      outcome = judge(await ownerSnapshot(tx.trx, target.owner.id, span, tx.now));
    }
    const tz = target.rules.timeZone;
    const body: VerdictBody = {
      ...this.emptyVerdict(target),
      verdict: outcome.verdict,
      reason_code: outcome.reasonCode,
      alternatives: outcome.alternatives.map((a) => ({
        ...presentSlot(a, tz),
        reason_code: outcome.reasonCode ?? "",
      })),
    };
    if (outcome.verdict === "Accept" || outcome.verdict === "Preempt") {
      body.displaced = await this.displace(tx, target, outcome, request.meetingClass);
      const made = await plan.commit();
      if (made.booking) body.booking = presentBooking(made.booking, target.owner, target.calendar, tz);
      if (made.hold) body.hold = presentHold(made.hold, target.owner, target.calendar, tz);
    }
    return this.recordDecision(tx, target.owner.id, input, body);
  }

  /** Applies a Preempt: displaced bookings need rescheduling, holds are released, agents are told. */
  private async displace(
    tx: Tx,
    target: Target,
    outcome: CoreVerdict,
    winnerClass: string,
  ): Promise<Displaced[]> {
    const out: Displaced[] = [];
    const tz = target.rules.timeZone;
    for (const item of outcome.displaced) {
      const landing = outcome.landings.find((l) => l.itemId === item.id)?.slot ?? null;
      const agentId = item.agentId!;
      const meetingClass = item.meetingClass!;
      let landingHold: HoldRow | null = null;
      if (item.kind === "booking") {
        const row = (await findBooking(tx.trx, item.id))!;
        await updateBooking(tx.trx, item.id, { status: "needs_reschedule", updated_at: tx.now });
        const calendar = (await findCalendarById(tx.trx, row.calendar_id))!;
        await this.writeThrough(tx, calendar, item.id, "cancel");
        if (landing) {
          landingHold = await this.addHoldFor(
            tx,
            agentId,
            target.owner,
            calendar,
            landing,
            meetingClass,
            LANDING_HOLD_TTL_S,
          );
        }
        const payload: NotificationPayload = {
          message:
            `Your booking ${item.id} (${toInstant(item.start)}) for ${target.owner.email} was displaced by a ` +
            `${winnerClass} meeting and needs rescheduling.` +
            (landingHold
              ? ` A hold ${landingHold.id} was placed for you at ${toInstant(landingHold.start_ms)}; confirm it with create_booking(hold_id) before ${toInstant(landingHold.expires_at)}.`
              : " No other free slot was found that day; call check_availability to find one."),
          booking_id: item.id,
          hold_id: null,
          winner_class: winnerClass,
          landing_hold: landingHold ? presentHold(landingHold, target.owner, calendar, tz) : null,
        };
        await this.notify(tx, agentId, "booking.preempted", payload);
      } else {
        await updateHold(tx.trx, item.id, { status: "released", updated_at: tx.now });
        await this.notify(tx, agentId, "hold.preempted", {
          message: `Your hold ${item.id} (${toInstant(item.start)}) for ${target.owner.email} was released for a ${winnerClass} meeting; call check_availability to find another slot.`,
          booking_id: null,
          hold_id: item.id,
          winner_class: winnerClass,
          landing_hold: null,
        });
      }
      out.push({
        kind: item.kind === "booking" ? "booking" : "hold",
        id: item.id,
        agent_id: agentId,
        start: toInstant(item.start),
        end: toInstant(item.end),
        meeting_class: meetingClass,
        landing_hold_id: landingHold?.id ?? null,
      });
    }
    return out;
  }

  private async recordDecision(
    tx: Tx,
    ownerId: string,
    input: object,
    body: VerdictBody,
  ): Promise<VerdictBody> {
    const { idempotency_key: _key, ...request } = input as Record<string, unknown>;
    const row = {
      id: body.decision_id,
      at: tx.now,
      agent_id: tx.caller.agentId,
      key_prefix: tx.caller.keyPrefix,
      tool: tx.tool,
      owner_id: ownerId,
      request_json: canonicalJson(request),
      verdict: body.verdict,
      reason_code: body.reason_code,
      booking_id: body.booking?.booking_id ?? null,
      hold_id: body.hold?.hold_id ?? null,
      alternatives_json: JSON.stringify(body.alternatives),
      displaced_json: JSON.stringify(body.displaced),
      policy_hash: this.#deps.policy.hash,
      // From the call's arrival (lock wait included) to the verdict; the commit comes after.
      latency_us: Math.max(1, Math.round((performance.now() - tx.startedAt) * 1000)),
    };
    await insertDecision(tx.trx, row);
    tx.decisions.push({
      decision_id: row.id,
      agent_id: row.agent_id,
      key_prefix: row.key_prefix,
      tool: row.tool,
      owner_id: ownerId,
      verdict: row.verdict,
      reason_code: row.reason_code,
      booking_id: row.booking_id,
      hold_id: row.hold_id,
      displaced: body.displaced.map((d) => d.id),
    });
    return body;
  }

  private emptyVerdict(target: Target): VerdictBody {
    return {
      decision_id: newId("dec"),
      verdict: "Reject",
      reason_code: null,
      booking: null,
      hold: null,
      alternatives: [],
      displaced: [],
      resolved_calendar_type: target.calendar.calendar_type,
      warnings: [...target.warnings],
    };
  }

  // ---- helpers -----------------------------------------------------------------------------------

  private arbitrationRequest(
    tx: Tx,
    slot: Interval,
    meetingClass: string,
    window: { start: string; end: string } | undefined,
  ): ArbitrationRequest {
    return {
      slot,
      ...(window ? { window: spanOf(window.start, window.end) } : {}),
      meetingClass,
      agentId: tx.caller.agentId,
      agentPriority: tx.caller.priority,
      canPreempt: hasScope(tx.caller, "preempt"),
      granularityMs: DEFAULT_GRANULARITY_MS,
    };
  }

  private async snapshot(tx: Tx, ownerId: string, span: Interval): Promise<BusyItem[]> {
    return ownerSnapshot(
      tx.trx,
      ownerId,
      { start: span.start - SNAPSHOT_MARGIN_MS, end: span.end + SNAPSHOT_MARGIN_MS },
      tx.now,
    );
  }

  /** Expires every hold past its `expires_at` and tells its agent. Cheap: one indexed lookup. */
  async sweepExpiredHolds(tx: Tx): Promise<number> {
    const expired = await expireHolds(tx.trx, tx.now);
    for (const h of expired) {
      await this.notify(tx, h.agent_id, "hold.expired", {
        message: `Your hold ${h.id} (${toInstant(h.start_ms)}) expired unconfirmed at ${toInstant(h.expires_at)}.`,
        booking_id: null,
        hold_id: h.id,
        winner_class: null,
        landing_hold: null,
      });
    }
    return expired.length;
  }

  /** Queues the provider write of a booking change; it commits (or not) with the decision. */
  private async writeThrough(
    tx: Tx,
    calendar: CalendarRow,
    bookingId: string,
    op: "upsert" | "cancel",
  ): Promise<void> {
    if (calendar.provider === "local") return;
    await enqueueOutbox(tx.trx, { booking_id: bookingId, calendar_id: calendar.id, op, now: tx.now });
  }

  private async notify(
    tx: Tx,
    agentId: string,
    type: Notification["type"],
    payload: NotificationPayload,
  ): Promise<void> {
    await notifyAgent(tx.trx, tx.now, agentId, type, payload);
  }

  private async addHold(
    tx: Tx,
    target: Target,
    slot: Interval,
    meetingClass: string,
    ttlSeconds: number,
  ): Promise<HoldRow> {
    return this.addHoldFor(
      tx,
      tx.caller.agentId,
      target.owner,
      target.calendar,
      slot,
      meetingClass,
      ttlSeconds,
    );
  }

  private async addHoldFor(
    tx: Tx,
    agentId: string,
    owner: OwnerRow,
    calendar: CalendarRow,
    slot: Interval,
    meetingClass: string,
    ttlSeconds: number,
  ): Promise<HoldRow> {
    const row: HoldRow = {
      id: newId("hld"),
      owner_id: owner.id,
      calendar_id: calendar.id,
      agent_id: agentId,
      start_ms: slot.start,
      end_ms: slot.end,
      meeting_class: meetingClass,
      status: "active",
      expires_at: tx.now + ttlSeconds * 1000,
      created_at: tx.now,
      updated_at: tx.now,
    };
    await insertHold(tx.trx, row);
    return row;
  }

  private async addBooking(
    tx: Tx,
    target: Target,
    slot: Interval,
    meetingClass: string,
    title: string,
    attendees: readonly string[],
    hold: HoldRow | null,
  ): Promise<BookingRow> {
    const row: BookingRow = {
      id: newId("bkg"),
      owner_id: target.owner.id,
      calendar_id: target.calendar.id,
      agent_id: tx.caller.agentId,
      start_ms: slot.start,
      end_ms: slot.end,
      title,
      attendees_json: JSON.stringify(attendees),
      meeting_class: meetingClass,
      status: "confirmed",
      hold_id: hold?.id ?? null,
      created_at: tx.now,
      updated_at: tx.now,
    };
    await insertBooking(tx.trx, row);
    await this.writeThrough(tx, target.calendar, row.id, "upsert");
    return row;
  }

  /** The owner and calendar a request acts on, after the owner check. */
  private async target(tx: Tx, ownerEmail: string, calendarType: string | undefined): Promise<Target> {
    requireOwner(tx.caller, ownerEmail);
    if (calendarType !== undefined) requireCalendarTypeName(calendarType, "calendar_type");
    const { owner, calendar } = await this.#owners.find(tx.trx, ownerEmail, calendarType);
    if (!owner) throw notFound("owner", ownerEmail, "owner_email");
    if (!calendar && calendarType !== undefined) {
      throw new OpenavailError("not_found", `${owner.email} has no ${calendarType} calendar.`, {
        details: [{ field: "calendar_type", message: `no calendar of type ${calendarType}` }],
      });
    }
    if (!calendar)
      throw new OpenavailError("not_found", `${owner.email} has no calendar yet; an admin must add one.`);
    return this.targetOf(tx, owner, calendar);
  }

  private targetOf(tx: Tx, owner: OwnerRow, calendar: CalendarRow): Target {
    const rules = calendar.rules_json ? compiledRules(calendar.rules_json) : openRules(owner.timezone);
    const warnings: string[] = [];
    if (calendar.status === "needs_reconnect") warnings.push("PROVIDER_NEEDS_RECONNECT");
    const staleAfter = this.#deps.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
    if (
      calendar.provider !== "local" &&
      (calendar.synced_at === null || tx.now - calendar.synced_at > staleAfter)
    ) {
      warnings.push("PROVIDER_STALE");
    }
    return { owner, calendar, rules, warnings };
  }

  private meetingClass(caller: Caller, requested: string | undefined): string {
    return resolveMeetingClass(this.#deps.policy, caller, requested);
  }
}

/** The owners a request names, so their provider mirrors can be refreshed before deciding. */
function ownerEmailsOf(request: Readonly<Record<string, unknown>>): string[] {
  const out: string[] = [];
  if (typeof request.owner_email === "string") out.push(request.owner_email);
  if (Array.isArray(request.owner_emails))
    for (const e of request.owner_emails) if (typeof e === "string") out.push(e);
  return out;
}

/** Compiled rules by their stored JSON: validating and compiling them costs ~0.1 ms a decision. */
const RULES_CACHE_SIZE = 1024;
const rulesCache = new Map<string, CompiledRules>();

/** The stored rules of a calendar, validated and compiled once per distinct JSON (immutable). */
function compiledRules(rulesJson: string): CompiledRules {
  let rules = rulesCache.get(rulesJson);
  if (!rules) {
    rules = compileRules(AvailabilityRules.parse(JSON.parse(rulesJson)));
    if (rulesCache.size >= RULES_CACHE_SIZE) rulesCache.delete(rulesCache.keys().next().value!);
    rulesCache.set(rulesJson, rules);
  }
  return rules;
}

/**
 * The instants whose items can decide an Accept of `slot`: those a conflict may come from (the slot
 * widened by the buffers) and, when a daily cap applies, the local day the slot starts in.
 */
function nearSpan(slot: Interval, rules: CompiledRules): Interval {
  let start = slot.start - rules.bufferAfterMs;
  let end = slot.end + rules.bufferBeforeMs;
  if (rules.maxBookingsPerDay !== null) {
    const [day] = localDaysBetween(rules.timeZone, slot.start, slot.start + 1);
    if (day) {
      start = Math.min(start, day.start);
      end = Math.max(end, day.end);
    }
  }
  return { start, end };
}

/**
 * Everything a verdict other than Accept reads: the whole local days (caps count per day) of the
 * slot, of the window alternatives are searched in (the slot's day when none is given), and of the
 * bookings that could be displaced (`near` holds every item that can conflict; a landing is searched
 * on the displaced booking's own day), widened by the buffers so items just outside still block.
 */
function decisionSpan(
  request: ArbitrationRequest,
  rules: CompiledRules,
  near: readonly BusyItem[],
): Interval {
  let lo = Math.min(request.slot.start, request.window?.start ?? request.slot.start);
  let hi = Math.max(request.slot.end, request.window?.end ?? request.slot.end);
  for (const it of near) {
    if (it.kind !== "booking") continue;
    lo = Math.min(lo, it.start);
    hi = Math.max(hi, it.end);
  }
  const days = localDaysBetween(rules.timeZone, lo, hi);
  const pad = Math.max(rules.bufferBeforeMs, rules.bufferAfterMs);
  return { start: days[0]!.start - pad, end: days[days.length - 1]!.end + pad };
}

/** The free-slot engine's question for one owner: their items and rules over a window. */
function slotQuery(
  tx: Tx,
  target: Target,
  items: readonly BusyItem[],
  window: Interval,
  size: { duration_minutes: number; granularity_minutes: number },
): SlotQuery {
  return {
    busy: items,
    rules: target.rules,
    window,
    durationMs: size.duration_minutes * MINUTE,
    granularityMs: size.granularity_minutes * MINUTE,
    now: tx.now,
    countedStarts: countedStarts(items),
  };
}

function countedStarts(items: readonly BusyItem[]): number[] {
  const out: number[] = [];
  for (const it of items) if (it.kind !== "external") out.push(it.start);
  return out;
}

function spanOf(start: string, end: string): Interval {
  return { start: toEpochMs(start), end: toEpochMs(end) };
}

function requestedSpan(input: {
  start: string;
  end?: string | undefined;
  duration_minutes?: number | undefined;
}): Interval {
  const start = toEpochMs(input.start);
  const end = input.end !== undefined ? toEpochMs(input.end) : start + (input.duration_minutes ?? 0) * MINUTE;
  if (end <= start) {
    throw new OpenavailError("bad_request", "end must be after start.", {
      details: [{ field: "end", message: "must be after start" }],
    });
  }
  if (end - start > DAY) {
    throw new OpenavailError("bad_request", "A meeting may last at most 24 hours (1440 minutes).", {
      details: [{ field: "end", message: "at most 1440 minutes after start" }],
    });
  }
  return { start, end };
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function encodeCursor(start: number, id: string): string {
  return Buffer.from(JSON.stringify([start, id])).toString("base64url");
}

function decodeCursor(cursor: string): { start: number; id: string } {
  try {
    const [start, id] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as [unknown, unknown];
    if (typeof start === "number" && Number.isSafeInteger(start) && typeof id === "string")
      return { start, id };
  } catch {
    // fall through to the error below
  }
  throw new OpenavailError(
    "bad_request",
    "cursor is not one this server issued; pass next_cursor unchanged.",
    {
      details: [{ field: "cursor", message: "invalid cursor" }],
    },
  );
}
