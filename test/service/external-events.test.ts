// External events (a person's own meetings, mirrored from a provider) in the snapshot: short ones are
// found through a bounded look-back, long ones (holidays) through the span-length index.
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { upsertExternalEvent } from "../../src/ledger/schedule.repository.js";
import { makeWorld, type World } from "../helpers/world.js";

const DAY = 86_400_000;
let w: World;
let ownerId: string;
let calendarId: string;

beforeEach(async () => {
  w = await makeWorld("2026-03-02T12:00:00Z");
  ({ ownerId, calendarId } = await w.addOwner("ceo@example.com", "UTC"));
});
afterEach(async () => w.close());

async function external(id: string, startIso: string, endIso: string) {
  await upsertExternalEvent(w.app.ledger.db, {
    id: `evt_${id}`,
    owner_id: ownerId,
    calendar_id: calendarId,
    external_id: id,
    start_ms: Date.parse(startIso),
    end_ms: Date.parse(endIso),
    busy: 1,
    title: id,
    booking_id: null,
    updated_at: 0,
  });
}

describe("external events in decisions", () => {
  it("a 30-day holiday blocks a slot in its middle; a short event blocks its own time only", async () => {
    await external("holiday", "2026-03-10T00:00:00Z", "2026-04-09T00:00:00Z");
    await external("dentist", "2026-03-05T10:00:00Z", "2026-03-05T11:00:00Z");
    const agent = await w.addAgent({ name: "a" });
    const book = (start: string) =>
      w.call(agent.caller, "create_booking", {
        owner_email: "ceo@example.com",
        start,
        duration_minutes: 30,
        title: "t",
      });
    expect((await book("2026-03-25T10:00:00Z")).verdict).not.toBe("Accept"); // day 15 of the holiday
    expect((await book("2026-03-05T10:30:00Z")).verdict).not.toBe("Accept"); // during the dentist
    expect((await book("2026-03-05T11:00:00Z")).verdict).toBe("Accept"); // right after it
    expect((await book("2026-04-09T00:00:00Z")).verdict).toBe("Accept"); // the holiday's end is free
  });

  it("free/busy shows an event that started weeks before the range", async () => {
    await external("sabbatical", "2026-01-01T00:00:00Z", "2026-06-01T00:00:00Z");
    const agent = await w.addAgent({ name: "r" });
    const fb = await w.call(agent.caller, "get_free_busy", {
      owner_email: "ceo@example.com",
      window: { start: "2026-03-03T00:00:00Z", end: "2026-03-04T00:00:00Z" },
    });
    expect(fb.busy).toEqual([{ start: "2026-03-03T00:00:00Z", end: "2026-03-04T00:00:00Z" }]);
  });

  it("long events are looked up through the span-length index, not a scan of the owner's history", async () => {
    const plan = await sql<{ detail: string }>`EXPLAIN QUERY PLAN SELECT id FROM external_events
      WHERE owner_id = ${ownerId} AND busy = 1 AND end_ms - start_ms >= ${7 * DAY}
      AND booking_id IS NULL AND start_ms < ${Date.parse("2026-03-10T00:00:00Z")} AND end_ms > ${Date.parse("2026-03-03T00:00:00Z")}`.execute(
      w.app.ledger.db,
    );
    expect(plan.rows.map((r) => r.detail).join(" ")).toContain("external_events_owner_span_length");
  });
});
