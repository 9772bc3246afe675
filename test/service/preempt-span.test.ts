// Regression: preempt took start/end without the checks every other tool applies (end after start,
// at most 24 h), so it could write an inverted span (an internal error) or a booking longer than the
// snapshot's look-back, which later decisions then could not see.
import { describe, expect, it } from "vitest";
import { confirmedBookings, useWorld } from "./fixtures.js";

// Now: Mon 2026-03-02 12:00Z. The owner has no rules: every minute is bookable.
const world = useWorld("2026-03-02T12:00:00Z", async (w) => {
  await w.addOwner("ceo@example.com", "America/New_York");
});

describe("preempt start/end", () => {
  it("refuses a span longer than 24 h, and an inverted one, as bad requests that change nothing", async () => {
    const w = world();
    const sales = await w.addAgent({
      name: "sales",
      defaultClass: "internal_sync",
      scopes: ["create_bookings"],
    });
    const exec = await w.addAgent({ name: "exec", defaultClass: "exec_meeting" });
    // Tue 2026-03-03 10:00-10:30 EST.
    const victim = await w.call(sales.caller, "create_booking", {
      owner_email: "ceo@example.com",
      start: "2026-03-03T15:00:00Z",
      end: "2026-03-03T15:30:00Z",
      title: "Sync",
    });
    expect(victim.verdict).toBe("Accept");
    // Tue 2026-03-03 00:00 EST to Thu 2026-03-12 00:00 EDT: nine days.
    const long = await w.call(exec.caller, "preempt", {
      booking_id: victim.booking.booking_id,
      start: "2026-03-03T05:00:00Z",
      end: "2026-03-12T04:00:00Z",
      title: "Offsite",
    });
    expect(long.error).toBe("bad_request");
    const inverted = await w.call(exec.caller, "preempt", {
      booking_id: victim.booking.booking_id,
      start: "2026-03-03T15:30:00Z",
      end: "2026-03-03T15:00:00Z",
      title: "Backwards",
    });
    expect(inverted.error).toBe("bad_request");
    const live = await confirmedBookings(w);
    expect(live.map((b) => b.id)).toEqual([victim.booking.booking_id]);
    // Had the nine-day booking been written, this booking eight days in would have overlapped it.
    const later = await w.call(sales.caller, "create_booking", {
      owner_email: "ceo@example.com",
      start: "2026-03-11T15:00:00Z",
      end: "2026-03-11T15:30:00Z",
      title: "Later",
    });
    expect(later.verdict).toBe("Accept");
  });
});
