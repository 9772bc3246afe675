// The application layer as the tools receive it: one object holding the dependencies, whose methods
// are the use cases. Each lives in the module named after it; one tool call is one transaction
// (decisions.ts) that reads the owner's snapshot, asks the pure arbiter (arbitration.ts), commits the
// outcome, appends the decision, and delivers notifications.
import type { Kysely } from "kysely";
import type {
  CancelBookingInput,
  CheckAvailabilityInput,
  CreateBookingInput,
  CreateHoldInput,
  FindCommonSlotsInput,
  GetFreeBusyInput,
  ListBookingsInput,
  ListHoldsInput,
  PreemptInput,
  ReleaseHoldInput,
  RescheduleBookingInput,
  SetRulesInput,
} from "../../schemas/tools.js";
import type { ManageWebhooksInput } from "../../schemas/webhooks.js";
import type { Database } from "../ledger/tables.js";
import { checkAvailability } from "./availability.js";
import { cancelBooking, createBooking, rescheduleBooking } from "./bookings.js";
import type { Caller, Scope } from "./caller.js";
import {
  openScheduling,
  type Scheduling,
  type ServiceDeps,
  type ToolResult,
  type Tx,
  takeNotifications,
} from "./decisions.js";
import { createHold, listHolds, releaseHold } from "./holds.js";
import type { LoadedPolicy } from "./policy.js";
import { preempt } from "./preemption.js";
import { findCommonSlots, getBooking, getFreeBusy, listBookings } from "./reads.js";
import { deleteRules, getRules, setRules } from "./rules.js";
import { runTool } from "./run-tool.js";
import { sweepExpiredHolds } from "./schedule-writes.js";
import { manageWebhooks } from "./webhooks/manage.js";
import { whoami } from "./whoami.js";

export type { DecisionLine, ServiceDeps, ToolResult, Tx, VerdictBody } from "./decisions.js";

/** The use cases the tools call; each method's result type is that of the function it delegates to. */
export class SchedulingService {
  readonly #s: Scheduling;

  constructor(deps: ServiceDeps) {
    this.#s = openScheduling(deps);
  }

  /** Resolves once every decision committed so far is on disk, for acting on them outside the ledger. */
  durable(): Promise<void> {
    return this.#s.commits.durable();
  }

  get policy(): LoadedPolicy {
    return this.#s.deps.policy;
  }

  get db(): Kysely<Database> {
    return this.#s.deps.db;
  }

  now(): number {
    return this.#s.deps.now();
  }

  /**
   * Runs one tool call: idempotency check, the operation, pending notifications, idempotency record,
   * all in one transaction. `input` is the validated input; its `idempotency_key`, if any, is honoured.
   */
  run(
    caller: Caller,
    tool: string,
    input: Readonly<Record<string, unknown>>,
    op: (tx: Tx) => Promise<object>,
    options?: { deliverNotifications?: boolean; scopes?: readonly Scope[]; writes?: boolean },
  ): Promise<ToolResult> {
    return runTool(this.#s, caller, tool, input, op, options);
  }

  /** The caller's own webhook subscriptions and their deliveries (manage_webhooks). */
  manageWebhooks(tx: Tx, input: ManageWebhooksInput) {
    return manageWebhooks(tx, this.#s.deps.webhooks, input);
  }

  /** Undelivered notifications of the caller, oldest first, marked delivered. */
  takeNotifications(tx: Tx, limit: number) {
    return takeNotifications(this.#s, tx, limit);
  }

  /** Expires every hold past its `expires_at` and tells its agent (schedule-writes.ts says when it looks). */
  sweepExpiredHolds(tx: Tx) {
    return sweepExpiredHolds(this.#s, tx);
  }

  // ---- arbitrated tools: each appends a decision row -------------------------------------------

  checkAvailability(tx: Tx, input: CheckAvailabilityInput) {
    return checkAvailability(this.#s, tx, input);
  }

  createHold(tx: Tx, input: CreateHoldInput) {
    return createHold(this.#s, tx, input);
  }

  createBooking(tx: Tx, input: CreateBookingInput) {
    return createBooking(this.#s, tx, input);
  }

  preempt(tx: Tx, input: PreemptInput) {
    return preempt(this.#s, tx, input);
  }

  rescheduleBooking(tx: Tx, input: RescheduleBookingInput) {
    return rescheduleBooking(this.#s, tx, input);
  }

  // ---- plain tools -------------------------------------------------------------------------------

  releaseHold(tx: Tx, input: ReleaseHoldInput) {
    return releaseHold(this.#s, tx, input);
  }

  cancelBooking(tx: Tx, input: CancelBookingInput) {
    return cancelBooking(this.#s, tx, input);
  }

  listBookings(tx: Tx, input: ListBookingsInput) {
    return listBookings(this.#s, tx, input);
  }

  getBooking(tx: Tx, bookingId: string) {
    return getBooking(this.#s, tx, bookingId);
  }

  listHolds(tx: Tx, input: ListHoldsInput) {
    return listHolds(this.#s, tx, input);
  }

  whoami(tx: Tx) {
    return whoami(this.#s, tx);
  }

  getFreeBusy(tx: Tx, input: GetFreeBusyInput) {
    return getFreeBusy(this.#s, tx, input);
  }

  findCommonSlots(tx: Tx, input: FindCommonSlotsInput) {
    return findCommonSlots(this.#s, tx, input);
  }

  getRules(tx: Tx, calendarId: string) {
    return getRules(tx, calendarId);
  }

  setRules(tx: Tx, input: SetRulesInput) {
    return setRules(this.#s, tx, input);
  }

  deleteRules(tx: Tx, calendarId: string) {
    return deleteRules(this.#s, tx, calendarId);
  }
}
