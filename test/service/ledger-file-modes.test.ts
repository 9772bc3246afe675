// The ledger holds titles, attendees and sealed provider tokens: like the secret key file beside it,
// the database and its -wal and -shm files are created readable by their owner only (0600), whatever
// the umask allows, and without changing the process umask.
import { chmodSync, existsSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openLedger } from "../../src/ledger/open-ledger.js";
import { useTempDirs } from "../helpers/temp-dirs.js";
import { makeWorld } from "../helpers/world.js";

const tempDir = useTempDirs("openavail-modes");
const mode = (path: string) => statSync(path).mode & 0o777;

describe.skipIf(process.platform === "win32")("ledger file modes", () => {
  it("a fresh ledger, its -wal and -shm are 0600 after opening and after writes", async () => {
    const umask = process.umask();
    const path = join(tempDir(), "nested", "openavail.db");
    const ledger = await openLedger({ path });
    try {
      expect(mode(path).toString(8)).toBe("600");
      expect(mode(join(path, "..")).toString(8)).toBe("700");
      await ledger.db
        .insertInto("owners")
        .values({
          id: "own_modes",
          email: "modes@example.com",
          name: null,
          timezone: "UTC",
          default_calendar_type: null,
          created_at: 0,
        })
        .execute();
      for (const file of [path, `${path}-wal`, `${path}-shm`]) {
        expect(existsSync(file), file).toBe(true);
        expect(mode(file).toString(8), file).toBe("600");
      }
    } finally {
      await ledger.close();
    }
    expect(process.umask()).toBe(umask);
  });

  it("holds through the whole app: database, -wal and -shm after a booking", async () => {
    const w = await makeWorld();
    try {
      await w.addOwner("ceo@example.com", "UTC");
      const { caller } = await w.addAgent({ name: "a" });
      const booked = await w.call(caller, "create_booking", {
        owner_email: "ceo@example.com",
        start: "2026-03-03T15:00:00Z",
        duration_minutes: 30,
        title: "x",
      });
      expect(booked.verdict).toBe("Accept");
      for (const file of [w.dbPath, `${w.dbPath}-wal`, `${w.dbPath}-shm`]) {
        expect(mode(file).toString(8), file).toBe("600");
      }
    } finally {
      await w.close();
    }
  });

  it("leaves the mode of an existing database as its operator set it", async () => {
    const path = join(tempDir(), "shared.db");
    writeFileSync(path, "");
    chmodSync(path, 0o640);
    const ledger = await openLedger({ path });
    await ledger.close();
    expect(mode(path).toString(8)).toBe("640");
  });
});
