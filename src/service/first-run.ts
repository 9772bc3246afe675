// First start on an empty database: a demo owner with a 09:00-17:00 work calendar, a demo agent with
// every scope, and its key, so `npm start` leads straight to a working request.
import type { Kysely } from "kysely";
import { AvailabilityRules } from "../../schemas/rules.js";
import { isKnownTimeZone } from "../../schemas/time.js";
import type { AgentRow, CalendarRow, Database, OwnerRow } from "../ledger/tables.js";
import { immediate } from "../ledger/transaction.js";
import { createAgent, createApiKey, createCalendar, createOwner } from "./admin.js";
import { SCOPES } from "./caller.js";

export const DEMO_OWNER_EMAIL = "demo@openavail.local";

export interface FirstRunOptions {
  /** The clock, epoch ms. */
  readonly now: number;
  /** IANA zone of the demo owner; default: this machine's zone (UTC when it has none or an unknown one). */
  readonly timeZone?: string;
}

export interface FirstRun {
  readonly owner: OwnerRow;
  readonly calendar: CalendarRow;
  readonly agent: AgentRow;
  /** The raw key: print it once, it is stored nowhere. */
  readonly key: { readonly id: string; readonly key: string; readonly prefix: string };
  readonly timeZone: string;
}

/** This machine's IANA zone, or UTC. */
export function localTimeZone(): string {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return zone && isKnownTimeZone(zone) ? zone : "UTC";
}

/**
 * Seeds the demo objects when the database has no owner and no agent; returns null otherwise.
 * Runs in one write transaction, so two processes starting together on one new file seed it once.
 */
export async function firstRun(db: Kysely<Database>, options: FirstRunOptions): Promise<FirstRun | null> {
  const wanted = options.timeZone ?? localTimeZone();
  const timeZone = isKnownTimeZone(wanted) ? wanted : "UTC";
  return immediate(db, async (trx) => {
    const owners = await trx.selectFrom("owners").select("id").limit(1).execute();
    const agents = await trx.selectFrom("agents").select("id").limit(1).execute();
    if (owners.length > 0 || agents.length > 0) return null;
    const now = options.now;
    const owner = await createOwner(
      trx,
      { email: DEMO_OWNER_EMAIL, name: "Demo Owner", timezone: timeZone },
      now,
    );
    const rules = AvailabilityRules.parse({
      timezone: timeZone,
      working_hours: Object.fromEntries(
        ["mon", "tue", "wed", "thu", "fri"].map((d) => [d, { start: "09:00", end: "17:00" }]),
      ),
    });
    const calendar = await createCalendar(
      trx,
      { ownerEmail: owner.email, calendarType: "work", name: "Work", rulesJson: JSON.stringify(rules) },
      now,
    );
    const agent = await createAgent(
      trx,
      {
        name: "demo agent",
        description: "Created on first start with every scope; disable it once you have real agents.",
        scopes: [...SCOPES],
        owners: ["*"],
      },
      now,
    );
    const key = await createApiKey(trx, agent.id, now);
    return { owner, calendar, agent, key: { id: key.id, key: key.key, prefix: key.prefix }, timeZone };
  });
}
