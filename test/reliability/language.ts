// The input language of issue 15, spoken on purpose, over REST and MCP alike (part of the hostile
// scenario, before its generated cases). Each case is checked for its answer and for what it wrote:
//
//  - a slot as start + end, start + duration_minutes, or both when they agree (numeric strings
//    included) lands exactly there; both disagreeing is a 400 naming duration_minutes that writes
//    nothing; a new start alone keeps a booking's length (reschedule_booking) or the victim's (preempt);
//  - create_booking with hold_id accepts the hold's own owner_email, calendar_type, start, end and
//    duration_minutes in any spelling (upper case, another UTC offset, "20") and refuses each that
//    contradicts the hold by name (400, that one field), writing nothing;
//  - dry_run on create_hold, create_booking, preempt and reschedule_booking answers the verdict the
//    call would get, with dry_run: true and an explanation, and appends its decision row and nothing
//    else: no hold, no booking, no displacement, no landing hold, no notification, no move;
//  - the verdict table: a hard rule is a Reject naming it (HARD_BLOCK, WORKING_HOURS), a slot taken
//    while the window has room a CounterPropose (CONFLICT); check_availability that finds nothing says
//    why (WORKING_HOURS, MIN_NOTICE, OUTSIDE_HORIZON, NO_CAPACITY), and a new check releases the
//    same agent's previous check-hold on that owner (and only there), answering hold_id and expires_at.
import type BetterSqlite3 from "better-sqlite3";
import { MINUTE, type Outcome } from "./common.js";
import type { Driver } from "./drivers.js";
import type { OwnerPlan } from "./fixture.js";
import type { CallLog } from "./load.js";
import { withOffset } from "./load.js";

export interface LanguageContext {
  readonly sqlite: BetterSqlite3.Database;
  readonly log: CallLog;
  /** The fuzzing agent (every scope, every owner, class interview, priority 5) over REST and MCP. */
  readonly fuzzer: { readonly id: string; readonly rest: Driver; readonly mcp: Driver };
  /** A second agent (focus_time, priority 0) whose bookings are there to be displaced or collided with. */
  readonly victim: { readonly id: string; readonly rest: Driver };
  /** alpha (UTC, no rules), bravo, charlie (Asia/Kolkata: 09:00-18:00, a 13:00-14:00 hard block a day). */
  readonly owners: readonly OwnerPlan[];
  fail(invariant: string, detail: string): void;
  tried(category: string): void;
  /** The whole ledger's fingerprint (hostile.ts's ledgerHash). */
  fingerprint(): string;
}

/**
 * The rows a dry run must leave as they were: every table but decisions (it appends its row) and
 * idempotency (a keyed call keeps its answer), without api_keys.last_used_at and notifications'
 * delivered_at (answers deliver what is pending). A hold past its expiry reads as expired: a sweep
 * may expire it on any call, which is no write of the dry run's.
 */
export function scheduleRows(sqlite: BetterSqlite3.Database): Record<string, Record<string, unknown>[]> {
  const tables = (
    sqlite
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .all() as { name: string }[]
  )
    .map((t) => t.name)
    .filter((t) => t !== "decisions" && t !== "idempotency" && !t.startsWith("kysely_"));
  const out: Record<string, Record<string, unknown>[]> = {};
  for (const t of tables) {
    const rows = sqlite.prepare(`SELECT * FROM "${t}" ORDER BY rowid`).all() as Record<string, unknown>[];
    for (const r of rows) {
      if (t === "api_keys") delete r.last_used_at;
      if (t === "notifications") delete r.delivered_at;
    }
    out[t] = rows;
  }
  return out;
}

/** scheduleRows as one string, holds due by `now` read as expired. */
export function scheduleFingerprint(rows: Record<string, Record<string, unknown>[]>, now: number): string {
  const holds = (rows.holds ?? []).map((h) =>
    (h.status === "active" || h.status === "expired") && (h.expires_at as number) <= now
      ? { ...h, status: "expired", updated_at: null }
      : h,
  );
  return JSON.stringify({ ...rows, holds });
}

