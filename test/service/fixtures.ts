// Shared set-up for the service tests: a world per test, the overlap invariant checked after every
// test, and small ledger queries the assertions need.
import { afterEach, beforeEach } from "vitest";
import { assertNoOverlaps } from "../helpers/invariants.js";
import { makeWorld, type World } from "../helpers/world.js";

/**
 * Registers beforeEach/afterEach hooks that build a fresh world at `startIso`, run `setup` on it,
 * and after the test assert that no owner has overlapping live items before closing it.
 * Returns a getter, because the world only exists once a test runs.
 */
export function useWorld(startIso: string, setup: (w: World) => Promise<void> = async () => {}): () => World {
  let world: World | undefined;
  beforeEach(async () => {
    world = await makeWorld(startIso);
    await setup(world);
  });
  afterEach(async () => {
    const w = world;
    world = undefined;
    if (!w) return;
    try {
      await assertNoOverlaps(w.app.ledger.db, w.clock.now);
    } finally {
      await w.close();
    }
  });
  return () => {
    if (!world) throw new Error("the world exists only inside a test");
    return world;
  };
}

/** Number of rows in a ledger table. */
export async function countRows(
  w: World,
  table: "bookings" | "holds" | "decisions" | "notifications" | "idempotency",
): Promise<number> {
  const row = await w.app.ledger.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The decision row with this id. */
export async function decisionRow(w: World, id: string) {
  return w.app.ledger.db.selectFrom("decisions").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
}

/** The stored status of hold `id`. */
export async function holdStatus(w: World, id: string): Promise<string> {
  const row = await w.app.ledger.db
    .selectFrom("holds")
    .select("status")
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
  return row.status;
}

/** Confirmed bookings of every owner, in start order. */
export async function confirmedBookings(w: World) {
  return w.app.ledger.db
    .selectFrom("bookings")
    .selectAll()
    .where("status", "=", "confirmed")
    .orderBy("start_ms")
    .orderBy("id")
    .execute();
}

export { prng } from "../helpers/prng.js";

export const MINUTE = 60_000;
export const iso = (ms: number): string => new Date(ms).toISOString().replace(".000Z", "Z");
