// Authentication (DESIGN.md sections 2 and 6): which keys get `unauthorized` (401), and that a key
// that cannot be ours is refused before the database is touched.
import type { Kysely } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "../../src/ledger/tables.js";
import { createAgent } from "../../src/service/admin.js";
import { createKey, revokeKey, setAgentStatus, updateAgent } from "../../src/service/agents-admin.js";
import { generateApiKey } from "../../src/service/api-keys.js";
import { authenticate, KeyCache } from "../../src/service/authenticate.js";
import { OpenavailError } from "../../src/service/errors.js";
import { makeWorld, type World } from "../helpers/world.js";

const DAY = 86_400_000;

let w: World;
let agentId: string;
beforeEach(async () => {
  w = await makeWorld("2026-03-02T12:00:00Z");
  await w.addOwner("ceo@example.com");
  agentId = (
    await createAgent(
      w.app.ledger.db,
      { name: "bot", scopes: ["read_freebusy"], owners: ["ceo@example.com"] },
      w.clock.now,
    )
  ).id;
});
afterEach(async () => w.close());

async function refusal(p: Promise<unknown>): Promise<OpenavailError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OpenavailError);
  return err as OpenavailError;
}

const newKey = async (input: object = {}) => createKey(w.app.ledger.db, agentId, input, w.clock.now);

describe("a working key", () => {
  it("authenticates as its agent with its scopes and owners", async () => {
    const { key } = await newKey();
    const caller = await w.app.authenticate(key);
    expect(caller.agentId).toBe(agentId);
    expect([...caller.scopes]).toEqual(["read_freebusy"]);
    expect(caller.owners).toEqual(new Set(["ceo@example.com"]));
    expect(caller.keyPrefix).toBe(key.slice(0, 11));
  });

  it("sees agent updates on its next request (authenticate reads the agent per call)", async () => {
    const { key } = await newKey();
    await w.app.authenticate(key);
    await updateAgent(
      w.app.ledger.db,
      w.app.policy.policy,
      agentId,
      { scopes: ["read_freebusy", "create_holds"], owners: ["*"], priority: 7, default_class: "interview" },
      w.clock.now,
    );
    const caller = await w.app.authenticate(key);
    expect([...caller.scopes].sort()).toEqual(["create_holds", "read_freebusy"]);
    expect(caller.owners).toBe("*");
    expect(caller.priority).toBe(7);
    expect(caller.defaultClass).toBe("interview");
  });
});

