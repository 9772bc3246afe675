// Secrets (DESIGN.md section 6): raw API keys and admin tokens are never stored (not in the
// database file, its WAL, or any row) and never logged (pino redaction of keys and Authorization).
import { existsSync, readFileSync } from "node:fs";
import { Writable } from "node:stream";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/run-cli.js";
import { configFromEnv, createApp, loggerOptions, REDACT_PATHS } from "../../src/compose.js";
import { createAgent } from "../../src/service/admin.js";
import { createAdminToken, createKey } from "../../src/service/agents-admin.js";
import { executeTool } from "../../tools/execute-tool.js";
import { findTool } from "../../tools/index.js";
import { makeWorld, type World } from "../helpers/world.js";

/** Collects everything written to it, like a log file in memory. */
class MemoryStream extends Writable {
  text = "";
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString("utf8");
    done();
  }
}

/** The part of a raw secret that is never stored: everything after its shown prefix. */
const secretPart = (raw: string, prefixLength: number) => raw.slice(prefixLength);

let w: World;
beforeEach(async () => {
  w = await makeWorld("2026-03-02T12:00:00Z");
  await w.addOwner("ceo@example.com");
});
afterEach(async () => w.close());

describe("the database never holds a raw key", () => {
  it("not in the file, the WAL, the shared memory, or any row of any table", async () => {
    const db = w.app.ledger.db;
    const raws: { raw: string; prefix: number }[] = [];
    // Keys made every way there is: the test world, the admin service, the CLI; plus an admin token.
    const a = await w.addAgent({ name: "a" });
    raws.push({ raw: a.key, prefix: 11 });
    const agent = await createAgent(db, { name: "b", scopes: ["read_freebusy"], owners: ["*"] }, w.clock.now);
    raws.push({ raw: (await createKey(db, agent.id, { expires_in_days: 5 }, w.clock.now)).key, prefix: 11 });
    raws.push({ raw: (await createAdminToken(db, w.clock.now)).token, prefix: 12 });
    const out = new MemoryStream();
    const code = await runCli(
      ["--db", w.dbPath, "--json", "key", "create", "--agent", agent.id],
      { env: {}, stdout: out, stderr: new MemoryStream() },
      { now: () => w.clock.now },
    );
    expect(code).toBe(0);
    raws.push({ raw: JSON.parse(out.text).key, prefix: 11 });
    // Use the keys, so decisions, last_used_at and logs have had their chance to record them.
    for (const { raw } of raws.filter((r) => r.raw.startsWith("ak_"))) {
      const caller = await w.app.authenticate(raw);
      await w.call(caller, "check_availability", {
        owner_email: "ceo@example.com",
        duration_minutes: 30,
        window: { start: "2026-03-03T14:00:00Z", end: "2026-03-03T22:00:00Z" },
        hold: false,
      });
    }

    const files = [w.dbPath, `${w.dbPath}-wal`, `${w.dbPath}-shm`].filter((f) => existsSync(f));
    expect(files).toContain(`${w.dbPath}-wal`);
    const dump = dumpAllTables(w);
    expect(dump).toContain("api_keys");
    for (const { raw, prefix } of raws) {
      for (const file of files) {
        const bytes = readFileSync(file);
        expect(bytes.includes(Buffer.from(raw)), `${file} holds a raw key`).toBe(false);
        expect(bytes.includes(Buffer.from(secretPart(raw, prefix))), `${file} holds a key body`).toBe(false);
      }
      expect(dump.includes(secretPart(raw, prefix))).toBe(false);
      // Positive control: the shown prefix is stored, so the search does look at the right bytes.
      expect(dump).toContain(raw.slice(0, prefix));
    }
    // After a checkpoint, the main file alone holds everything: still nothing.
    w.app.ledger.sqlite.pragma("wal_checkpoint(TRUNCATE)");
    const main = readFileSync(w.dbPath);
    for (const { raw, prefix } of raws)
      expect(main.includes(Buffer.from(secretPart(raw, prefix)))).toBe(false);
  });
});

