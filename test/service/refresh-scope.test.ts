// The provider mirrors a request refreshes before its decision: only those of owners its agent may
// act on. A request naming another owner is refused, and must not first make the server call that
// owner's calendar provider (CalDAV is asked on every decision): a way to make it hit any server.
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SchedulingService } from "../../src/service/scheduling-service.js";
import { executeTool } from "../../tools/execute-tool.js";
import { findTool } from "../../tools/index.js";
import { makeWorld, type World } from "../helpers/world.js";

let w: World;
beforeEach(async () => {
  w = await makeWorld("2026-03-02T12:00:00Z");
  await w.addOwner("mine@example.com");
  await w.addOwner("theirs@example.com");
});
afterEach(async () => w.close());

describe("the refresh before a decision", () => {
  it("covers the owners the agent may act on, never another owner named in the request", async () => {
    const refreshed: string[] = [];
    const service = new SchedulingService({
      db: w.app.ledger.db,
      changes: w.app.ledger.changes,
      policy: w.app.policy,
      now: () => w.clock.now,
      logger: pino({ level: "silent" }),
      refresh: async (owners) => {
        refreshed.push(...owners);
        return undefined;
      },
    });
    const agent = await w.addAgent({ name: "bot", owners: ["mine@example.com"] });
    const book = (owner: string) =>
      executeTool(service, findTool("create_booking")!, agent.caller, {
        owner_email: owner,
        start: "2026-03-03T15:00:00Z",
        duration_minutes: 30,
        title: "t",
      });
    await expect(book("theirs@example.com")).rejects.toMatchObject({ type: "forbidden" });
    expect(refreshed).toEqual([]);
    await book("mine@example.com");
    expect(refreshed).toEqual(["mine@example.com"]);
  });
});
