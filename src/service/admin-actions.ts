// The audit trail of admin actions: who created, changed, disabled or revoked what. Decisions log
// what agents asked and got; this logs what people (admin tokens, console sessions, the CLI) did to
// the setup around them. Rows are appended, never changed.
import type { Kysely } from "kysely";
import { toInstant } from "../../schemas/time.js";
import { newId } from "../ledger/ids.js";
import type { Database } from "../ledger/tables.js";

export interface AdminActionView {
  readonly seq: number;
  readonly action_id: string;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly target: string | null;
  readonly details: unknown;
}

/** Request fields never written to the trail: secrets stay where they were shown, once. */
const SECRET_FIELDS = new Set(["token", "key", "admin_token", "link", "password", "client_secret"]);

export async function recordAdminAction(
  db: Kysely<Database>,
  entry: {
    at: number;
    actor: string;
    action: string;
    target: string | null;
    details: Record<string, unknown>;
  },
): Promise<void> {
  const details = Object.fromEntries(Object.entries(entry.details).filter(([k]) => !SECRET_FIELDS.has(k)));
  await db
    .insertInto("admin_actions")
    .values({
      id: newId("act"),
      at: entry.at,
      actor: entry.actor,
      action: entry.action,
      target: entry.target,
      details_json: JSON.stringify(details),
    })
    .execute();
}

/** The trail, newest first; page with `before_seq` = the last `seq` seen. */
export async function listAdminActions(
  db: Kysely<Database>,
  query: { limit: number; before_seq?: number | undefined },
): Promise<AdminActionView[]> {
  let q = db.selectFrom("admin_actions").selectAll().orderBy("seq", "desc").limit(query.limit);
  if (query.before_seq !== undefined) q = q.where("seq", "<", query.before_seq);
  const rows = await q.execute();
  return rows.map((r) => ({
    seq: r.seq,
    action_id: r.id,
    at: toInstant(r.at),
    actor: r.actor,
    action: r.action,
    target: r.target,
    details: JSON.parse(r.details_json) as unknown,
  }));
}