/** Like `.dump`: every row of every table (sqlite_master included), as one string. */
function dumpAllTables(world: World): string {
  const sqlite = world.app.ledger.sqlite;
  const tables = sqlite
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
    .all()
    .map((r) => (r as { name: string }).name);
  let out = JSON.stringify(sqlite.prepare("SELECT * FROM sqlite_master").all());
  for (const t of tables) {
    out += `\n-- ${t}\n`;
    for (const row of sqlite.prepare(`SELECT * FROM "${t.replaceAll('"', '""')}"`).iterate()) {
      out += `${JSON.stringify(row)}\n`;
    }
  }
  return out;
}

describe("logs never hold a key or an Authorization header", () => {
  const raw = "ak_THIS-IS-A-RAW-KEY-THAT-MUST-NEVER-BE-LOGGED-0123456789";

  it("redacts every configured path with the logger options createLogger uses", () => {
    const stream = new MemoryStream();
    const log = pino(loggerOptions("info"), stream);
    log.info({ key: raw }, "top-level key");
    log.info({ api_key: raw, apiKey: raw, token: raw }, "other names");
    log.info({ authorization: `Bearer ${raw}` }, "bare header");
    log.info({ headers: { authorization: `Bearer ${raw}`, accept: "application/json" } }, "headers");
    log.info({ req: { method: "GET", headers: { authorization: `Bearer ${raw}` } } }, "request");
    log.info({
      agent: { key: raw },
      body: { api_key: raw },
      oauth: { refresh_token: raw, access_token: raw },
    });
    log.info({ created: { token: raw } }, "nested token");
    const lines = stream.text.trim().split("\n");
    expect(lines).toHaveLength(7);
    expect(stream.text).not.toContain(raw);
    expect(stream.text).toContain("[redacted]");
    // Redaction keeps everything else.
    expect(stream.text).toContain('"accept":"application/json"');
    expect(stream.text).toContain('"method":"GET"');
  });

  it("covers the paths a transport logs: key, authorization and headers.authorization", () => {
    for (const path of ["key", "authorization", "headers.authorization", "req.headers.authorization"]) {
      expect(REDACT_PATHS).toContain(path);
    }
  });

  it("a real app logs decisions with the key prefix only", async () => {
    const stream = new MemoryStream();
    const config = configFromEnv({}, { dbPath: w.dbPath, now: () => w.clock.now });
    const app = await createApp(config, pino(loggerOptions("debug"), stream));
    try {
      const agent = await createAgent(
        app.ledger.db,
        { name: "logged", scopes: ["read_freebusy", "create_holds", "create_bookings"], owners: ["*"] },
        w.clock.now,
      );
      const { key } = await createKey(app.ledger.db, agent.id, {}, w.clock.now);
      const caller = await app.authenticate(key);
      for (const [tool, args] of [
        [
          "check_availability",
          {
            owner_email: "ceo@example.com",
            duration_minutes: 30,
            window: { start: "2026-03-03T14:00:00Z", end: "2026-03-03T22:00:00Z" },
          },
        ],
        [
          "create_booking",
          {
            owner_email: "ceo@example.com",
            start: "2026-03-04T15:00:00Z",
            duration_minutes: 30,
            title: "Board dinner with the acquirer",
            attendees: ["cfo@example.com"],
          },
        ],
      ] as const) {
        await executeTool(app.service, findTool(tool)!, caller, args);
      }
      // What a transport would log about the request that carried the key.
      app.logger.info({ req: { headers: { authorization: `Bearer ${key}` } } }, "request");
      expect(stream.text).toContain('"msg":"decision"');
      expect(stream.text).toContain(key.slice(0, 11));
      expect(stream.text).not.toContain(key);
      expect(stream.text).not.toContain(key.slice(11));
      // Decision lines skip redaction, so they must be made of identifiers and codes alone.
      const decisions = stream.text
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line))
        .filter((line) => line.msg === "decision");
      expect(decisions).toHaveLength(2);
      for (const line of decisions) {
        expect(Object.keys(line).sort()).toEqual(
          [
            "agent_id",
            "booking_id",
            "decision_id",
            "displaced",
            "hold_id",
            "key_prefix",
            "latency_ms",
            "level",
            "msg",
            "owner_id",
            "reason_code",
            "service",
            "time",
            "tool",
            "verdict",
          ].sort(),
        );
      }
      expect(stream.text).not.toContain("acquirer");
      expect(stream.text).not.toContain("cfo@example.com");
    } finally {
      await app.close();
    }
  });
});
