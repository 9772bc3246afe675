// `openavail connect google` end to end: the CLI in-process against a real database file, the test
// playing the browser (it follows the printed consent URL to the fake Google, which redirects to the
// command's loopback server), then the stored grant, the attached calendars and their first sync.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CliContext } from "../../src/cli/cli-context.js";
import { registerConnectCommand } from "../../src/cli/commands/connect.js";
import { runCli } from "../../src/cli/run-cli.js";
import { openLedger } from "../../src/ledger/open-ledger.js";
import { findCalendarById } from "../../src/ledger/owners.repository.js";
import type { CalendarRow } from "../../src/ledger/tables.js";
import { ProviderError } from "../../src/providers/calendar-provider.js";
import { GoogleProvider } from "../../src/providers/google/google-provider.js";
import { parseSecretKey, SecretBox } from "../../src/providers/secret-box.js";
import { parseCalendarChoice } from "../../src/service/google-connect.js";
import { drainOutbox } from "../../src/service/outbox-worker.js";
import {
  createProviderRegistry,
  googleClientFromEnv,
  ProviderConfigError,
  secretKeyFileFor,
} from "../../src/service/provider-registry.js";
import { type FakeGoogle, startFakeGoogle } from "../fakes/google-calendar.js";
import { makeWorld } from "../helpers/world.js";
import { capture } from "./google-world.js";

const OWNER = "ceo@example.com";
const NOW = Date.parse("2026-03-02T12:00:00Z");
const SECRET = "11".repeat(32);
const TEAM = "team123@group.calendar.google.com";

let fake: FakeGoogle;
let dir: string;
let dbPath: string;
beforeEach(async () => {
  fake = await startFakeGoogle({ ownerEmail: OWNER, timeZone: "Europe/Paris", now: () => NOW });
  fake.addCalendar({ id: TEAM, summary: "Team offsites", timeZone: "Europe/Paris" });
  dir = mkdtempSync(join(tmpdir(), "openavail-connect-"));
  dbPath = join(dir, "openavail.db");
});
afterEach(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    OPENAVAIL_GOOGLE_CLIENT_ID: fake.clientId,
    OPENAVAIL_GOOGLE_CLIENT_SECRET: fake.clientSecret,
    OPENAVAIL_GOOGLE_API_URL: fake.url,
    OPENAVAIL_GOOGLE_TOKEN_URL: fake.tokenUrl,
    OPENAVAIL_GOOGLE_AUTH_URL: fake.authUrl,
    OPENAVAIL_SECRET_KEY: SECRET,
    OPENAVAIL_LOG_LEVEL: "silent",
    ...extra,
  };
}

/**
 * Runs `openavail connect google ...`; plays the browser: as soon as the consent URL appears on
 * stderr, follows it (the fake consent page redirects to the command's loopback server).
 */
async function connect(args: string[], options: { env?: Record<string, string>; browse?: boolean } = {}) {
  let browsed: Promise<Response> | undefined;
  const stderr = capture((all) => {
    const url = /https?:\/\/\S+\/o\/oauth2\/v2\/auth\?\S+/.exec(all)?.[0];
    if (url && !browsed && options.browse !== false) browsed = fetch(url);
  });
  const stdout = capture();
  const ctx: CliContext = { env: options.env ?? env(), stdout, stderr };
  const code = await runCli(["connect", "google", "--owner", OWNER, "--db", dbPath, ...args], ctx, {
    registrars: [(program, c) => registerConnectCommand(program, c, { now: () => NOW })],
  });
  const page = browsed ? await (await browsed).text() : null;
  return { code, stdout: stdout.text(), stderr: stderr.text(), page };
}

async function withDb<T>(work: (db: Awaited<ReturnType<typeof openLedger>>["db"]) => Promise<T>): Promise<T> {
  const ledger = await openLedger({ path: dbPath });
  try {
    return await work(ledger.db);
  } finally {
    await ledger.close();
  }
}

