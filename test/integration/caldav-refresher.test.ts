// A CalDAV calendar connected by another process (`openavail connect caldav` on the same database)
// while a server is deciding: with the ledger's change tracker, the refresher's "no provider calendar
// here" lasts only until the calendars table changes, so the owner's event counts for the very next
// decision, however soon after one that found none.
import { randomBytes } from "node:crypto";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { registerConnectCommand } from "../../src/cli/commands/connect.js";
import { runCli } from "../../src/cli/run-cli.js";
import { parseSecretKey, SecretBox } from "../../src/providers/secret-box.js";
import { createRefresher } from "../../src/service/mirror-refresh.js";
import { createProviderRegistry } from "../../src/service/provider-registry.js";
import { SchedulingService } from "../../src/service/scheduling-service.js";
import { executeTool } from "../../tools/execute-tool.js";
import { findTool } from "../../tools/index.js";
import { type Radicale, startRadicale, vevent } from "../helpers/radicale.js";
import { makeWorld, type World } from "../helpers/world.js";
import { capture } from "./google-world.js";

const OWNER = "kai@example.com";
const SECRET = randomBytes(32).toString("hex");
let radicale: Radicale;
let w: World;
beforeEach(async () => {
  radicale = await startRadicale({ username: OWNER, password: "kai-pw" });
  w = await makeWorld("2026-03-02T12:00:00Z");
});
afterEach(async () => {
  await w.close();
  await radicale.close();
});

describe("the refresher, with the ledger's change tracker", () => {
  it("notices a calendar another process connected at once", async () => {
    const now = () => w.clock.now;
    const logger = pino({ level: "silent" });
    const db = w.app.ledger.db;
    const registry = createProviderRegistry({
      db,
      secretBox: new SecretBox(parseSecretKey(SECRET)),
      google: null,
      now,
    });
    const service = new SchedulingService({
      db,
      changes: w.app.ledger.changes,
      policy: w.app.policy,
      now,
      logger,
      refresh: createRefresher({ db, now, logger, providerFor: registry, changes: w.app.ledger.changes }),
      staleAfterMs: 300_000,
    });
    await w.addOwner("local@example.com");
    const agent = await w.addAgent({ name: "bot" });
    const book = async (owner: string, start: string) =>
      JSON.parse(
        (
          await executeTool(service, findTool("create_booking")!, agent.caller, {
            owner_email: owner,
            start,
            duration_minutes: 30,
            title: "Meeting",
          })
        ).json,
      ) as Record<string, any>;
    expect((await book("local@example.com", "2026-03-04T10:00:00Z")).verdict).toBe("Accept");

    // Another process connects the owner's CalDAV calendar on the same database file.
    const url = await radicale.makeCalendar("work");
    const err = capture();
    const code = await runCli(
      ["connect", "caldav", "--owner", OWNER, "--url", url, "--username", OWNER, "--db", w.dbPath, "--json"],
      {
        env: { OPENAVAIL_SECRET_KEY: SECRET, OPENAVAIL_LOG_LEVEL: "silent" },
        stdout: capture(),
        stderr: err,
      },
      {
        registrars: [
          (program, c) => registerConnectCommand(program, c, { now, readPassword: async () => "kai-pw" }),
        ],
      },
    );
    expect(code, err.text()).toBe(0);
    await radicale.putEvent(
      url,
      "run.ics",
      vevent([
        "UID:run",
        "DTSTAMP:20260101T000000Z",
        "DTSTART:20260304T150000Z",
        "DTEND:20260304T160000Z",
        "SUMMARY:Run",
      ]),
    );
    // Same instant as the first decision: no time-based recheck could have happened.
    expect((await book(OWNER, "2026-03-04T15:00:00Z")).verdict).toBe("CounterPropose");
  });
});
