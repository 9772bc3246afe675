// Many create_booking calls in flight at once in one process: one transaction per decision means
// exactly one winner per slot and an accepted set that a sequential replay reproduces.
// Owner in America/New_York (UTC-5 until 2026-03-08), 09:00-17:00 Mon-Fri.
import { describe, expect, it } from "vitest";
import type { Caller } from "../../src/service/caller.js";
import { findOverlaps } from "../helpers/invariants.js";
import { NINE_TO_FIVE, type World } from "../helpers/world.js";
import { confirmedBookings, iso, MINUTE, prng, useWorld } from "./fixtures.js";

// Now: Mon 2026-03-02 12:00Z = 07:00 EST.
const world = useWorld("2026-03-02T12:00:00Z", async (w) => {
  await w.addOwner("ceo@example.com", "America/New_York", {
    timezone: "America/New_York",
    working_hours: NINE_TO_FIVE,
  });
});

const N = 50;
// Tue 2026-03-03 09:00 EST.
const OPEN = Date.parse("2026-03-03T14:00:00Z");

async function agents(w: World, n: number, scopes?: string[]): Promise<Caller[]> {
  const out: Caller[] = [];
  for (let i = 0; i < n; i++) {
    const a = await w.addAgent({
      name: `agent ${i}`,
      defaultClass: "internal_sync",
      scopes: (scopes ?? ["create_bookings"]) as never,
    });
    out.push(a.caller);
  }
  return out;
}

async function seqOf(w: World, decisionIds: string[]): Promise<Map<string, number>> {
  const rows = await w.app.ledger.db
    .selectFrom("decisions")
    .select(["id", "seq"])
    .where("id", "in", decisionIds)
    .execute();
  return new Map(rows.map((r) => [r.id, r.seq]));
}