export function maxDecisionSeq(sqlite: BetterSqlite3.Database): number {
  return (sqlite.prepare("SELECT coalesce(max(seq), 0) AS n FROM decisions").get() as { n: number }).n;
}

/**
 * What a dry run wrote beyond its own decision row, or undefined when nothing: `before` taken just
 * before it was sent. Its row names no booking or hold, and no landing hold.
 */
export function dryRunWrites(
  sqlite: BetterSqlite3.Database,
  before: { rows: Record<string, Record<string, unknown>[]>; seq: number },
  tool: string,
): string | undefined {
  const now = Date.now();
  const after = scheduleRows(sqlite);
  const changed = Object.keys({ ...before.rows, ...after }).filter(
    (t) =>
      scheduleFingerprint({ [t]: before.rows[t] ?? [] }, now) !==
      scheduleFingerprint({ [t]: after[t] ?? [] }, now),
  );
  if (changed.length > 0) return `changed ${changed.join(", ")}`;
  const rows = sqlite
    .prepare("SELECT tool, booking_id, hold_id, displaced_json, request_json FROM decisions WHERE seq > ?")
    .all(before.seq) as Record<string, string | null>[];
  if (rows.length !== 1) return `appended ${rows.length} decision rows, not 1`;
  const row = rows[0]!;
  const landings = (JSON.parse(row.displaced_json!) as { landing_hold_id: string | null }[]).filter(
    (d) => d.landing_hold_id !== null,
  );
  if (row.tool !== tool || row.booking_id !== null || row.hold_id !== null || landings.length > 0)
    return `its decision row says ${JSON.stringify({ tool: row.tool, booking_id: row.booking_id, hold_id: row.hold_id, landings })}`;
  if ((JSON.parse(row.request_json!) as { dry_run?: unknown }).dry_run !== true)
    return "its decision row's request does not say dry_run";
  return undefined;
}

const iso = (ms: number) => new Date(ms).toISOString();
const brief = (out: Outcome) =>
  `${out.kind} ${out.status} ${JSON.stringify(out.error ?? out.body ?? out.reason).slice(0, 300)}`;

