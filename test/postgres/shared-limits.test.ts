// What instances on one PostgreSQL ledger share besides the bookings (DESIGN.md section 10): one
// rate limit per key between them, one sync of a calendar at a time, and each outbox entry claimed by
// one of them. Runs in the postgres vitest project only.

import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { App } from "../../src/compose.js";
import { unlessClaimed } from "../../src/ledger/dialect.js";
import { claimOutbox, enqueueOutbox } from "../../src/ledger/outbox.repository.js";
import { serverAppOf } from "../helpers/served-world.js";
import { makeWorld, type World } from "../helpers/world.js";

let w: World;
let a: App;
let b: App;

beforeEach(async () => {
  w = await makeWorld("2026-03-02T12:00:00Z");
  a = await serverAppOf(w, { rateLimitPerMinute: 10 });
  b = await serverAppOf(w, { rateLimitPerMinute: 10 });
});

afterEach(async () => {
  await a.close();
  await b.close();
  await w.close();
});

/** Authenticates `key` on `app` (a counted request); the error type when refused. */
async function request(app: App, key: string): Promise<string> {
  try {
    await app.authenticate(key);
    return "ok";
  } catch (err) {
    return (err as { type: string }).type;
  }
}

describe("the rate limit", () => {
  it("holds for a key across instances once they have exchanged their counts", async () => {
    const { key } = await w.addAgent({ name: "chatty" });
    for (let i = 0; i < 6; i++) expect(await request(a, key)).toBe("ok");
    expect(await request(b, key)).toBe("ok");
    await a.rateLimitPeers!.exchange();
    await b.rateLimitPeers!.exchange();
    // b has heard of a's 6 beside its own 1: 3 are left in the window for the two together.
    for (let i = 0; i < 3; i++) expect(await request(b, key)).toBe("ok");
    expect(await request(b, key)).toBe("rate_limited");
    await b.rateLimitPeers!.exchange();
    await a.rateLimitPeers!.exchange();
    expect(await request(a, key)).toBe("rate_limited");
    // Another key has its own limit.
    const other = await w.addAgent({ name: "quiet" });
    expect(await request(a, other.key)).toBe("ok");
    // A minute later the window is empty again, on both.
    w.clock.now += 61_000;
    await a.rateLimitPeers!.exchange();
    await b.rateLimitPeers!.exchange();
    expect(await request(b, key)).toBe("ok");
  });
});

describe("claims", () => {
  it("let one instance sync a calendar while the other passes it by, and take it after", async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered = () => {};
    const inside = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const first = unlessClaimed(a.ledger.db, "sync:cal_1", async () => {
      entered();
      await held;
      return "a synced";
    });
    await inside;
    expect(await unlessClaimed(b.ledger.db, "sync:cal_1", async () => "b synced")).toBeNull();
    // A different calendar is not held up.
    expect(await unlessClaimed(b.ledger.db, "sync:cal_2", async () => "b synced 2")).toBe("b synced 2");
    release();
    expect(await first).toBe("a synced");
    expect(await unlessClaimed(b.ledger.db, "sync:cal_1", async () => "b synced")).toBe("b synced");
  });

  it("give an outbox entry to one instance: the other skips a row being taken instead of waiting", async () => {
    const now = w.clock.now;
    await enqueueOutbox(a.ledger.db, { booking_id: "bkg_1", calendar_id: "cal_1", op: "upsert", now });
    const seq = (await a.ledger.db.selectFrom("outbox").select("seq").execute())[0]!.seq;
    const both = await Promise.all([
      claimOutbox(a.ledger.db, seq, now, now + 60_000),
      claimOutbox(b.ledger.db, seq, now, now + 60_000),
    ]);
    expect(both.filter(Boolean)).toHaveLength(1);
    // Another entry, locked by a transaction on a (an instance in the middle of taking it).
    await enqueueOutbox(a.ledger.db, { booking_id: "bkg_2", calendar_id: "cal_1", op: "upsert", now });
    const second = (await a.ledger.db.selectFrom("outbox").select("seq").orderBy("seq", "desc").execute())[0]!
      .seq;
    await a.ledger.db.transaction().execute(async (trx) => {
      await sql`SELECT seq FROM outbox WHERE seq = ${second} FOR UPDATE`.execute(trx);
      // b answers while the lock is held: skipped, not waited for.
      expect(await claimOutbox(b.ledger.db, second, now, now + 60_000)).toBe(false);
    });
    expect(await claimOutbox(b.ledger.db, second, now, now + 60_000)).toBe(true);
  });
});