describe("unauthorized (401)", () => {
  it("a disabled agent's keys at once; enabling restores them", async () => {
    const { key } = await newKey();
    await w.app.authenticate(key);
    await setAgentStatus(w.app.ledger.db, agentId, "disabled", w.clock.now);
    const err = await refusal(w.app.authenticate(key));
    expect(err.type).toBe("unauthorized");
    expect(err.status).toBe(401);
    expect(err.message).toContain("disabled");
    await setAgentStatus(w.app.ledger.db, agentId, "active", w.clock.now);
    expect((await w.app.authenticate(key)).agentId).toBe(agentId);
  });

  it("a disabled agent's holds stay until they expire normally", async () => {
    const { key } = await newKey({});
    await updateAgent(
      w.app.ledger.db,
      w.app.policy.policy,
      agentId,
      { scopes: ["read_freebusy", "create_holds"] },
      w.clock.now,
    );
    const caller = await w.app.authenticate(key);
    const hold = await w.call(caller, "create_hold", {
      owner_email: "ceo@example.com",
      start: "2026-03-03T15:00:00Z",
      duration_minutes: 30,
      ttl_seconds: 600,
    });
    expect(hold.verdict).toBe("Accept");
    await setAgentStatus(w.app.ledger.db, agentId, "disabled", w.clock.now);
    const row = () =>
      w.app.ledger.db
        .selectFrom("holds")
        .select("status")
        .where("id", "=", hold.hold.hold_id)
        .executeTakeFirstOrThrow();
    expect((await row()).status).toBe("active");
    // The next decision after expiry sweeps it like any other hold.
    w.clock.now += 601_000;
    const other = await w.addAgent({ name: "other" });
    await w.call(other.caller, "check_availability", {
      owner_email: "ceo@example.com",
      duration_minutes: 30,
      window: { start: "2026-03-04T15:00:00Z", end: "2026-03-04T16:00:00Z" },
      hold: false,
    });
    expect((await row()).status).toBe("expired");
  });

  it("an expired key, from its expiry instant on", async () => {
    const { key, expires_at } = await newKey({ expires_in_days: 1 });
    expect(Date.parse(expires_at!)).toBe(w.clock.now + DAY);
    w.clock.now += DAY - 1;
    await w.app.authenticate(key);
    w.clock.now += 1;
    const err = await refusal(w.app.authenticate(key));
    expect(err.type).toBe("unauthorized");
    expect(err.message).toContain("expired");
  });

  it("a revoked key, at once", async () => {
    const made = await newKey();
    await w.app.authenticate(made.key);
    const view = await revokeKey(w.app.ledger.db, agentId, made.id, w.clock.now);
    expect(view.status).toBe("revoked");
    const err = await refusal(w.app.authenticate(made.key));
    expect(err.type).toBe("unauthorized");
    expect(err.message).toContain("revoked");
    expect(err.message).not.toContain(made.key);
  });

  it("a one-character typo of a key in use, by its checksum (a used key's hash is kept by the key as sent)", async () => {
    const made = await newKey();
    await w.app.authenticate(made.key);
    const typo = made.key.slice(0, 10) + (made.key[10] === "A" ? "B" : "A") + made.key.slice(11);
    const err = await refusal(w.app.authenticate(typo));
    expect(err.message).toContain("checksum");
    expect((await w.app.authenticate(made.key)).agentId).toBe(agentId);
  });

  it("a revoked key leaves the process's memory of keys by their raw form", async () => {
    const made = await newKey();
    const cache = new KeyCache(w.app.ledger.changes);
    await authenticate(w.app.ledger.db, made.key, w.clock.now, cache);
    expect(cache.knownHash(made.key)).toBeDefined();
    await revokeKey(w.app.ledger.db, agentId, made.id, w.clock.now);
    await refusal(authenticate(w.app.ledger.db, made.key, w.clock.now, cache));
    expect(cache.knownHash(made.key)).toBeUndefined();
  });

  it("a well-formed key nobody issued", async () => {
    const err = await refusal(w.app.authenticate(generateApiKey().raw));
    expect(err.type).toBe("unauthorized");
  });
});

describe("keys that cannot be ours are refused without a database lookup", () => {
  const real = generateApiKey().raw;
  const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === "A" ? "B" : "A") + s.slice(i + 1);
  const cases: [string, string | undefined][] = [
    ["missing", undefined],
    ["empty", ""],
    ["too short", "ak_abc"],
    ["wrong prefix", `sk_${real.slice(3)}`],
    ["bad checksum", flip(real, real.length - 1)],
    ["typo in the body", flip(real, 10)],
    ["one character too many", `${real}x`],
    ["with the Bearer scheme left on", `Bearer ${real}`],
    ["surrounding whitespace", ` ${real}`],
    ["non-base64url character", `${real.slice(0, 20)}!${real.slice(21)}`],
  ];

  it.each(cases)("%s", async (_label, raw) => {
    let touched = 0;
    const db = new Proxy(
      {},
      {
        get() {
          touched++;
          throw new Error("the database must not be touched");
        },
      },
    ) as Kysely<Database>;
    const err = await refusal(authenticate(db, raw, Date.parse("2026-03-02T12:00:00Z")));
    expect(err.type).toBe("unauthorized");
    expect(err.status).toBe(401);
    expect(touched).toBe(0);
    if (raw) expect(err.message).not.toContain(raw);
  });
});