export async function languageChecks(ctx: LanguageContext): Promise<void> {
  const { sqlite, log, fuzzer, victim } = ctx;
  const [alpha, bravo, charlie] = [ctx.owners[0]!, ctx.owners[1]!, ctx.owners[2]!];
  // alpha's second test day from UTC midnight (alpha is UTC and has no rules: any hour is free).
  const midnight = alpha.days[1]!.start - 8 * 60 * MINUTE;
  // charlie's second test day, local hours (days[] start at local 08:00).
  const kolkata = (h: number, m = 0) => charlie.days[1]!.start + ((h - 8) * 60 + m) * MINUTE;
  const at = (ms: number) => iso(ms).replace(".000Z", "Z");
  const hold = (id: string) =>
    sqlite.prepare("SELECT status, start_ms, end_ms FROM holds WHERE id = ?").get(id) as
      | { status: string; start_ms: number; end_ms: number }
      | undefined;
  const booking = (id: string) =>
    sqlite.prepare("SELECT status, start_ms, end_ms FROM bookings WHERE id = ?").get(id) as
      | { status: string; start_ms: number; end_ms: number }
      | undefined;

  const call = (driver: Driver, tool: string, args: Record<string, unknown>, who = fuzzer.id) =>
    log.call(who, driver, tool, args, { timeoutMs: 30_000 });

  /** A call that must place (Accept/Preempt) exactly [start, end). */
  const placed = async (
    category: string,
    label: string,
    driver: Driver,
    tool: string,
    args: Record<string, unknown>,
    want: { verdict?: string; start: number; end: number },
  ): Promise<Record<string, any> | undefined> => {
    ctx.tried(category);
    const out = await call(driver, tool, args);
    const verdict = want.verdict ?? "Accept";
    const item = out.body?.booking ?? out.body?.hold;
    if (out.kind !== "ok" || out.body?.verdict !== verdict || !item) {
      ctx.fail("language-accepted", `${driver.transport} ${label}: wanted ${verdict}, got ${brief(out)}`);
      return undefined;
    }
    if (Date.parse(item.start) !== want.start || Date.parse(item.end) !== want.end)
      ctx.fail(
        "language-slot",
        `${driver.transport} ${label}: wanted [${iso(want.start)}, ${iso(want.end)}), got [${item.start}, ${item.end})`,
      );
    return out.body;
  };

  /** A call that must be refused with 400 naming exactly `field`, writing nothing. */
  const refused = async (
    category: string,
    label: string,
    driver: Driver,
    tool: string,
    args: Record<string, unknown>,
    field: string,
  ) => {
    ctx.tried(category);
    const before = ctx.fingerprint();
    const out = await call(driver, tool, args);
    const fields = (out.error?.details ?? []).map((d) => d.field);
    if (out.kind !== "error" || out.status !== 400 || fields.length !== 1 || fields[0] !== field)
      ctx.fail(
        "language-refused",
        `${driver.transport} ${label}: wanted 400 naming ${field} alone, got ${brief(out)}`,
      );
    if (ctx.fingerprint() !== before)
      ctx.fail("rejection-writes-nothing", `${driver.transport} ${label} changed the database`);
  };

  /** A dry run that must answer `verdict` (and `reason`) and write nothing but its decision row. */
  const dry = async (
    label: string,
    driver: Driver,
    tool: string,
    args: Record<string, unknown>,
    want: { verdict: string; reason?: string | null },
  ): Promise<Record<string, any> | undefined> => {
    ctx.tried("dry run");
    const before = { rows: scheduleRows(sqlite), seq: maxDecisionSeq(sqlite) };
    const out = await call(driver, tool, { ...args, dry_run: true });
    const wrote = dryRunWrites(sqlite, before, tool);
    if (wrote) ctx.fail("dry-run-writes-nothing", `${driver.transport} ${label}: ${wrote}`);
    if (
      out.kind !== "ok" ||
      out.body?.verdict !== want.verdict ||
      (want.reason !== undefined && out.body.reason_code !== want.reason) ||
      out.body.dry_run !== true ||
      !out.body.explanation
    ) {
      ctx.fail(
        "dry-run-answer",
        `${driver.transport} ${label}: wanted a dry ${want.verdict} ${want.reason ?? ""}, got ${brief(out)}`,
      );
      return undefined;
    }
    return out.body;
  };

  /** An arbitrated call that must answer `verdict` with `reason`, placing nothing. */
  const verdictOf = async (
    label: string,
    driver: Driver,
    tool: string,
    args: Record<string, unknown>,
    want: { verdict: string; reason: string },
  ) => {
    ctx.tried("verdict table");
    const out = await call(driver, tool, args);
    if (out.kind !== "ok" || out.body?.verdict !== want.verdict || out.body.reason_code !== want.reason)
      ctx.fail(
        "verdict-table",
        `${driver.transport} ${label}: wanted ${want.verdict} ${want.reason}, got ${brief(out)}`,
      );
    return out;
  };

  // An exec meeting of the victim's on charlie (not preemptible by anyone): a slot taken for good.
  const exec = await call(victim.rest, "create_booking", {
    owner_email: charlie.email,
    start: at(kolkata(10)),
    duration_minutes: 60,
    title: "Exec",
    meeting_class: "exec_meeting",
  });
  if (exec.kind !== "ok" || exec.body?.verdict !== "Accept")
    throw new Error(`language set-up: the exec booking on charlie: ${brief(exec)}`);

  for (const [i, driver] of [fuzzer.rest, fuzzer.mcp].entries()) {
    const h0 = midnight + i * 12 * 60 * MINUTE;
    const t = (h: number, m = 0) => h0 + (h * 60 + m) * MINUTE;

    // ---- spans: start + end, start + duration_minutes, both agreeing; numeric strings -----------------
    const a = await placed(
      "end + duration",
      "create_booking with end and duration_minutes agreeing",
      driver,
      "create_booking",
      { owner_email: alpha.email, start: at(t(0)), end: at(t(0, 30)), duration_minutes: 30, title: "Both" },
      { start: t(0), end: t(0, 30) },
    );
    const b = await placed(
      "numeric string",
      'create_booking with duration_minutes "45"',
      driver,
      "create_booking",
      { owner_email: alpha.email, start: at(t(1)), duration_minutes: "45", title: "Quoted" },
      { start: t(1), end: t(1, 45) },
    );
    const sentAt = Date.now();
    const h = await placed(
      "numeric string",
      'create_hold with duration_minutes " 20 " agreeing with end, ttl_seconds "600"',
      driver,
      "create_hold",
      {
        owner_email: alpha.email,
        start: at(t(2)),
        end: at(t(2, 20)),
        duration_minutes: " 20 ",
        ttl_seconds: "600",
      },
      { start: t(2), end: t(2, 20) },
    );
    if (h) {
      const ttl = (Date.parse(h.hold.expires_at) - sentAt) / 1000;
      if (ttl < 590 || ttl > 610)
        ctx.fail("language-slot", `${driver.transport} ttl_seconds "600" gave a hold expiring in ${ttl} s`);
    }
    for (const [tool, args] of [
      ["create_hold", { owner_email: alpha.email }],
      ["create_booking", { owner_email: alpha.email, title: "Disagree" }],
      ["reschedule_booking", { booking_id: a?.booking.booking_id ?? "bkg_missing" }],
      ["preempt", { booking_id: a?.booking.booking_id ?? "bkg_missing", title: "Disagree" }],
    ] as const) {
      await refused(
        "end + duration",
        `${tool} with end 30 minutes after start and duration_minutes 45`,
        driver,
        tool,
        { ...args, start: at(t(3)), end: at(t(3, 30)), duration_minutes: 45 },
        "duration_minutes",
      );
    }
    if (b) {
      await placed(
        "start alone",
        "reschedule_booking with a new start alone (keeps its 45 minutes)",
        driver,
        "reschedule_booking",
        { booking_id: b.booking.booking_id, start: at(t(4)) },
        { start: t(4), end: t(4, 45) },
      );
    }

    // ---- create_booking with hold_id: the hold's own fields agree, others are refused by name ----------
    if (h) {
      const id = h.hold.hold_id as string;
      const agreeing = {
        owner_email: alpha.email.toUpperCase(),
        calendar_type: h.hold.calendar_type,
        start: withOffset(t(2), 330),
        end: withOffset(t(2, 20), -300),
        duration_minutes: "20",
      };
      ctx.tried("hold agreement");
      await dry(
        "create_booking with hold_id and every field of the hold repeated",
        driver,
        "create_booking",
        {
          hold_id: id,
          title: "From hold",
          ...agreeing,
        },
        { verdict: "Accept", reason: null },
      );
      if (hold(id)?.status !== "active")
        ctx.fail(
          "dry-run-writes-nothing",
          `${driver.transport}: hold ${id} is ${hold(id)?.status} after a dry run`,
        );
      const other = Object.keys(alpha.calendars).find((c) => c !== h.hold.calendar_type)!;
      for (const [field, value] of [
        ["owner_email", bravo.email],
        ["calendar_type", other],
        ["start", at(t(2, 5))],
        ["end", at(t(2, 25))],
        ["duration_minutes", 25],
      ] as const) {
        await refused(
          "hold agreement",
          `create_booking with hold_id and a ${field} the hold does not have`,
          driver,
          "create_booking",
          { hold_id: id, title: "From hold", [field]: value },
          field,
        );
      }
      const confirmed = await placed(
        "hold agreement",
        "create_booking with hold_id and every field of the hold repeated",
        driver,
        "create_booking",
        { hold_id: id, title: "From hold", ...agreeing },
        { start: t(2), end: t(2, 20) },
      );
      if (confirmed && hold(id)?.status !== "confirmed")
        ctx.fail(
          "language-accepted",
          `${driver.transport}: hold ${id} is ${hold(id)?.status} after its booking`,
        );
    }

    // ---- dry runs: the verdict, explained, and nothing written ----------------------------------------
    await dry(
      "create_hold on a free slot",
      driver,
      "create_hold",
      {
        owner_email: alpha.email,
        start: at(t(5)),
        duration_minutes: 30,
      },
      { verdict: "Accept", reason: null },
    );
    await dry(
      "create_booking on its own booking's slot",
      driver,
      "create_booking",
      {
        owner_email: alpha.email,
        start: at(t(0)),
        duration_minutes: 30,
        title: "Taken",
      },
      { verdict: "CounterPropose", reason: "CONFLICT" },
    );
    const prey = await call(
      victim.rest,
      "create_booking",
      {
        owner_email: alpha.email,
        start: at(t(6)),
        duration_minutes: 60,
        title: "Prey",
      },
      victim.id,
    );
    const preyId = prey.body?.booking?.booking_id as string | undefined;
    if (!preyId) ctx.fail("language-accepted", `the victim's booking at ${at(t(6))}: ${brief(prey)}`);
    else {
      const would = await dry(
        "preempt of a focus_time booking by an exec meeting",
        driver,
        "preempt",
        {
          booking_id: preyId,
          title: "Board",
          meeting_class: "exec_meeting",
        },
        { verdict: "Preempt", reason: null },
      );
      if (would && (would.displaced?.length !== 1 || would.displaced[0].id !== preyId))
        ctx.fail(
          "dry-run-answer",
          `${driver.transport}: the dry preempt would displace ${JSON.stringify(would.displaced)}`,
        );
      if (booking(preyId)?.status !== "confirmed")
        ctx.fail(
          "dry-run-writes-nothing",
          `${driver.transport}: ${preyId} is ${booking(preyId)?.status} after a dry preempt`,
        );
      await placed(
        "start alone",
        "preempt with a start alone (keeps the victim's 60 minutes)",
        driver,
        "preempt",
        { booking_id: preyId, start: at(t(6)), title: "Board", meeting_class: "exec_meeting" },
        { verdict: "Preempt", start: t(6), end: t(7) },
      );
    }
    const prey2 = await call(
      victim.rest,
      "create_booking",
      {
        owner_email: alpha.email,
        start: at(t(8)),
        duration_minutes: 30,
        title: "Prey",
      },
      victim.id,
    );
    if (prey2.body?.booking)
      await placed(
        "numeric string",
        'preempt with start and duration_minutes "30"',
        driver,
        "preempt",
        {
          booking_id: prey2.body.booking.booking_id,
          start: at(t(8)),
          duration_minutes: "30",
          title: "Board",
          meeting_class: "exec_meeting",
        },
        { verdict: "Preempt", start: t(8), end: t(8, 30) },
      );
    if (b) {
      const was = booking(b.booking.booking_id);
      await dry(
        "reschedule_booking with a new start alone",
        driver,
        "reschedule_booking",
        {
          booking_id: b.booking.booking_id,
          start: at(t(9)),
        },
        { verdict: "Accept", reason: null },
      );
      const row = booking(b.booking.booking_id);
      if (JSON.stringify(row) !== JSON.stringify(was))
        ctx.fail(
          "dry-run-writes-nothing",
          `${driver.transport}: a dry reschedule left ${b.booking.booking_id} ${JSON.stringify(row)}, was ${JSON.stringify(was)}`,
        );
    }

    // ---- the verdict table on charlie: hard rules Reject, a taken slot CounterProposes ------------------
    await verdictOf(
      "create_booking in charlie's 13:00 hard block",
      driver,
      "create_booking",
      {
        owner_email: charlie.email,
        start: at(kolkata(13, 15)),
        duration_minutes: 30,
        title: "Lunch?",
      },
      { verdict: "Reject", reason: "HARD_BLOCK" },
    );
    await verdictOf(
      "create_booking at 07:00 in Kolkata",
      driver,
      "create_booking",
      {
        owner_email: charlie.email,
        start: at(kolkata(7)),
        duration_minutes: 30,
        title: "Early",
      },
      { verdict: "Reject", reason: "WORKING_HOURS" },
    );
    await verdictOf(
      "dry create_hold at 07:00 in Kolkata",
      driver,
      "create_hold",
      {
        owner_email: charlie.email,
        start: at(kolkata(7)),
        duration_minutes: 30,
        dry_run: true,
      },
      { verdict: "Reject", reason: "WORKING_HOURS" },
    );
    await verdictOf(
      "create_booking on the exec meeting",
      driver,
      "create_booking",
      {
        owner_email: charlie.email,
        start: at(kolkata(10, 15)),
        duration_minutes: 30,
        title: "Clash",
      },
      { verdict: "CounterPropose", reason: "CONFLICT" },
    );
    const look = (window: [number, number], minutes = 30) => ({
      owner_email: charlie.email,
      duration_minutes: minutes,
      window: { start: at(window[0]), end: at(window[1]) },
      hold: false,
    });
    const dayMs = 24 * 60 * MINUTE;
    await verdictOf(
      "check_availability 19:00-23:00 in Kolkata",
      driver,
      "check_availability",
      look([kolkata(19), kolkata(23)]),
      { verdict: "Reject", reason: "WORKING_HOURS" },
    );
    await verdictOf(
      "check_availability yesterday",
      driver,
      "check_availability",
      look([Date.now() - dayMs, Date.now() - dayMs / 2]),
      { verdict: "Reject", reason: "MIN_NOTICE" },
    );
    await verdictOf(
      "check_availability 400 days ahead",
      driver,
      "check_availability",
      look([kolkata(9) + 400 * dayMs, kolkata(18) + 400 * dayMs]),
      { verdict: "Reject", reason: "OUTSIDE_HORIZON" },
    );
    await verdictOf(
      "check_availability of the exec meeting's hour",
      driver,
      "check_availability",
      look([kolkata(10), kolkata(11)], 60),
      { verdict: "Reject", reason: "NO_CAPACITY" },
    );

    // ---- a new check releases the agent's previous check-hold on that owner, and only there -------------
    ctx.tried("check-hold release");
    const window = { start: at(t(10)), end: at(t(11, 30)) };
    const check = () =>
      call(driver, "check_availability", { owner_email: alpha.email, duration_minutes: 30, window });
    const first = await check();
    const elsewhere = await call(driver, "check_availability", {
      owner_email: bravo.email,
      duration_minutes: 30,
      window: {
        start: at(bravo.days[1]!.start + 60 * MINUTE),
        end: at(bravo.days[1]!.start + 4 * 60 * MINUTE),
      },
    });
    const second = await check();
    const [h1, hb, h2] = [first, elsewhere, second].map((o) => o.body?.hold_id as string | undefined);
    if (!h1 || !hb || !h2 || first.body?.hold?.hold_id !== h1 || second.body?.hold?.hold_id !== h2)
      ctx.fail(
        "check-hold-release",
        `${driver.transport}: checks answered hold_id ${h1}, ${hb}, ${h2}: ${brief(first)}`,
      );
    else {
      const states = [hold(h1)?.status, hold(hb)?.status, hold(h2)?.status];
      if (JSON.stringify(states) !== '["released","active","active"]')
        ctx.fail(
          "check-hold-release",
          `${driver.transport}: after check, check of bravo, check again: alpha's first hold ${states[0]}, bravo's ${states[1]}, alpha's second ${states[2]} (wanted released, active, active)`,
        );
      // The released hold no longer blocks its own agent's look at the same window.
      if (second.body?.slots?.[0]?.start !== first.body?.slots?.[0]?.start)
        ctx.fail(
          "check-hold-release",
          `${driver.transport}: the second check's first slot moved: its own hold blocked it`,
        );
      for (const id of [h2, hb]) await call(driver, "release_hold", { hold_id: id });
    }
  }
}
