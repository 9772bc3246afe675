// `openavail connect microsoft` in-process against a real database file and the fake Graph and
// identity platform (the test plays the browser), then the mirror at work: the owner's event over an
// agent's booking makes it needs_reschedule, bookings are written through once, the rotated refresh
// token is sealed back, and a revoked grant marks the calendar needs_reconnect.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CliContext } from "../../src/cli/cli-context.js";
import { registerConnectCommand } from "../../src/cli/commands/connect.js";
import { runCli } from "../../src/cli/run-cli.js";
import { decodeMicrosoftGrant } from "../../src/providers/microsoft/microsoft-grant.js";
import { parseSecretKey, SecretBox } from "../../src/providers/secret-box.js";
import { drainOutbox } from "../../src/service/outbox-worker.js";
import { createProviderRegistry } from "../../src/service/provider-registry.js";
import { executeTool } from "../../tools/execute-tool.js";
import { findTool } from "../../tools/index.js";
import { type FakeGraph, startFakeGraph } from "../fakes/microsoft-graph.js";
import { makeWorld, type World } from "../helpers/world.js";
import { capture, googleBackedService } from "./google-world.js";

const OWNER = "owner@contoso.com";
const NOW = Date.parse("2026-03-02T12:00:00Z");
const SECRET = "44".repeat(32);

let fake: FakeGraph;
let dir: string;
let dbPath: string;
beforeEach(async () => {
  fake = await startFakeGraph({ ownerEmail: OWNER, now: () => NOW });
  dir = mkdtempSync(join(tmpdir(), "openavail-ms-"));
  dbPath = join(dir, "openavail.db");
});
afterEach(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

async function connect(args: string[] = []) {
  let browsed: Promise<Response> | undefined;
  const stderr = capture((all) => {
    const url = /http:\/\/127\.0\.0\.1:\d+\/common\/oauth2\/v2\.0\/authorize\?\S+/.exec(all)?.[0];
    if (url && !browsed) browsed = fetch(url);
  });
  const stdout = capture();
  const ctx: CliContext = {
    env: {
      OPENAVAIL_MICROSOFT_CLIENT_ID: fake.clientId,
      OPENAVAIL_MICROSOFT_LOGIN_URL: fake.loginUrl,
      OPENAVAIL_MICROSOFT_GRAPH_URL: fake.graphUrl,
      OPENAVAIL_SECRET_KEY: SECRET,
      OPENAVAIL_LOG_LEVEL: "silent",
    },
    stdout,
    stderr,
  };
  const code = await runCli(
    ["connect", "microsoft", "--owner", OWNER, "--db", dbPath, "--json", ...args],
    ctx,
    {
      registrars: [(program, c) => registerConnectCommand(program, c, { now: () => NOW })],
    },
  );
  const page = browsed ? await (await browsed).text() : null;
  return { code, stdout: stdout.text(), stderr: stderr.text(), page };
}

describe("openavail connect microsoft", () => {
  it("runs the consent, seals msal's cache, attaches the default calendar and syncs it", async () => {
    fake.human.addEvent("Dentist", "2026-03-03T09:00:00Z", "2026-03-03T10:00:00Z");
    const run = await connect(["--timezone", "Europe/Dublin"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.page).toContain("connected");
    expect(JSON.parse(run.stdout)).toMatchObject({
      owner: { email: OWNER, timezone: "Europe/Dublin", created: true },
      credential: { account: OWNER, reused: false },
      calendars: [
        {
          calendar_type: "work",
          external_id: fake.calendarId,
          action: "created",
          sync: { ok: true, events: 1 },
        },
      ],
    });
    expect(run.stdout + run.stderr).not.toMatch(/M\.R3_fake|eyJ\.fake-access/);
  });

  it("then serves: the owner's event displaces a booking, writes go through once, a revoked grant needs reconnect", async () => {
    expect((await connect()).code).toBe(0);
    const w: World = await makeWorld("2026-03-02T12:00:00Z", dbPath);
    try {
      const box = new SecretBox(parseSecretKey(SECRET));
      const registry = createProviderRegistry({
        db: w.app.ledger.db,
        secretBox: box,
        google: null,
        now: () => w.clock.now,
      });
      const { service, syncDeps } = googleBackedService(w, registry);
      const agent = await w.addAgent({ name: "assistant" });
      const call = async (tool: string, args: Record<string, unknown>) =>
        JSON.parse((await executeTool(service, findTool(tool)!, agent.caller, args)).json) as Record<
          string,
          any
        >;
      const made = await call("create_booking", {
        owner_email: OWNER,
        start: "2026-03-04T15:00:00Z",
        end: "2026-03-04T15:30:00Z",
        title: "Intro",
      });
      expect(made.verdict).toBe("Accept");
      const drain = () => drainOutbox({ ...syncDeps, random: () => 0.5 });
      expect(await drain()).toMatchObject({ done: 1 });
      expect(await drain()).toMatchObject({ done: 0 });
      expect(
        fake.events().filter((e) => e.transactionId === `openavail-${made.booking.booking_id}`),
      ).toHaveLength(1);

      // The owner's own meeting over the booking, seen once the mirror is refreshed.
      fake.human.addEvent("Board", "2026-03-04T14:45:00Z", "2026-03-04T16:00:00Z");
      w.clock.now += 2 * 60_000;
      const again = await call("create_booking", {
        owner_email: OWNER,
        start: "2026-03-04T15:00:00Z",
        end: "2026-03-04T15:30:00Z",
        title: "Retry",
      });
      expect(again.verdict).toBe("CounterPropose");
      const row = await w.app.ledger.db
        .selectFrom("bookings")
        .select("status")
        .where("id", "=", made.booking.booking_id)
        .executeTakeFirstOrThrow();
      expect(row.status).toBe("needs_reschedule");
      expect(await drain()).toMatchObject({ done: 1 });
      expect(fake.events().map((e) => e.subject)).not.toContain("Intro");

      // msal refreshed along the way: the sealed grant holds the newest refresh token.
      const cred = await w.app.ledger.db.selectFrom("credentials").selectAll().executeTakeFirstOrThrow();
      const grant = decodeMicrosoftGrant(box.open(cred.sealed_token, cred.owner_id));
      expect(grant.cache).toContain(fake.refreshTokens.at(-1)!);

      fake.revokeRefreshTokens();
      w.clock.now += 2 * 60_000;
      const late = await call("create_booking", {
        owner_email: OWNER,
        start: "2026-03-05T15:00:00Z",
        end: "2026-03-05T15:30:00Z",
        title: "Later",
      });
      expect(late.warnings).toContain("PROVIDER_NEEDS_RECONNECT");
      const cal = await w.app.ledger.db.selectFrom("calendars").select("status").executeTakeFirstOrThrow();
      expect(cal.status).toBe("needs_reconnect");
    } finally {
      await w.close();
    }
  });
});
