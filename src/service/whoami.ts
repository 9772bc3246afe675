// whoami: the calling agent as it may act, so that one call tells it everything it may do: its
// identity, scopes and priority, the policy's meeting classes, and the owners it may act on with
// their time zones and calendars.
import type { WhoamiOutput } from "../../schemas/tools.js";
import { findOwnerByEmail, listCalendars, listOwners } from "../ledger/owners.repository.js";
import type { OwnerRow } from "../ledger/tables.js";
import type { Scheduling, Tx } from "./decisions.js";

export async function whoami(s: Scheduling, tx: Tx): Promise<Omit<WhoamiOutput, "pending_notifications">> {
  const { caller } = tx;
  const { policy } = s.deps.policy;
  return {
    agent_id: caller.agentId,
    name: caller.name,
    description: caller.description,
    default_meeting_class: caller.defaultClass ?? policy.default_class,
    priority: caller.priority,
    scopes: [...caller.scopes],
    allowed_owners: caller.owners === "*" ? ["*"] : [...caller.owners],
    owners: await ownersOf(s, tx),
    key_prefix: caller.keyPrefix ?? "",
    meeting_classes: Object.fromEntries(
      Object.entries(policy.classes).map(([name, c]) => [name, { rank: c.rank, preemptible: c.preemptible }]),
    ),
  };
}

/** Every owner the caller may act on that exists (all of them for `*`), by email. */
async function ownersOf(s: Scheduling, tx: Tx): Promise<WhoamiOutput["owners"]> {
  let owners: OwnerRow[];
  if (tx.caller.owners === "*") owners = await listOwners(tx.trx);
  else {
    owners = [];
    for (const email of [...tx.caller.owners].sort()) {
      const owner = await findOwnerByEmail(tx.trx, email);
      if (owner) owners.push(owner);
    }
  }
  const out: WhoamiOutput["owners"] = [];
  for (const owner of owners) {
    // The calendar a request that names no calendar_type acts on, resolved where requests resolve it.
    const { calendar } = await s.owners.find(tx.trx, owner.email, undefined);
    out.push({
      email: owner.email,
      name: owner.name,
      timezone: owner.timezone,
      default_calendar_type: calendar?.calendar_type ?? null,
      calendars: (await listCalendars(tx.trx, owner.id)).map((c) => ({
        calendar_id: c.id,
        calendar_type: c.calendar_type,
        provider: c.provider,
      })),
    });
  }
  return out;
}
