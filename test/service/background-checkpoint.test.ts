// WAL checkpoints on a worker thread (src/ledger/background-checkpoint.ts): the WAL stays bounded under
// a steady stream of commits, every commit is readable by a fresh connection, and closing the ledger
// stops the worker.
import { spawnSync } from "node:child_process";
import { statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { startBackgroundCheckpoint } from "../../src/ledger/background-checkpoint.js";
import { openLedger } from "../../src/ledger/open-ledger.js";
import { useTempDirs } from "../helpers/temp-dirs.js";

const tempDir = useTempDirs("openavail-checkpoint");
const tempPath = () => join(tempDir(), "ledger.db");

describe("background checkpoint", () => {
  it("keeps the WAL bounded through 6,000 commits and loses none of them", async () => {
    const path = tempPath();
    const ledger = await openLedger({ path, synchronous: "normal", backgroundCheckpoint: true });
    // The writer's own checkpoint is the bound; the worker makes it cheap, not rarer.
    expect(ledger.sqlite.pragma("wal_autocheckpoint", { simple: true })).toBe(8_000);
    ledger.sqlite.exec("CREATE TABLE filler (id INTEGER PRIMARY KEY, body TEXT, k INTEGER)");
    ledger.sqlite.exec("CREATE INDEX filler_k ON filler (k)");
    const insert = ledger.sqlite.prepare("INSERT INTO filler (body, k) VALUES (?, ?)");
    const commit = ledger.sqlite.transaction((i: number) => {
      for (let j = 0; j < 4; j++) insert.run("x".repeat(500), (i * 7919 + j * 104_729) % 1_000_003);
    });
    let largestWal = 0;
    for (let i = 0; i < 6_000; i++) {
      commit(i);
      if (i % 100 === 0) largestWal = Math.max(largestWal, statSync(`${path}-wal`).size);
      // Between commits the event loop turns, as it does between requests.
      await new Promise((resolve) => setImmediate(resolve));
    }
    // Left unchecked the WAL would hold all ~40,000 frames written (~160 MB). The writer restarts it
    // after ~8,000 (a 4 KiB page and a 24-byte header each), later when its checkpoint had to wait
    // for the worker's, which on a loaded machine can take a few hundred commits more.
    expect(largestWal).toBeLessThan(12_000 * (4_096 + 24));
    await ledger.close();
    const reader = new BetterSqlite3(path, { readonly: true });
    expect(reader.prepare("SELECT count(*) AS n FROM filler").get()).toEqual({ n: 24_000 });
    reader.close();
  });

  it("copies committed frames into the database file on its own, and says when it has stopped", async () => {
    const path = tempPath();
    const sqlite = new BetterSqlite3(path);
    sqlite.pragma("journal_mode = WAL");
    sqlite.exec("CREATE TABLE t (x TEXT)");
    const checkpoint = startBackgroundCheckpoint(sqlite, path, "FULL");
    const insert = sqlite.prepare("INSERT INTO t (x) VALUES (?)");
    sqlite.transaction(() => {
      for (let i = 0; i < 100; i++) insert.run("y".repeat(1_000));
    })();
    const before = statSync(path).size;
    const pass = await checkpoint.nextPass();
    expect(pass.busy).toBe(0);
    expect(pass.log).toBeGreaterThan(20);
    expect(pass.checkpointed).toBe(pass.log);
    // The ~100 KB committed are now in the database file itself, not only in the WAL.
    expect(statSync(path).size - before).toBeGreaterThan(100_000);
    await checkpoint.stop();
    await expect(checkpoint.nextPass()).rejects.toThrow("stopped");
    sqlite.close();
  });

  it("lets a process that has nothing else to do finish closing the ledger and exit", async () => {
    // The worker is unreferenced so that it never keeps a process alive; closing must still wait for it.
    const script = `
      import { openLedger } from ${JSON.stringify(new URL("../../src/ledger/open-ledger.ts", import.meta.url).href)};
      const ledger = await openLedger({ path: ${JSON.stringify(tempPath())}, backgroundCheckpoint: true });
      ledger.sqlite.exec("CREATE TABLE t (x)");
      await ledger.close();
      console.log("closed");
    `;
    const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      encoding: "utf8",
    });
    expect(child.stderr).toBe("");
    expect(child.stdout.trim()).toBe("closed");
    expect(child.status).toBe(0);
  });

  it("does not keep alive a process that never closes its ledger", async () => {
    // From a file: a script given with -e exited even while the worker held the process.
    const script = join(tempDir(), "left-open.mjs");
    writeFileSync(
      script,
      `import { openLedger } from ${JSON.stringify(new URL("../../src/ledger/open-ledger.ts", import.meta.url).href)};
      const ledger = await openLedger({ path: ${JSON.stringify(tempPath())}, backgroundCheckpoint: true });
      ledger.sqlite.exec("CREATE TABLE t (x)");
      console.log("left open");`,
    );
    const child = spawnSync(process.execPath, ["--import", "tsx", script], {
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(child.stderr).toBe("");
    expect(child.stdout.trim()).toBe("left open");
    expect(child.signal).toBeNull();
    expect(child.status).toBe(0);
  });

  it("is not started for an in-memory ledger", async () => {
    const memory = await openLedger({ path: ":memory:", backgroundCheckpoint: true });
    expect(memory.sqlite.pragma("wal_autocheckpoint", { simple: true })).toBe(1_000);
    await memory.close();
  });
});
