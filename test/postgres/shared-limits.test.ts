// What instances on one PostgreSQL ledger share besides the bookings (DESIGN.md section 10): one
// rate limit per key between them, and one sync of a calendar at a time. Runs in the postgres
// vitest project only.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { App } from "../../src/compose.js";
import { unlessClaimed } from "../../src/ledger/dialect.js";
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
});
