// Ledger invariants every service test checks after it runs: no owner ever has two live items
// (confirmed bookings, or holds still active at `now`) sharing an instant. Intervals are half-open,
// so [a, b) and [b, c) do not overlap.
import { type Kysely, sql } from "kysely";
import type { Database } from "../../src/ledger/tables.js";

/** One live item of an owner: a confirmed booking or an unexpired active hold. */
export interface LiveItem {
  readonly kind: "booking" | "hold";
  readonly id: string;
  readonly start_ms: number;
  readonly end_ms: number;
}

/** Two live items of one owner whose spans overlap. */
export interface Overlap {
  readonly owner_id: string;
  readonly a: LiveItem;
  readonly b: LiveItem;
}

interface OverlapRow {
  owner_id: string;
  a_kind: "booking" | "hold";
  a_id: string;
  a_start: number;
  a_end: number;
  b_kind: "booking" | "hold";
  b_id: string;
  b_start: number;
  b_end: number;
}

/**
 * Every pair of overlapping live items per owner, each pair once (a.id < b.id), found by a SQL
 * self-join so the check does not share any code with the arbiter it guards. Holds count as live
 * while `expires_at > now`, the same boundary the service uses.
 */
export async function findOverlaps(db: Kysely<Database>, now: number): Promise<Overlap[]> {
  const { rows } = await sql<OverlapRow>`
    WITH live AS (
      SELECT 'booking' AS kind, id, owner_id, start_ms, end_ms
        FROM bookings WHERE status = 'confirmed'
      UNION ALL
      SELECT 'hold' AS kind, id, owner_id, start_ms, end_ms
        FROM holds WHERE status = 'active' AND expires_at > ${now}
    )
    SELECT a.owner_id AS owner_id,
           a.kind AS a_kind, a.id AS a_id, a.start_ms AS a_start, a.end_ms AS a_end,
           b.kind AS b_kind, b.id AS b_id, b.start_ms AS b_start, b.end_ms AS b_end
      FROM live a
      JOIN live b ON a.owner_id = b.owner_id AND a.id < b.id
                 AND a.start_ms < b.end_ms AND b.start_ms < a.end_ms
     ORDER BY a.owner_id, a.start_ms, a.id, b.id`.execute(db);
  return rows.map((r) => ({
    owner_id: r.owner_id,
    a: { kind: r.a_kind, id: r.a_id, start_ms: r.a_start, end_ms: r.a_end },
    b: { kind: r.b_kind, id: r.b_id, start_ms: r.b_start, end_ms: r.b_end },
  }));
}

/** Throws, listing the pairs, when any owner has overlapping live items at `now`. */
export async function assertNoOverlaps(db: Kysely<Database>, now: number): Promise<void> {
  const overlaps = await findOverlaps(db, now);
  if (overlaps.length === 0) return;
  const lines = overlaps.map((o) => `  ${o.owner_id}: ${describe(o.a)} overlaps ${describe(o.b)}`);
  throw new Error(`ledger has ${overlaps.length} overlapping live pair(s):\n${lines.join("\n")}`);
}

function describe(item: LiveItem): string {
  return `${item.kind} ${item.id} [${new Date(item.start_ms).toISOString()}, ${new Date(item.end_ms).toISOString()})`;
}
