// The checker checked: after a short real load, faults are planted one at a time in copies of the
// ledger (an overlapping booking, a booking too close for the buffers, one outside working hours, a
// lost acknowledged decision, an unexplained status change, a missing notification, a decision no
// client saw, a check-hold released unasked or left after a new check, a dry run that booked, a stored
// booking too short), and faults are planted in copies of recorded answers (a CounterPropose for a
// hard rule, a dry run with a booking or a self-contradicting explanation, a check's top-level hold_id,
// a booking off its requested slot); the checker must name each. A checker that passes everything
// proves nothing.
import { rmSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { DEFAULT_POLICY_PATH } from "../../src/compose.js";
import { openLedger } from "../../src/ledger/open-ledger.js";
import { loadPolicyFile } from "../../src/service/policy.js";
import { type CallRecord, cliEntry, MINUTE, type Violation } from "./common.js";
import { driversFor, transportsFor } from "./concurrency.js";
import { buildFixture } from "./fixture.js";
import { checkLedger } from "./invariants.js";
import { CallLog, runLoad, stopAfter } from "./load.js";
import { type ScenarioResult, scenarioResult } from "./report.js";
import { startInProcess } from "./servers.js";
import { verdictProblems } from "./verdicts.js";

/** The columns a planted booking copies (named: a column added later keeps its default). */
const COPIED =
  "id, owner_id, calendar_id, agent_id, start_ms, end_ms, title, attendees_json, meeting_class, status, hold_id, created_at, updated_at";

interface Fault {
  readonly name: string;
  /** The invariant the checker must report. */
  readonly expect: string;
  /** An SQL condition that holds when the ledger has what `plant` needs. */
  readonly needs: string;
  /** Plants the fault; false when this ledger has nothing to plant it on. */
  readonly plant: (db: Database.Database) => boolean;
}

type Row = Record<string, any>;

/** The decisions of dry runs (request_json is canonical JSON: no spaces). */
const DRY_RUN_ROW = `request_json LIKE '%"dry_run":true%'`;
/** Released check-holds whose agent checked their owner again after placing them. */
const CHECKED_AGAIN_FROM = `holds h JOIN decisions d ON d.hold_id = h.id AND d.tool = 'check_availability'
  WHERE h.from_check = 1 AND h.status = 'released' AND EXISTS (SELECT 1 FROM decisions d2
    WHERE d2.tool = 'check_availability' AND d2.agent_id = h.agent_id AND d2.owner_id = h.owner_id AND d2.seq > d.seq)`;
const CHECKED_AGAIN = `EXISTS (SELECT 1 FROM ${CHECKED_AGAIN_FROM})`;

const FAULTS: readonly Fault[] = [
  {
    name: "a second confirmed booking on top of a live one",
    expect: "no-overlap",
    needs: "EXISTS (SELECT 1 FROM bookings WHERE status = 'confirmed')",
    plant: (db) => {
      const b = db.prepare("SELECT * FROM bookings WHERE status = 'confirmed' LIMIT 1").get() as
        | Row
        | undefined;
      if (!b) return false;
      db.prepare(
        `INSERT INTO bookings (${COPIED}) SELECT 'bkg_planted', owner_id, calendar_id, agent_id, start_ms, end_ms, title, attendees_json, meeting_class, status, NULL, created_at, updated_at FROM bookings WHERE id = ?`,
      ).run(b.id);
      return true;
    },
  },
  {
    name: "a booking 5 minutes after another on the calendar with 10-minute buffers",
    expect: "buffers-kept",
    needs: `EXISTS (SELECT 1 FROM bookings b JOIN calendars c ON c.id = b.calendar_id
       WHERE b.status = 'confirmed' AND c.rules_json LIKE '%"buffer_after_minutes":10%')`,
    plant: (db) => {
      const b = db
        .prepare(
          "SELECT b.* FROM bookings b JOIN calendars c ON c.id = b.calendar_id WHERE b.status = 'confirmed' AND c.rules_json LIKE '%\"buffer_after_minutes\":10%' ORDER BY b.end_ms DESC LIMIT 1",
        )
        .get() as Row | undefined;
      if (!b) return false;
      const start = b.end_ms + 5 * MINUTE;
      db.prepare(
        "DELETE FROM bookings WHERE owner_id = ? AND status = 'confirmed' AND id != ? AND start_ms < ? AND end_ms > ?",
      ).run(b.owner_id, b.id, start + 15 * MINUTE + 10 * MINUTE, b.end_ms - 10 * MINUTE);
      db.prepare("DELETE FROM holds WHERE owner_id = ? AND start_ms < ? AND end_ms > ?").run(
        b.owner_id,
        start + 25 * MINUTE,
        b.end_ms - 10 * MINUTE,
      );
      db.prepare(
        `INSERT INTO bookings (${COPIED}) SELECT 'bkg_planted', owner_id, calendar_id, agent_id, ?, ?, title, attendees_json, meeting_class, 'confirmed', NULL, created_at, updated_at FROM bookings WHERE id = ?`,
      ).run(start, start + 15 * MINUTE, b.id);
      return true;
    },
  },
  {
    name: "a New York booking moved to 03:00 local time, outside its working hours",
    expect: "working-hours",
    needs: `EXISTS (SELECT 1 FROM bookings b JOIN calendars c ON c.id = b.calendar_id
       WHERE b.status = 'confirmed' AND c.rules_json LIKE '%America/New_York%')`,
    plant: (db) => {
      const b = db
        .prepare(
          "SELECT b.* FROM bookings b JOIN calendars c ON c.id = b.calendar_id WHERE b.status = 'confirmed' AND c.rules_json LIKE '%America/New_York%' LIMIT 1",
        )
        .get() as Row | undefined;
      if (!b) return false;
      // 08:00 UTC is 03:00 in New York in winter and 04:00 in summer: before 09:00 either way.
      const start = Math.floor(b.start_ms / 86_400_000) * 86_400_000 + 8 * 3_600_000;
      db.prepare("UPDATE bookings SET start_ms = ?, end_ms = ? WHERE id = ?").run(
        start,
        start + 30 * MINUTE,
        b.id,
      );
      return true;
    },
  },
  {
    name: "an acknowledged decision row lost",
    expect: "acknowledged-decision-durable",
    needs: "EXISTS (SELECT 1 FROM decisions WHERE verdict = 'Accept')",
    plant: (db) => {
      dropDecisionTriggers(db);
      return (
        db
          .prepare(
            "DELETE FROM decisions WHERE seq = (SELECT max(seq) FROM decisions WHERE verdict = 'Accept')",
          )
          .run().changes > 0
      );
    },
  },
  {
    name: "a confirmed booking cancelled without a cancel_booking",
    expect: "cancelled-only-on-request",
    needs: "EXISTS (SELECT 1 FROM bookings WHERE status = 'confirmed')",
    plant: (db) =>
      db
        .prepare(
          "UPDATE bookings SET status = 'cancelled' WHERE id = (SELECT id FROM bookings WHERE status = 'confirmed' LIMIT 1)",
        )
        .run().changes > 0,
  },
  {
    name: "a confirmed booking marked needs_reschedule without a displacement",
    expect: "needs-reschedule-after-displacement",
    needs: "EXISTS (SELECT 1 FROM bookings WHERE status = 'confirmed')",
    plant: (db) =>
      db
        .prepare(
          "UPDATE bookings SET status = 'needs_reschedule' WHERE id = (SELECT id FROM bookings WHERE status = 'confirmed' LIMIT 1)",
        )
        .run().changes > 0,
  },
  {
    name: "a displaced agent's booking.preempted notification lost",
    expect: "displaced-agent-notified",
    needs: "EXISTS (SELECT 1 FROM notifications WHERE type = 'booking.preempted')",
    plant: (db) =>
      db
        .prepare(
          "DELETE FROM notifications WHERE id = (SELECT id FROM notifications WHERE type = 'booking.preempted' LIMIT 1)",
        )
        .run().changes > 0,
  },
  {
    name: "a decision row no client saw",
    expect: "decision-seen-by-client",
    needs: "EXISTS (SELECT 1 FROM decisions WHERE verdict = 'Reject')",
    plant: (db) => {
      const d = db.prepare("SELECT * FROM decisions WHERE verdict = 'Reject' LIMIT 1").get() as
        | Row
        | undefined;
      if (!d) return false;
      db.prepare(
        "INSERT INTO decisions (id, at, agent_id, key_prefix, tool, owner_id, request_json, verdict, reason_code, booking_id, hold_id, alternatives_json, displaced_json, policy_hash, latency_us) SELECT 'dec_planted', at, agent_id, key_prefix, tool, owner_id, request_json, verdict, reason_code, booking_id, hold_id, alternatives_json, displaced_json, policy_hash, latency_us FROM decisions WHERE id = ?",
      ).run(d.id);
      return true;
    },
  },
  {
    name: "a check-hold released though its agent never checked the owner again",
    expect: "released-only-on-request",
    needs: "EXISTS (SELECT 1 FROM holds WHERE from_check = 1 AND status = 'active')",
    plant: (db) =>
      db
        .prepare(
          "UPDATE holds SET status = 'released' WHERE id = (SELECT id FROM holds WHERE from_check = 1 AND status = 'active' LIMIT 1)",
        )
        .run().changes > 0,
  },
  {
    name: "a check-hold still active after its agent checked the owner again",
    expect: "check-hold-released",
    needs: CHECKED_AGAIN,
    plant: (db) =>
      db
        .prepare(
          `UPDATE holds SET status = 'active' WHERE id = (SELECT h.id FROM ${CHECKED_AGAIN_FROM} LIMIT 1)`,
        )
        .run().changes > 0,
  },
  {
    name: "a dry run that booked",
    expect: "dry-run-writes-nothing",
    needs: `EXISTS (SELECT 1 FROM decisions WHERE ${DRY_RUN_ROW} AND verdict = 'Accept') AND EXISTS (SELECT 1 FROM bookings)`,
    plant: (db) => {
      dropDecisionTriggers(db);
      return (
        db
          .prepare(
            `UPDATE decisions SET booking_id = (SELECT id FROM bookings LIMIT 1) WHERE id = (SELECT id FROM decisions WHERE ${DRY_RUN_ROW} AND verdict = 'Accept' LIMIT 1)`,
          )
          .run().changes > 0
      );
    },
  },
  {
    name: "a booking stored one minute long",
    expect: "stored-values-valid",
    needs: "EXISTS (SELECT 1 FROM bookings WHERE status = 'confirmed')",
    plant: (db) =>
      db
        .prepare(
          "UPDATE bookings SET end_ms = start_ms + 60000 WHERE id = (SELECT id FROM bookings WHERE status = 'confirmed' LIMIT 1)",
        )
        .run().changes > 0,
  },
];

/** The ledger keeps decisions append-only with triggers; a fault has to get past them. */
function dropDecisionTriggers(db: Database.Database): void {
  for (const t of db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'decisions'")
    .all() as Row[]) {
    db.exec(`DROP TRIGGER "${t.name}"`);
  }
}

/** A fault planted in one recorded answer: the response checks (verdicts.ts) must name it. */
interface ResponseFault {
  readonly name: string;
  readonly expect: string;
  /** Whether a recorded call can take the fault. */
  readonly on: (r: CallRecord, body: Record<string, any>) => boolean;
  readonly plant: (body: Record<string, any>) => Record<string, any>;
}

const shift = (instant: string) => new Date(Date.parse(instant) + 15 * MINUTE).toISOString();

const RESPONSE_FAULTS: readonly ResponseFault[] = [
  {
    name: "a CounterPropose for a hard rule",
    expect: "verdict-semantics",
    on: (_r, b) => b.verdict === "CounterPropose",
    plant: (b) => ({
      ...b,
      reason_code: "WORKING_HOURS",
      alternatives: b.alternatives.map((a: object) => ({ ...a, reason_code: "WORKING_HOURS" })),
    }),
  },
  {
    name: "a dry run answered with a booking",
    expect: "dry-run-writes-nothing",
    on: (r, b) => r.tool === "create_booking" && b.dry_run === true && b.verdict === "Accept",
    plant: (b) => ({ ...b, booking: { booking_id: "bkg_planted", start: "", end: "" } }),
  },
  {
    name: "a dry run's Accept explained with a broken rule",
    expect: "dry-run-explained",
    on: (_r, b) => b.dry_run === true && b.verdict === "Accept",
    plant: (b) => ({
      ...b,
      explanation: {
        ...b.explanation,
        rules: b.explanation.rules.map((x: object, i: number) => (i === 0 ? { ...x, outcome: "broken" } : x)),
      },
    }),
  },
  {
    name: "check_availability's top-level hold_id not its hold's",
    expect: "check-answer",
    on: (r, b) => r.tool === "check_availability" && b.verdict === "Accept" && b.hold !== null,
    plant: (b) => ({ ...b, hold_id: "hld_planted" }),
  },
  {
    name: "a booking placed 15 minutes after the start asked for",
    expect: "slot-as-requested",
    on: (r, b) =>
      r.tool === "create_booking" && r.args.hold_id === undefined && b.verdict === "Accept" && b.booking,
    plant: (b) => ({
      ...b,
      booking: { ...b.booking, start: shift(b.booking.start), end: shift(b.booking.end) },
    }),
  },
];

/** An answer of the load each response fault can be planted on, or undefined where there is none yet. */
function responseMaterial(records: readonly CallRecord[], fault: ResponseFault): CallRecord | undefined {
  return records.find((r) => r.outcome.kind === "ok" && r.outcome.body && fault.on(r, r.outcome.body));
}

/** Whether the ledger has what every fault is planted on (each fault's `needs`). */
function hasMaterial(dbPath: string): boolean {
  const db = new Database(dbPath, { readonly: true });
  try {
    const sql = `SELECT ${FAULTS.map((f) => `(${f.needs})`).join(" AND ")} AS ok`;
    return (db.prepare(sql).get() as { ok: number }).ok === 1;
  } finally {
    db.close();
  }
}

export async function checkerSelfTest(options: { seconds: number; seed: number }): Promise<ScenarioResult> {
  const name = "checker self-test";
  const started = Date.now();
  const fixture = await buildFixture({ transports: transportsFor(4, 0), seed: options.seed });
  const log = new CallLog(name);
  const violations: Violation[] = [];
  const caught: string[] = [];
  const policy = loadPolicyFile(DEFAULT_POLICY_PATH);
  try {
    const server = await startInProcess(fixture.dbPath);
    const agents = await driversFor(fixture, () => server.url, cliEntry());
    // A fault with nothing to plant it on would look like one the checker missed: the load goes on
    // past its `seconds` until the ledger has what every fault needs.
    await runLoad(agents, {
      fixture,
      log,
      seed: options.seed,
      stop: stopAfter(
        options.seconds,
        () => RESPONSE_FAULTS.every((f) => responseMaterial(log.records, f)) && hasMaterial(fixture.dbPath),
        { everyMs: 250 },
      ),
      pauseMs: 5,
      idempotencyRate: 0,
      replayRate: 0,
      retryLost: false,
    });
    await Promise.all(agents.map((a) => a.driver.close()));
    await server.close();
    const clean = await openLedger({ path: fixture.dbPath });
    const baseline = await checkLedger({
      scenario: name,
      db: clean.db,
      now: Date.now(),
      records: log.records,
      policy,
      final: true,
    });
    violations.push(...baseline.violations.map((v) => ({ ...v, detail: `unplanted ledger: ${v.detail}` })));
    for (const [i, fault] of FAULTS.entries()) {
      const copy = join(fixture.dir, `fault-${i}.db`);
      clean.sqlite.exec(`VACUUM INTO '${copy}'`);
      const ledger = await openLedger({ path: copy });
      try {
        ledger.sqlite.pragma("foreign_keys = OFF");
        if (!fault.plant(ledger.sqlite)) {
          violations.push({
            scenario: name,
            invariant: "checker-catches-faults",
            detail: `nothing to plant ${fault.name} on: ${log.records.length} calls in ${Date.now() - started} ms made none`,
          });
          continue;
        }
        const r = await checkLedger({
          scenario: name,
          db: ledger.db,
          now: Date.now(),
          records: log.records,
          policy,
          final: true,
        });
        if (r.violations.some((v) => v.invariant === fault.expect)) caught.push(fault.expect);
        else {
          violations.push({
            scenario: name,
            invariant: "checker-catches-faults",
            detail: `planted ${fault.name}; expected ${fault.expect}, got ${JSON.stringify(r.violations.map((v) => v.invariant))}`,
          });
        }
      } finally {
        await ledger.close();
        rmSync(copy, { force: true });
      }
    }
    await clean.close();
    for (const fault of RESPONSE_FAULTS) {
      const r = responseMaterial(log.records, fault);
      if (!r) {
        violations.push({
          scenario: name,
          invariant: "checker-catches-faults",
          detail: `nothing to plant ${fault.name} on: ${log.records.length} calls made none`,
        });
        continue;
      }
      const found = verdictProblems(r.tool, r.args, fault.plant(structuredClone(r.outcome.body!)));
      if (found.some(([invariant]) => invariant === fault.expect)) caught.push(fault.expect);
      else
        violations.push({
          scenario: name,
          invariant: "checker-catches-faults",
          detail: `planted ${fault.name}; expected ${fault.expect}, got ${JSON.stringify(found.map(([i]) => i))}`,
        });
    }
  } finally {
    fixture.remove();
  }
  // Its requests are the checker's own probes, not load: counted, not summarized.
  return scenarioResult(name, started, [], {
    requests: log.records.length,
    checks: FAULTS.length + RESPONSE_FAULTS.length + 1,
    violations: [...log.violations, ...violations],
    extra: {
      caught: `${caught.length}/${FAULTS.length + RESPONSE_FAULTS.length} planted faults: ${caught.join(", ")}`,
    },
  });
}
