// WalFlush (src/ledger/wal-flush.ts): fdatasync of the WAL off the event loop, shared by the callers
// that arrive while one runs, and refusing everything after a failure.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openLedger } from "../../src/ledger/open-ledger.js";
import { WalFlush } from "../../src/ledger/wal-flush.js";
import { useTempDirs } from "../helpers/temp-dirs.js";

const tempDir = useTempDirs("openavail-walflush");

describe("WalFlush", () => {
  it("flushes, and callers arriving while one runs share a single next flush", async () => {
    const path = join(tempDir(), "x.db-wal");
    writeFileSync(path, "frames");
    const flush = new WalFlush(path);
    const first = flush.flush();
    const second = flush.flush();
    const third = flush.flush();
    // The first started at once; the other two began after it, together.
    expect(second).toBe(third);
    expect(second).not.toBe(first);
    await Promise.all([first, second, third]);
    await flush.close();
  });

  it("fails with a message that says what to do, and refuses every flush after a failure", async () => {
    const flush = new WalFlush(join(tempDir(), "missing.db-wal"));
    await expect(flush.flush()).rejects.toThrow(
      /could not make the ledger's write-ahead log durable.*restart/i,
    );
    await expect(flush.flush()).rejects.toThrow(/durable/);
    await flush.close();
  });

  it("is what a synchronous=full file ledger gives its group commits, and only that", async () => {
    const dir = tempDir();
    const full = await openLedger({ path: join(dir, "full.db") });
    const normal = await openLedger({ path: join(dir, "normal.db"), synchronous: "normal" });
    const memory = await openLedger({ path: ":memory:" });
    expect(full.walFlush).toBeInstanceOf(WalFlush);
    expect(normal.walFlush).toBeNull();
    expect(memory.walFlush).toBeNull();
    // Everything outside group commits (admin writes, migrations) keeps SQLite's own fsync.
    expect(full.sqlite.pragma("synchronous", { simple: true })).toBe(2);
    await full.walFlush!.flush();
    await Promise.all([full.close(), normal.close(), memory.close()]);
  });
});
