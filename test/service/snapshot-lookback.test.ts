// The snapshot finds bookings and holds that began long before a requested slot: its look-back is the
// owner's longest live booking (or hold), read from the span-length index, not a fixed day.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeWorld, type World } from "../helpers/world.js";

let w: World;
let book: (start: string, minutes: number) => Promise<Record<string, any>>;
let hold: (start: string, minutes: number) => Promise<Record<string, any>>;
let cancel: (bookingId: string) => Promise<Record<string, any>>;

beforeEach(async () => {
  w = await makeWorld("2026-03-02T12:00:00Z");
  await w.addOwner("ceo@example.com", "UTC");
  const agent = await w.addAgent({ name: "a" });
  const span = (start: string, minutes: number) => ({
    owner_email: "ceo@example.com",
    start,
    duration_minutes: minutes,
  });
  book = (start, minutes) => w.call(agent.caller, "create_booking", { ...span(start, minutes), title: "t" });
  hold = (start, minutes) => w.call(agent.caller, "create_hold", span(start, minutes));
  cancel = (bookingId) => w.call(agent.caller, "cancel_booking", { booking_id: bookingId });
});
afterEach(async () => w.close());

describe("the snapshot's look-back", () => {
  it("a 24-hour booking blocks its last minute, however many short bookings follow its start", async () => {
    const long = await book("2026-03-05T00:00:00Z", 1440);
    expect(long.verdict).toBe("Accept");
    for (let h = 1; h < 23; h += 2) {
      expect((await book(`2026-03-06T${String(h).padStart(2, "0")}:00:00Z`, 30)).verdict).toBe("Accept");
    }
    expect((await book("2026-03-05T23:55:00Z", 5)).verdict).not.toBe("Accept");
    expect((await book("2026-03-06T00:00:00Z", 30)).verdict).toBe("Accept");
  });

  it("shrinks when the longest booking is cancelled, and the slot it held is free again", async () => {
    const long = await book("2026-03-05T00:00:00Z", 1200);
    await book("2026-03-05T21:00:00Z", 30);
    expect((await book("2026-03-05T19:30:00Z", 30)).verdict).not.toBe("Accept");
    expect((await cancel(long.booking.booking_id)).booking.status).toBe("cancelled");
    expect((await book("2026-03-05T19:30:00Z", 30)).verdict).toBe("Accept");
    // The short booking after it still blocks its own half hour.
    expect((await book("2026-03-05T21:15:00Z", 30)).verdict).not.toBe("Accept");
  });

  it("a long hold blocks until it expires, then neither it nor its length is counted", async () => {
    expect((await hold("2026-03-05T00:00:00Z", 1380)).verdict).toBe("Accept");
    expect((await book("2026-03-05T22:30:00Z", 30)).verdict).not.toBe("Accept");
    w.clock.now += 3_600_001; // past the longest hold TTL
    expect((await book("2026-03-05T22:30:00Z", 30)).verdict).toBe("Accept");
  });
});
