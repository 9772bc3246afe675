// `openavail mcp` (stdio, one process per agent runtime) on a PostgreSQL ledger shared with an
// instance in this process: two stdio agents race for one slot, one wins, and this instance sees the
// booking. Runs in the postgres vitest project only.
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { toInstant } from "../../schemas/time.js";
import { openStdioSession, type Session } from "../helpers/mcp-stdio-session.js";
import { makeWorld, type World } from "../helpers/world.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const ENTRY = fileURLToPath(new URL("../e2e/mcp-cli-entry.ts", import.meta.url));
const DAY = 86_400_000;
/** 14:00 UTC a week from today: the children run on the real clock, so the slot must be ahead of it. */
const T0 = Math.floor(Date.now() / DAY) * DAY + 7 * DAY + 14 * 3_600_000;

let w: World;
const sessions: Session[] = [];
beforeAll(async () => {
  w = await makeWorld(new Date().toISOString());
  await w.addOwner("ceo@example.com", "UTC");
});
afterAll(async () => {
  for (const s of sessions) await s.close();
  await w.close();
});

it("two `openavail mcp` processes on one PostgreSQL ledger book one slot once", async () => {
  for (const name of ["one", "two"]) {
    const { key } = await w.addAgent({ name, scopes: ["create_bookings", "read_events"] });
    sessions.push(
      await openStdioSession(
        ["--import", "tsx", ENTRY, "mcp"],
        // No OPENAVAIL_DB: the ledger is named by the URL alone.
        { OPENAVAIL_API_KEY: key, OPENAVAIL_DATABASE_URL: w.databaseUrl!, OPENAVAIL_LOG_LEVEL: "warn" },
        REPO,
      ),
    );
  }
  const args = { owner_email: "ceo@example.com", start: toInstant(T0), duration_minutes: 30, title: "race" };
  const results = await Promise.all(sessions.map((s) => s.call("create_booking", args)));
  const verdicts = results.map((r) => (r.structuredContent as { verdict: string }).verdict).sort();
  expect(verdicts).toEqual(["Accept", "CounterPropose"]);
  const live = await w.app.ledger.db
    .selectFrom("bookings")
    .select("title")
    .where("status", "=", "confirmed")
    .execute();
  expect(live).toEqual([{ title: "race" }]);
  for (const s of sessions) expect(s.errors).toEqual([]);
}, 60_000);
