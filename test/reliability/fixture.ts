// The world the reliability scenarios run in: one SQLite file with three owners whose rules differ
// (no rules on two calendars; working hours with 10-minute buffers; working hours, a daily cap, a
// hard block a day and an hour's notice), and agents of every meeting class, with different
// priorities, scopes and allowed owners. Times are real: child processes run on the real clock, so the
// test days are the next two weekdays at least two days ahead.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromZonedTime } from "date-fns-tz";
import type { AvailabilityRulesInput } from "../../schemas/rules.js";
import type { Scope } from "../../src/service/caller.js";
import { prng } from "../helpers/prng.js";
import { makeWorld } from "../helpers/world.js";
import { DAY, MINUTE, type TransportName } from "./common.js";

export const CLASSES = [
  "external_customer_call",
  "interview",
  "internal_sync",
  "focus_time",
  "exec_meeting",
] as const;

export interface OwnerPlan {
  readonly email: string;
  readonly timezone: string;
  /** calendar_type -> calendar id. */
  readonly calendars: Readonly<Record<string, string>>;
  readonly rules: AvailabilityRulesInput | null;
  /** Candidate meeting starts (epoch ms) on the test days: local 08:30-17:30 every 15 minutes. */
  readonly starts: readonly number[];
  /** Each test day's local 08:00-18:00 (epoch ms), for search windows. */
  readonly days: readonly { readonly start: number; readonly end: number }[];
}

export interface AgentSpec {
  readonly agentId: string;
  readonly key: string;
  readonly name: string;
  readonly transport: TransportName;
  readonly defaultClass: string;
  readonly priority: number;
  readonly scopes: readonly Scope[];
  /** Allowed owner emails, or "*". */
  readonly owners: "*" | readonly string[];
}

export interface Fixture {
  readonly dir: string;
  readonly dbPath: string;
  /** The PostgreSQL database the fixture is on, if it is (then dbPath only holds the key file). */
  readonly databaseUrl: string | undefined;
  readonly owners: readonly OwnerPlan[];
  readonly agents: readonly AgentSpec[];
  /** The test days as local calendar dates (YYYY-MM-DD). */
  readonly dates: readonly string[];
  /** Adds agents to the database (the world is reopened for it). */
  addAgents(transports: readonly TransportName[], seed: number): Promise<AgentSpec[]>;
  /** Deletes the directory with the database. */
  remove(): void;
}

const NINE_TO_FIVE_WEEKDAYS = Object.fromEntries(
  ["mon", "tue", "wed", "thu", "fri"].map((d) => [d, { start: "09:00", end: "17:00" }]),
);
const NINE_TO_SIX_EVERY_DAY = Object.fromEntries(
  ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((d) => [d, { start: "09:00", end: "18:00" }]),
);

/** The next `count` weekdays at least two days after `now`, as YYYY-MM-DD. */
export function testDates(now: number, count = 2): string[] {
  const out: string[] = [];
  for (let d = Math.floor(now / DAY) + 2; out.length < count; d++) {
    const date = new Date(d * DAY);
    const wd = date.getUTCDay();
    if (wd !== 0 && wd !== 6) out.push(date.toISOString().slice(0, 10));
  }
  return out;
}

function local(date: string, hhmm: string, tz: string): number {
  return fromZonedTime(`${date}T${hhmm}:00`, tz).getTime();
}

function ownerDefs(dates: readonly string[]) {
  return [
    { email: "alpha@reliability.test", timezone: "UTC", types: ["work", "personal"], rules: null },
    {
      email: "bravo@reliability.test",
      timezone: "America/New_York",
      types: ["work"],
      rules: {
        timezone: "America/New_York",
        working_hours: NINE_TO_FIVE_WEEKDAYS,
        buffer_before_minutes: 10,
        buffer_after_minutes: 10,
      } satisfies AvailabilityRulesInput,
    },
    {
      email: "charlie@reliability.test",
      timezone: "Asia/Kolkata",
      types: ["work"],
      rules: {
        timezone: "Asia/Kolkata",
        working_hours: NINE_TO_SIX_EVERY_DAY,
        max_bookings_per_day: 6,
        min_notice_minutes: 60,
        hard_blocks: dates.map((d) => ({
          start: new Date(local(d, "13:00", "Asia/Kolkata")).toISOString(),
          end: new Date(local(d, "14:00", "Asia/Kolkata")).toISOString(),
          reason: "lunch",
        })),
      } satisfies AvailabilityRulesInput,
    },
  ];
}