describe("50 concurrent create_booking calls", () => {
  it("on one slot: exactly one Accept, 49 counter-proposals, one booking", async () => {
    const w = world();
    const callers = await agents(w, N);
    // Tue 10:00-10:30 EST, from 50 agents at once.
    const results = await Promise.all(
      callers.map((c, i) =>
        w.call(c, "create_booking", {
          owner_email: "ceo@example.com",
          start: "2026-03-03T15:00:00Z",
          end: "2026-03-03T15:30:00Z",
          title: `Call ${i}`,
        }),
      ),
    );
    const verdicts = results.map((r) => r.verdict);
    expect(results.filter((r) => r.isError)).toEqual([]);
    expect(verdicts.filter((v) => v === "Accept")).toHaveLength(1);
    expect(verdicts.filter((v) => v === "CounterPropose")).toHaveLength(N - 1);
    for (const r of results.filter((r) => r.verdict !== "Accept")) {
      expect(r.reason_code).toBe("CONFLICT");
      expect(r.alternatives[0].start).toBe("2026-03-03T14:30:00Z"); // 09:30 EST (tie with 10:30 EST)
    }
    const winner = results.find((r) => r.verdict === "Accept")!;
    const live = await confirmedBookings(w);
    expect(live.map((b) => b.id)).toEqual([winner.booking.booking_id]);
    const decisions = await w.app.ledger.db.selectFrom("decisions").select("verdict").execute();
    expect(decisions).toHaveLength(N);
  });

  it("on partial overlaps: no overlapping bookings, and the accepted set is what a sequential replay gives", async () => {
    const w = world();
    const callers = await agents(w, N);
    const rand = prng(20260303);
    // Starts on the 15-minute grid between 09:00 and 16:00 EST, 15-90 minutes long.
    const requests = callers.map(() => {
      const start = OPEN + Math.floor(rand() * 28) * 15 * MINUTE;
      const minutes = 15 * (1 + Math.floor(rand() * 6));
      return { start, end: Math.min(start + minutes * MINUTE, OPEN + 8 * 60 * MINUTE) };
    });
    const results = await Promise.all(
      callers.map((c, i) =>
        w.call(c, "create_booking", {
          owner_email: "ceo@example.com",
          start: iso(requests[i]!.start),
          end: iso(requests[i]!.end),
          title: `Call ${i}`,
        }),
      ),
    );
    expect(results.filter((r) => r.isError)).toEqual([]);
    expect(await findOverlaps(w.app.ledger.db, w.clock.now)).toEqual([]);

    // Replaying the requests in commit order against an empty calendar accepts exactly the same ones.
    const seq = await seqOf(
      w,
      results.map((r) => r.decision_id),
    );
    const order = results
      .map((_, i) => i)
      .sort((i, j) => seq.get(results[i]!.decision_id)! - seq.get(results[j]!.decision_id)!);
    const accepted: { start: number; end: number }[] = [];
    for (const i of order) {
      const req = requests[i]!;
      const free = accepted.every((a) => a.end <= req.start || req.end <= a.start);
      const r = results[i]!;
      if (free) {
        expect(r.verdict).toBe("Accept");
        accepted.push(req);
      } else {
        expect(["CounterPropose", "Reject"]).toContain(r.verdict);
        expect(["CONFLICT", "NO_CAPACITY"]).toContain(r.reason_code);
      }
    }
    const acceptedIds = results
      .filter((r) => r.verdict === "Accept")
      .map((r) => r.booking.booking_id)
      .sort();
    const live = await confirmedBookings(w);
    expect(live.map((b) => b.id).sort()).toEqual(acceptedIds);
    expect(accepted.length).toBeGreaterThan(1);
    expect(accepted.length).toBeLessThan(N);
  });

  it("with some calls failing inside their transaction: the others are decided once each, kept once", async () => {
    const w = world();
    const callers = await agents(w, N);
    // Every fifth call names an owner there is none of: refused inside its transaction, after the
    // calls before it in its group have written. The group is then run again with savepoints.
    const results = await Promise.all(
      callers.map((c, i) =>
        w.call(
          c,
          "create_booking",
          i % 5 === 2
            ? {
                owner_email: "nobody@example.com",
                start: iso(OPEN + i * 30 * MINUTE),
                duration_minutes: 15,
                title: `Call ${i}`,
              }
            : {
                owner_email: "ceo@example.com",
                start: iso(OPEN + i * 30 * MINUTE),
                duration_minutes: 15,
                title: `Call ${i}`,
              },
          `key-${i}`,
        ),
      ),
    );
    const failed = results.flatMap((r, i) => (r.isError ? [i] : []));
    expect(failed).toEqual(callers.flatMap((_, i) => (i % 5 === 2 ? [i] : [])));
    for (const i of failed) expect(results[i]).toMatchObject({ error: "not_found" });
    const decided = results.filter((r) => !r.isError);
    // One decision row and at most one booking per call decided; none for a refused one.
    const decisions = await w.app.ledger.db.selectFrom("decisions").select("id").execute();
    expect(decisions.map((d) => d.id).sort()).toEqual(decided.map((r) => r.decision_id).sort());
    const made = decided.filter((r) => r.verdict === "Accept").map((r) => r.booking.booking_id);
    expect(made.length).toBeGreaterThan(0);
    const rows = await w.app.ledger.db.selectFrom("bookings").select("id").execute();
    expect(rows.map((b) => b.id).sort()).toEqual(made.sort());
    // Each key answers with what its caller was told, not with a try that was rolled back.
    const i = results.findIndex((r) => !r.isError);
    const again = await w.call(
      callers[i]!,
      "create_booking",
      {
        owner_email: "ceo@example.com",
        start: iso(OPEN + i * 30 * MINUTE),
        duration_minutes: 15,
        title: `Call ${i}`,
      },
      `key-${i}`,
    );
    expect(again.decision_id).toBe(results[i]!.decision_id);
  });

  it("with mixed classes and preemption: every booking a caller saw is confirmed or was displaced by a later Preempt", async () => {
    const w = world();
    const classes = ["focus_time", "internal_sync", "interview", "external_customer_call", "exec_meeting"];
    const callers: Caller[] = [];
    for (let i = 0; i < N; i++) {
      const a = await w.addAgent({
        name: `agent ${i}`,
        defaultClass: classes[i % classes.length]!,
        priority: i % 3,
      });
      callers.push(a.caller);
    }
    const rand = prng(7);
    const results = await Promise.all(
      callers.map((c, i) => {
        const start = OPEN + Math.floor(rand() * 16) * 30 * MINUTE;
        return w.call(c, "create_booking", {
          owner_email: "ceo@example.com",
          start: iso(start),
          duration_minutes: 30 * (1 + Math.floor(rand() * 2)),
          title: `Call ${i}`,
        });
      }),
    );
    expect(results.filter((r) => r.isError)).toEqual([]);
    expect(await findOverlaps(w.app.ledger.db, w.clock.now)).toEqual([]);
    const seq = await seqOf(
      w,
      results.map((r) => r.decision_id),
    );
    const displacedAt = new Map<string, number>();
    for (const r of results) {
      for (const d of r.displaced) displacedAt.set(d.id, seq.get(r.decision_id)!);
    }
    const rows = await w.app.ledger.db.selectFrom("bookings").selectAll().execute();
    const status = new Map(rows.map((b) => [b.id, b.status]));
    const won = results.filter((r) => r.verdict === "Accept" || r.verdict === "Preempt");
    expect(won.length).toBeGreaterThan(0);
    expect(results.some((r) => r.verdict === "Preempt")).toBe(true);
    for (const r of won) {
      const id = r.booking.booking_id as string;
      if (displacedAt.has(id)) {
        expect(status.get(id)).toBe("needs_reschedule");
        expect(displacedAt.get(id)!).toBeGreaterThan(seq.get(r.decision_id)!);
      } else {
        expect(status.get(id)).toBe("confirmed");
      }
    }
    // Nothing was written that no caller was told about.
    expect(rows.map((b) => b.id).sort()).toEqual(won.map((r) => r.booking.booking_id).sort());
  });
});