describe("openavail connect google", () => {
  it("runs the consent, stores the grant sealed, attaches the chosen calendars and syncs them", async () => {
    fake.human.addTimed(OWNER, "Dentist", "2026-03-03T09:00:00Z", "2026-03-03T10:00:00Z");
    fake.human.addTimed(TEAM, "Offsite planning", "2026-03-04T09:00:00Z", "2026-03-04T12:00:00Z");
    const run = await connect(["--json", "--calendar", "primary=work", "--calendar", `${TEAM}=team`]);
    expect(run.stderr).toContain("Open this URL in a browser");
    expect(run.page).toContain("connected");
    expect(run.code).toBe(0);
    // PKCE, offline access, the owner pre-filled in the account chooser.
    expect(Object.fromEntries(fake.lastAuthRequest!)).toMatchObject({
      access_type: "offline",
      code_challenge_method: "S256",
      login_hint: OWNER,
    });

    const result = JSON.parse(run.stdout);
    expect(result.owner).toMatchObject({ email: OWNER, timezone: "Europe/Paris", created: true });
    expect(result.credential).toMatchObject({
      id: expect.stringMatching(/^crd_/),
      account: OWNER,
      reused: false,
    });
    expect(result.calendars).toMatchObject([
      { calendar_type: "work", external_id: OWNER, action: "created", sync: { ok: true, events: 1 } },
      { calendar_type: "team", external_id: TEAM, action: "created", sync: { ok: true, events: 1 } },
    ]);
    expect(result.available.map((c: { id: string }) => c.id)).toEqual([OWNER, TEAM]);
    // No secret in anything printed.
    expect(run.stdout + run.stderr).not.toMatch(/1\/\/fake-|ya29\./);

    await withDb(async (db) => {
      const cred = await db.selectFrom("credentials").selectAll().executeTakeFirstOrThrow();
      expect(cred).toMatchObject({ provider: "google", account: OWNER, status: "active" });
      expect(cred.sealed_token).toMatch(/^v1\./);
      // Sealed under the key, bound to the owner: it opens to a refresh token that works.
      const box = new SecretBox(parseSecretKey(SECRET));
      const refreshToken = box.open(cred.sealed_token, cred.owner_id);
      expect(() => box.open(cred.sealed_token, "own_other")).toThrow();
      const provider = new GoogleProvider({
        clientId: fake.clientId,
        clientSecret: fake.clientSecret,
        refreshToken,
        rootUrl: fake.url,
        tokenUrl: fake.tokenUrl,
      });
      expect((await provider.listCalendars()).length).toBe(2);
      const mirrored = await db.selectFrom("external_events").select(["title", "calendar_id"]).execute();
      expect(mirrored.map((m) => m.title).sort()).toEqual(["Dentist", "Offsite planning"]);
    });

    // `calendar list` shows both, with the Google provider, active and synced.
    const out = capture();
    expect(
      await runCli(["calendar", "list", "--db", dbPath, "--json"], {
        env: {},
        stdout: out,
        stderr: capture(),
      }),
    ).toBe(0);
    expect(JSON.parse(out.text())).toMatchObject([
      { calendar_type: "work", provider: "google", status: "active", synced_at: "2026-03-02T12:00:00Z" },
      { calendar_type: "team", provider: "google", status: "active" },
    ]);
  });

  it("without --calendar attaches the primary calendar as work, and prints a readable summary", async () => {
    const run = await connect([]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Connected Google account ${OWNER} for ${OWNER}`);
    expect(run.stdout).toMatch(/cal_\w+\s+work\s+ceo@example.com\s+created\s+synced \(0 events\)/);
    expect(run.stdout).toContain("Other calendars of this account");
    expect(run.stdout).toContain(TEAM);
  });

  it("reconnects a calendar that needs it: same credential, same calendar, active again", async () => {
    expect((await connect(["--json"])).code).toBe(0);
    const first = await withDb((db) => db.selectFrom("calendars").selectAll().executeTakeFirstOrThrow());
    await withDb((db) =>
      db.updateTable("calendars").set({ status: "needs_reconnect" }).where("id", "=", first.id).execute(),
    );
    const again = await connect(["--json"]);
    expect(again.code).toBe(0);
    const result = JSON.parse(again.stdout);
    expect(result.credential.reused).toBe(true);
    expect(result.calendars).toMatchObject([{ id: first.id, action: "reconnected", sync: { ok: true } }]);
    await withDb(async (db) => {
      expect(await db.selectFrom("credentials").selectAll().execute()).toHaveLength(1);
      expect((await findCalendarById(db, first.id))?.status).toBe("active");
    });
  });

  it("turns an owner's local calendar of that type into the Google one and queues its future bookings", async () => {
    const w = await makeWorld("2026-03-02T12:00:00Z", dbPath);
    await w.addOwner(OWNER, "Europe/Paris");
    const agent = await w.addAgent({ name: "bot" });
    const booked = await w.call(agent.caller, "create_booking", {
      owner_email: OWNER,
      start: "2026-03-03T15:00:00Z",
      end: "2026-03-03T15:30:00Z",
      title: "Kept",
    });
    expect(booked.verdict).toBe("Accept");
    await w.app.close();

    const run = await connect(["--json"]);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.owner.created).toBe(false);
    expect(result.calendars).toMatchObject([{ action: "converted", queued_bookings: 1 }]);

    await withDb(async (db) => {
      const registry = createProviderRegistry({
        db,
        secretBox: new SecretBox(parseSecretKey(SECRET)),
        google: googleClientFromEnv(env()),
        now: () => NOW,
      });
      const drained = await drainOutbox({
        db,
        now: () => NOW,
        logger: pino({ level: "silent" }),
        providerFor: registry,
      });
      expect(drained).toMatchObject({ done: 1 });
    });
    expect(fake.events(OWNER).map((e) => e.summary)).toEqual(["Kept"]);
    rmSync(w.dir, { recursive: true, force: true });
  });

  it("refuses without an OAuth client, or with a malformed --calendar (usage errors, exit 2)", async () => {
    const noClient = await connect([], { env: { OPENAVAIL_SECRET_KEY: SECRET }, browse: false });
    expect(noClient.code).toBe(2);
    expect(noClient.stderr).toContain("OPENAVAIL_GOOGLE_CLIENT_ID");

    const half = await connect(["--client-id", "x"], {
      env: { OPENAVAIL_SECRET_KEY: SECRET },
      browse: false,
    });
    expect(half.code).toBe(2);
    expect(half.stderr).toMatch(/both/);

    const bad = await connect(["--calendar", "primary"], { browse: false });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("GOOGLE_CALENDAR_ID=TYPE");

    const badType = await connect(["--calendar", "primary=Work Stuff"], { browse: false });
    expect(badType.code).toBe(2);
    expect(badType.stderr).toContain("lowercase");
  });

  it("fails with a clear message when the account cannot see the calendar, or consent is denied", async () => {
    const unknown = await connect(["--calendar", "nope@group.calendar.google.com=work"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`choose one of: ${OWNER}, ${TEAM}`);
    await withDb(async (db) => {
      // Nothing was stored.
      expect(await db.selectFrom("credentials").selectAll().execute()).toEqual([]);
      expect(await db.selectFrom("calendars").selectAll().execute()).toEqual([]);
    });

    fake.setConsent({ deny: true });
    const denied = await connect([]);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain("access_denied");
  });

  it("refuses to attach a second Google calendar under a type already attached to another", async () => {
    expect((await connect(["--json", "--calendar", "primary=work"])).code).toBe(0);
    const clash = await connect(["--calendar", `${TEAM}=work`]);
    expect(clash.code).toBe(1);
    expect(clash.stderr).toContain("already Google calendar");
  });

  it("documents itself in --help", async () => {
    const out = capture();
    const code = await runCli(
      ["connect", "google", "--help"],
      { env: {}, stdout: out, stderr: capture() },
      {
        registrars: [registerConnectCommand],
      },
    );
    expect(code).toBe(0);
    for (const text of [
      "--owner",
      "--calendar",
      "--client-id",
      "OPENAVAIL_SECRET_KEY",
      "needs_reconnect",
      "ssh -L",
    ]) {
      expect(out.text()).toContain(text);
    }
  });

  it("keeps the key beside the database when OPENAVAIL_SECRET_KEY is not set", async () => {
    const { OPENAVAIL_SECRET_KEY: _unused, ...noKey } = env();
    const run = await connect(["--json"], { env: noKey });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(secretKeyFileFor(dbPath));
  });
});

describe("the provider registry", () => {
  const calendar = (over: Partial<CalendarRow>): CalendarRow => ({
    id: "cal_x",
    owner_id: "own_x",
    calendar_type: "work",
    provider: "google",
    name: null,
    external_id: OWNER,
    rules_json: null,
    rules_id: null,
    rules_created_at: null,
    rules_updated_at: null,
    status: "active",
    credential_id: null,
    sync_token: null,
    synced_at: null,
    created_at: NOW,
    ...over,
  });

  it("resolves local to nothing, caches one adapter per credential, and rebuilds it after a reconnect", async () => {
    expect((await connect(["--json"])).code).toBe(0);
    await withDb(async (db) => {
      const box = new SecretBox(parseSecretKey(SECRET));
      const registry = createProviderRegistry({
        db,
        secretBox: box,
        google: googleClientFromEnv(env()),
        now: () => NOW,
      });
      const cal = (await db.selectFrom("calendars").selectAll().executeTakeFirstOrThrow()) as CalendarRow;
      expect(await registry({ ...cal, provider: "local" })).toBeNull();
      const a = await registry(cal);
      expect(a?.kind).toBe("google");
      expect(await registry(cal)).toBe(a);
      registry.invalidate(cal.credential_id!);
      const b = await registry(cal);
      expect(b).not.toBe(a);
      // A new grant (sealed token changed) is picked up without an explicit invalidate.
      await db
        .updateTable("credentials")
        .set({ sealed_token: box.seal(fake.issueRefreshToken(), cal.owner_id) })
        .execute();
      expect(await registry(cal)).not.toBe(b);
    });
  });

  it("explains what is missing: the OAuth client, the credential, the right secret key", async () => {
    expect((await connect(["--json"])).code).toBe(0);
    await withDb(async (db) => {
      const cal = (await db.selectFrom("calendars").selectAll().executeTakeFirstOrThrow()) as CalendarRow;
      const box = new SecretBox(parseSecretKey(SECRET));
      const noClient = createProviderRegistry({ db, secretBox: box, google: null, now: () => NOW });
      await expect(noClient(cal)).rejects.toThrow(ProviderConfigError);
      await expect(noClient(cal)).rejects.toThrow(/OPENAVAIL_GOOGLE_CLIENT_ID/);

      const registry = createProviderRegistry({
        db,
        secretBox: box,
        google: googleClientFromEnv(env()),
        now: () => NOW,
      });
      const orphan = registry(calendar({ owner_id: cal.owner_id, credential_id: null }));
      await expect(orphan).rejects.toBeInstanceOf(ProviderError);
      await expect(registry(calendar({ owner_id: cal.owner_id }))).rejects.toThrow(
        `openavail connect google --owner ${OWNER}`,
      );

      const wrongKey = createProviderRegistry({
        db,
        secretBox: new SecretBox(parseSecretKey("22".repeat(32))),
        google: googleClientFromEnv(env()),
        now: () => NOW,
      });
      await expect(wrongKey(cal)).rejects.toThrow(/secret key/);
    });
  });

  it("parses --calendar choices, splitting at the last '='", () => {
    expect(parseCalendarChoice("primary=work")).toEqual({ externalId: "primary", calendarType: "work" });
    expect(parseCalendarChoice("a=b@group.calendar.google.com=personal")).toEqual({
      externalId: "a=b@group.calendar.google.com",
      calendarType: "personal",
    });
    expect(() => parseCalendarChoice("=work")).toThrow();
  });
});
