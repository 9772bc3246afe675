// `openavail connect google --service-account`: a Workspace service account with domain-wide
// delegation, end to end. The test generates an RSA key pair, registers the public half with the fake
// Google (which verifies the JWT-bearer assertion's signature, subject and scope), writes the key file
// as Google Cloud Console would, and runs the CLI in-process against a real database file, with no
// OAuth client configured. Then the sealed grant, a sync and a booking written through the outbox.
import { generateKeyPairSync } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CliContext } from "../../src/cli/cli-context.js";
import { registerConnectCommand } from "../../src/cli/commands/connect.js";
import { runCli } from "../../src/cli/run-cli.js";
import { parseSecretKey, SecretBox } from "../../src/providers/secret-box.js";
import { syncCalendar } from "../../src/service/calendar-sync.js";
import { OpenavailError } from "../../src/service/errors.js";
import { drainOutbox } from "../../src/service/outbox-worker.js";
import { createProviderRegistry, decodeGoogleGrant } from "../../src/service/provider-registry.js";
import { executeTool } from "../../tools/execute-tool.js";
import { findTool } from "../../tools/index.js";
import { type FakeGoogle, startFakeGoogle } from "../fakes/google-calendar.js";
import { makeWorld, type World } from "../helpers/world.js";
import { capture, googleBackedService } from "./google-world.js";

const OWNER = "ceo@example.com";
const SA_EMAIL = "openavail@acme-scheduling.iam.gserviceaccount.com";
const SECRET = "33".repeat(32);
const TZ = "America/New_York";

const { privateKey, publicKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});
/** A piece of the private key's body: must appear nowhere but in the key file. */
const KEY_PIECE = privateKey.split("\n")[5]!;

let w: World;
let fake: FakeGoogle;
let keyDir: string;
beforeEach(async () => {
  w = await makeWorld("2026-03-02T12:00:00Z");
  fake = await startFakeGoogle({ ownerEmail: OWNER, timeZone: TZ, now: () => w.clock.now });
  fake.addServiceAccount({ clientEmail: SA_EMAIL, publicKey, subjects: [OWNER] });
  keyDir = mkdtempSync(join(tmpdir(), "openavail-sa-"));
});
afterEach(async () => {
  await fake.close();
  await w.close();
  rmSync(keyDir, { recursive: true, force: true });
});

/** Only where Google is, and the secret key: no OAuth client. */
function env(): Record<string, string> {
  return {
    OPENAVAIL_GOOGLE_API_URL: fake.url,
    OPENAVAIL_GOOGLE_TOKEN_URL: fake.tokenUrl,
    OPENAVAIL_SECRET_KEY: SECRET,
    OPENAVAIL_LOG_LEVEL: "silent",
  };
}

function keyFile(fields: Record<string, unknown> = {}, name = "sa.json"): string {
  const path = join(keyDir, name);
  const key = {
    type: "service_account",
    project_id: "acme-scheduling",
    private_key_id: "0123456789abcdef",
    private_key: privateKey,
    client_email: SA_EMAIL,
    client_id: "100000000000000000001",
    token_uri: "https://oauth2.googleapis.com/token",
    ...fields,
  };
  writeFileSync(path, JSON.stringify(key, null, 2));
  return path;
}