/** The owners `moreOwners` adds: one with no rules, one with working hours in a third zone. */
const MORE_OWNERS = [
  { email: "delta@reliability.test", timezone: "UTC", types: ["work"], rules: null },
  {
    email: "echo@reliability.test",
    timezone: "Europe/Berlin",
    types: ["work"],
    rules: {
      timezone: "Europe/Berlin",
      working_hours: NINE_TO_SIX_EVERY_DAY,
    } satisfies AvailabilityRulesInput,
  },
];

/** Agent i's class, priority, scopes and owners: every combination the arbiter distinguishes. */
function agentShape(i: number, rand: () => number, emails: readonly string[]) {
  const defaultClass = CLASSES[i % CLASSES.length]!;
  const priority = Math.floor(rand() * 6);
  const scopes: Scope[] = ["read_freebusy", "read_events", "create_bookings"];
  if (i % 6 !== 5) scopes.push("create_holds");
  if (i % 2 === 0) scopes.push("preempt");
  const owners: "*" | string[] = i % 7 === 3 ? [emails[0]!] : i % 7 === 5 ? [emails[1]!, emails[2]!] : "*";
  return { defaultClass, priority, scopes, owners };
}

export async function buildFixture(options: {
  readonly transports: readonly TransportName[];
  readonly seed: number;
  readonly now?: number;
  /** Build it on this (empty, migrated) PostgreSQL database instead of a new SQLite file. */
  readonly databaseUrl?: string;
  /** Two more owners (five in all), for scenarios where owners are decided in parallel. */
  readonly moreOwners?: boolean;
}): Promise<Fixture> {
  const now = options.now ?? Date.now();
  const dir = mkdtempSync(join(tmpdir(), "openavail-reliability-"));
  const dbPath = join(dir, "ledger.db");
  const dates = testDates(now);
  const defs = [...ownerDefs(dates), ...(options.moreOwners ? MORE_OWNERS : [])];
  const w = await makeWorld(new Date(now).toISOString(), dbPath, options.databaseUrl);
  const owners: OwnerPlan[] = [];
  let agentCount = 0;
  const agents: AgentSpec[] = [];
  const addAgentsTo = async (world: typeof w, transports: readonly TransportName[], seed: number) => {
    const rand = prng(seed);
    const made: AgentSpec[] = [];
    for (const transport of transports) {
      const i = agentCount++;
      const shape = agentShape(
        i,
        rand,
        defs.map((d) => d.email),
      );
      const name = `agent ${i} (${transport}, ${shape.defaultClass}, p${shape.priority})`;
      const { agentId, key } = await world.addAgent({
        name,
        defaultClass: shape.defaultClass,
        priority: shape.priority,
        scopes: shape.scopes,
        owners: shape.owners === "*" ? ["*"] : shape.owners,
      });
      made.push({ agentId, key, name, transport, ...shape });
    }
    agents.push(...made);
    return made;
  };
  try {
    for (const def of defs) {
      const calendars: Record<string, string> = {};
      for (const [n, type] of def.types.entries()) {
        const { calendarId } = await w.addOwner(def.email, def.timezone, n === 0 ? def.rules : null, type);
        calendars[type] = calendarId;
      }
      const starts: number[] = [];
      const days: { start: number; end: number }[] = [];
      for (const date of dates) {
        days.push({ start: local(date, "08:00", def.timezone), end: local(date, "18:00", def.timezone) });
        const first = local(date, "08:30", def.timezone);
        for (let t = first; t <= first + 9 * 60 * MINUTE; t += 15 * MINUTE) starts.push(t);
      }
      owners.push({ email: def.email, timezone: def.timezone, calendars, rules: def.rules, starts, days });
    }
    await addAgentsTo(w, options.transports, options.seed);
  } finally {
    await w.close();
  }
  return {
    dir,
    dbPath,
    databaseUrl: options.databaseUrl,
    owners,
    agents,
    dates,
    async addAgents(transports, seed) {
      const again = await makeWorld(new Date().toISOString(), dbPath, options.databaseUrl);
      try {
        return await addAgentsTo(again, transports, seed);
      } finally {
        await again.close();
      }
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
