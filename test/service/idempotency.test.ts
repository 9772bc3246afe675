// Idempotency keys (DESIGN.md section 6): replay byte for byte, one write, 409 on reuse, kept 24 h,
// scoped per agent. Owner in America/New_York (UTC-5 until 2026-03-08), 09:00-17:00 Mon-Fri.
import { describe, expect, it } from "vitest";
import type { Caller } from "../../src/service/caller.js";
import { NINE_TO_FIVE, type World } from "../helpers/world.js";
import { countRows, useWorld } from "./fixtures.js";

// Now: Mon 2026-03-02 12:00Z = 07:00 EST.
const NOW = Date.parse("2026-03-02T12:00:00Z");
const DAY = 86_400_000;
const world = useWorld("2026-03-02T12:00:00Z", async (w) => {
  await w.addOwner("ceo@example.com", "America/New_York", {
    timezone: "America/New_York",
    working_hours: NINE_TO_FIVE,
  });
});

async function agent(w: World, name = "a"): Promise<Caller> {
  return (await w.addAgent({ name, defaultClass: "internal_sync" })).caller;
}

// Tue 2026-03-03 10:00-10:30 EST.
const ARGS = {
  owner_email: "ceo@example.com",
  start: "2026-03-03T15:00:00Z",
  duration_minutes: 30,
  title: "Sync",
};

describe("idempotency", () => {
  it("a replay returns the same bytes and writes one booking and one decision row", async () => {
    const w = world();
    const a = await agent(w);
    const first = await w.call(a, "create_booking", ARGS, "key-1");
    expect(first.verdict).toBe("Accept");
    const replay = await w.call(a, "create_booking", ARGS, "key-1");
    expect(replay._replayed).toBe(true);
    expect(replay._json).toBe(first._json);
    // The key as an argument is the same key as the transport header.
    const asArg = await w.call(a, "create_booking", { ...ARGS, idempotency_key: "key-1" });
    expect(asArg._json).toBe(first._json);
    // Argument order does not change the fingerprint.
    const reordered = await w.call(a, "create_booking", {
      title: "Sync",
      duration_minutes: 30,
      start: "2026-03-03T15:00:00Z",
      owner_email: "CEO@example.com",
      idempotency_key: "key-1",
    });
    expect(reordered._replayed).toBe(true);
    expect(await countRows(w, "bookings")).toBe(1);
    expect(await countRows(w, "decisions")).toBe(1);
    expect(await countRows(w, "idempotency")).toBe(1);
  });

  it("replays a non-Accept verdict too, without a second decision", async () => {
    const w = world();
    const a = await agent(w);
    const saturday = { ...ARGS, start: "2026-03-07T15:00:00Z" }; // Sat 10:00 EST
    const first = await w.call(a, "create_booking", saturday, "sat");
    expect(first.verdict).toBe("Reject");
    const replay = await w.call(a, "create_booking", saturday, "sat");
    expect(replay._json).toBe(first._json);
    expect(await countRows(w, "decisions")).toBe(1);
  });

  it("a different request under the same key is idempotency_key_reused and changes nothing", async () => {
    const w = world();
    const a = await agent(w);
    await w.call(a, "create_booking", ARGS, "key-1");
    const reused = await w.call(a, "create_booking", { ...ARGS, title: "Other" }, "key-1");
    expect(reused.isError).toBe(true);
    expect(reused.error).toBe("idempotency_key_reused");
    expect(reused.message).toContain("key-1");
    // The same key on another tool is a different request as well.
    const hold = await w.call(
      a,
      "create_hold",
      { owner_email: "ceo@example.com", start: "2026-03-03T18:00:00Z", duration_minutes: 30 },
      "key-1",
    );
    expect(hold.error).toBe("idempotency_key_reused");
    expect(await countRows(w, "bookings")).toBe(1);
    expect(await countRows(w, "holds")).toBe(0);
    expect(await countRows(w, "decisions")).toBe(1);
  });

  it("keys are scoped per agent", async () => {
    const w = world();
    const a = await agent(w, "a");
    const b = await agent(w, "b");
    const mine = await w.call(a, "create_booking", ARGS, "shared");
    const theirs = await w.call(b, "create_booking", ARGS, "shared");
    expect(mine.verdict).toBe("Accept");
    expect(theirs._replayed).toBe(false);
    expect(theirs.verdict).toBe("CounterPropose");
  });

  it("a request that fails stores nothing, so the key stays free", async () => {
    const w = world();
    const a = await agent(w);
    const missing = await w.call(a, "create_booking", { ...ARGS, owner_email: "nobody@example.com" }, "k");
    expect(missing.error).toBe("not_found");
    expect(await countRows(w, "idempotency")).toBe(0);
    const ok = await w.call(a, "create_booking", ARGS, "k");
    expect(ok.verdict).toBe("Accept");
  });

  it("is kept 24 h: replayed at 24 h - 1 ms, a fresh request at 24 h", async () => {
    const w = world();
    const a = await agent(w);
    const first = await w.call(a, "create_booking", ARGS, "daily");
    w.clock.now = NOW + DAY - 1; // Tue 2026-03-03 11:59:59.999Z
    const replay = await w.call(a, "create_booking", ARGS, "daily");
    expect(replay._json).toBe(first._json);
    const reused = await w.call(a, "create_booking", { ...ARGS, title: "Other" }, "daily");
    expect(reused.error).toBe("idempotency_key_reused");

    w.clock.now = NOW + DAY; // Tue 2026-03-03 12:00:00Z = 07:00 EST
    const fresh = await w.call(a, "create_booking", ARGS, "daily");
    expect(fresh._replayed).toBe(false);
    // Arbitrated again: the slot is the first booking's now.
    expect(fresh.verdict).toBe("CounterPropose");
    expect(fresh.decision_id).not.toBe(first.decision_id);
    // The key now remembers the new response, and a different request after expiry is allowed.
    const replayFresh = await w.call(a, "create_booking", ARGS, "daily");
    expect(replayFresh._json).toBe(fresh._json);
    expect(await countRows(w, "bookings")).toBe(1);
    expect(await countRows(w, "decisions")).toBe(2);
  });

  it("after 24 h, gives the key to a different request: its response replays, the old request is refused", async () => {
    const w = world();
    const a = await agent(w);
    await w.call(a, "create_booking", ARGS, "reused");
    w.clock.now = NOW + DAY;
    const later = { ...ARGS, start: "2026-03-04T15:00:00Z", title: "Later" }; // Wed 10:00 EST
    const second = await w.call(a, "create_booking", later, "reused");
    expect(second._replayed).toBe(false);
    expect(second.verdict).toBe("Accept");
    const replay = await w.call(a, "create_booking", later, "reused");
    expect(replay._json).toBe(second._json);
    const first = await w.call(a, "create_booking", ARGS, "reused");
    expect(first.error).toBe("idempotency_key_reused");
    expect(await countRows(w, "idempotency")).toBe(1);
  });
});