async function connect(args: string[], owner = OWNER) {
  const stdout = capture();
  const stderr = capture();
  const ctx: CliContext = { env: env(), stdout, stderr };
  const code = await runCli(["connect", "google", "--owner", owner, "--db", w.dbPath, ...args], ctx, {
    registrars: [(program, c) => registerConnectCommand(program, c, { now: () => w.clock.now })],
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

/** The database file's bytes, its WAL included. */
function dbBytes(): string {
  return [w.dbPath, `${w.dbPath}-wal`]
    .filter((p) => existsSync(p))
    .map((p) => readFileSync(p).toString("latin1"))
    .join("");
}

describe("openavail connect google --service-account", () => {
  it("connects as the owner, seals the key, syncs, and writes bookings through the outbox", async () => {
    fake.human.addTimed(OWNER, "Board meeting", "2026-03-03T14:00:00Z", "2026-03-03T15:00:00Z");
    const agent = await w.addAgent({ name: "bot" });

    const run = await connect(["--json", "--service-account", keyFile(), "--calendar", "primary=work"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.owner).toMatchObject({ email: OWNER, created: true });
    expect(result.credential).toMatchObject({ id: expect.stringMatching(/^crd_/), account: OWNER });
    expect(result.calendars).toMatchObject([
      { calendar_type: "work", external_id: OWNER, action: "created", sync: { ok: true, events: 1 } },
    ]);
    // The account signed in as the owner, through the fake's token endpoint.
    expect(fake.serviceAccountTokens()).toContainEqual({ clientEmail: SA_EMAIL, subject: OWNER });
    expect(
      fake.requests.some((r) => r.path === "/token" && (r.body as any).grant_type?.includes("jwt-bearer")),
    ).toBe(true);

    // Never printed, never stored in the clear.
    const printed = run.stdout + run.stderr;
    expect(printed).not.toContain("PRIVATE KEY");
    expect(printed).not.toContain(KEY_PIECE);
    expect(dbBytes()).not.toContain(KEY_PIECE);
    expect(dbBytes()).not.toContain("PRIVATE KEY");

    const db = w.app.ledger.db;
    const cred = await db.selectFrom("credentials").selectAll().executeTakeFirstOrThrow();
    expect(cred).toMatchObject({ provider: "google", account: OWNER, status: "active" });
    const box = new SecretBox(parseSecretKey(SECRET));
    const grant = decodeGoogleGrant(box.open(cred.sealed_token, cred.owner_id));
    expect(grant).toMatchObject({ kind: "service_account", clientEmail: SA_EMAIL, subject: OWNER });
    expect(() => box.open(cred.sealed_token, "own_other")).toThrow();

    // The registry builds the delegated client from the credential: no OAuth client configured.
    const registry = createProviderRegistry({
      db,
      secretBox: box,
      google: null,
      googleEndpoints: { rootUrl: fake.url, tokenUrl: fake.tokenUrl, timeoutMs: 2_000 },
      now: () => w.clock.now,
    });
    const { service, syncDeps } = googleBackedService(w, registry);
    const calendarId = result.calendars[0].id as string;
    fake.human.addTimed(OWNER, "Dentist", "2026-03-04T14:00:00Z", "2026-03-04T15:00:00Z");
    const synced = await syncCalendar(syncDeps, calendarId);
    expect(synced?.events).toBeGreaterThanOrEqual(1);
    const titles = await db.selectFrom("external_events").select("title").execute();
    expect(titles.map((t) => t.title).sort()).toEqual(["Board meeting", "Dentist"]);

    // A booking is committed to the ledger, then reaches Google through the outbox.
    const tool = findTool("create_booking")!;
    let booked: Record<string, any>;
    try {
      booked = JSON.parse(
        (
          await executeTool(service, tool, agent.caller, {
            owner_email: OWNER,
            start: "2026-03-05T15:00:00Z",
            end: "2026-03-05T15:30:00Z",
            title: "Delegated demo",
          })
        ).json,
      );
    } catch (err) {
      if (err instanceof OpenavailError) throw new Error(JSON.stringify(err.toJSON()));
      throw err;
    }
    expect(booked.verdict).toBe("Accept");
    expect(fake.events(OWNER).map((e) => e.summary)).not.toContain("Delegated demo");
    expect(await drainOutbox({ ...syncDeps, random: () => 0.5 })).toMatchObject({ done: 1 });
    expect(fake.events(OWNER).map((e) => e.summary)).toContain("Delegated demo");
  });

  it("fails clearly when the owner is not a user the account may act as, and stores nothing", async () => {
    const run = await connect(["--service-account", keyFile()], "outsider@example.com");
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`Google refused service account ${SA_EMAIL} acting as outsider@example.com`);
    expect(run.stderr).toContain("Domain-wide delegation");
    expect(run.stderr).not.toContain(KEY_PIECE);
    const db = w.app.ledger.db;
    expect(await db.selectFrom("credentials").selectAll().execute()).toEqual([]);
    expect(await db.selectFrom("calendars").selectAll().execute()).toEqual([]);
    expect(await db.selectFrom("owners").selectAll().execute()).toEqual([]);
    expect(fake.serviceAccountTokens()).toEqual([]);
  });

  it("refuses an assertion signed with another key", async () => {
    const other = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
      publicKeyEncoding: { type: "spki", format: "pem" },
    });
    const run = await connect(["--service-account", keyFile({ private_key: other.privateKey })]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("Google refused service account");
    expect(await w.app.ledger.db.selectFrom("credentials").selectAll().execute()).toEqual([]);
  });

  it("rejects a bad key file with an error naming the field, without printing the key", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ type: "authorized_user" }, "type"],
      [{ client_email: undefined }, "client_email"],
      [{ private_key: "not a key" }, "private_key"],
    ];
    for (const [fields, field] of cases) {
      const run = await connect(["--service-account", keyFile(fields, `${field}.json`)]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`${field} must`);
      expect(run.stderr).not.toContain(KEY_PIECE);
    }
    const notJson = join(keyDir, "broken.json");
    writeFileSync(notJson, "{ nope");
    expect((await connect(["--service-account", notJson])).stderr).toContain("not JSON");
    const missing = await connect(["--service-account", join(keyDir, "absent.json")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("ENOENT");
    expect(await w.app.ledger.db.selectFrom("credentials").selectAll().execute()).toEqual([]);
    expect(fake.requests).toEqual([]);
  });

  it("documents --service-account in --help", async () => {
    const out = capture();
    const code = await runCli(
      ["connect", "google", "--help"],
      { env: {}, stdout: out, stderr: capture() },
      { registrars: [registerConnectCommand] },
    );
    expect(code).toBe(0);
    expect(out.text()).toContain("--service-account");
    expect(out.text()).toContain("Domain-wide delegation".toLowerCase());
  });
});
