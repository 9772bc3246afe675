// WAL checkpoints, mostly on a thread of their own. SQLite's automatic checkpoint runs inside the
// commit that crosses its threshold, on the thread that answers requests: every ~70 decisions one of
// them copied ~1,000 pages into the database file and fsynced it, 1-3 ms that made the decision p99.
// A worker thread with its own connection now runs PASSIVE checkpoints every 50 ms (they
// never wait for or block the writer), and the writer's own checkpoint, due 8x less often, finds
// little left to copy.
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type BetterSqlite3 from "better-sqlite3";

/**
 * How often the worker checkpoints: when the writer's own checkpoint comes due, at most this long of
 * commits is left for it to copy. Every 10 ms was no better: each checkpoint fsyncs the database
 * file, and on a virtual disk that flush delays the commits' own fsync of the WAL.
 */
const CHECKPOINT_INTERVAL_MS = 50;

/**
 * The writer still runs its own checkpoint, but 8x less often than SQLite's default. Only the writer
 * can restart the WAL under a steady load: a checkpoint that runs beside commits never quite catches
 * up with them, and SQLite restarts the WAL only at the start of a write that finds it fully copied.
 * Left to the worker alone the WAL grew past 50 MB in 3,000 commits, and every commit appended to a
 * growing file (fsync then also writes the file's metadata). With the worker copying every 50 ms,
 * the writer's checkpoint has little left to copy, but it still fsyncs the database file inside a
 * commit: 1.5-2 ms added to one decision. At 4,000 pages that was one decision in ~280 under steady
 * load; at 8,000 (a WAL of ~33 MB, more while its checkpoint waits for the worker's) one in ~560,
 * and the benchmark's FULL decision p99 went from a median of 1.9 ms to 1.3 (18 runs each,
 * alternated). With a dead worker it is SQLite's usual one.
 */
const WRITER_CHECKPOINT_PAGES = 8_000;
const SQLITE_DEFAULT_PAGES = 1_000;

// Plain CommonJS in a string: the worker must also start from the bundled CLI and under tsx, which
// does not reach worker threads on Node 20. The driver's path comes resolved from the main thread.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driverPath);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma("synchronous = " + workerData.synchronous);
const checkpoint = db.prepare("PRAGMA wal_checkpoint(PASSIVE)");
// A pass copies the frames committed before it began (up to the oldest snapshot another connection
// still reads); what lands meanwhile waits for the next tick.
let report = false;
const timer = setInterval(() => {
  const pass = checkpoint.get();
  if (report) {
    report = false;
    parentPort.postMessage(pass);
  }
}, workerData.intervalMs);
parentPort.on("message", (message) => {
  if (message === "report") {
    report = true;
    return;
  }
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/** What one `PRAGMA wal_checkpoint(PASSIVE)` of the worker reported. */
export interface CheckpointPass {
  /** 1 if another checkpoint was running; `log` and `checkpointed` are then -1. */
  readonly busy: number;
  /** Frames in the WAL when the pass began. */
  readonly log: number;
  /** Frames of those now copied into the database file. */
  readonly checkpointed: number;
}

export interface BackgroundCheckpoint {
  /**
   * Resolves with the first pass that begins after the call (so it covers every commit made before
   * it); rejects if the worker failed or stopped first. For tests and diagnostics.
   */
  nextPass(): Promise<CheckpointPass>;
  stop(): Promise<void>;
}

/**
 * Starts checkpointing the WAL of `sqlite` (opened at `path`) on a worker thread and raises the
 * connection's automatic checkpoint to a safety net. If the worker fails, the connection goes back to
 * SQLite's default automatic checkpoint, so the WAL stays bounded either way.
 */
export function startBackgroundCheckpoint(
  sqlite: BetterSqlite3.Database,
  path: string,
  synchronous: "FULL" | "NORMAL",
): BackgroundCheckpoint {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      driverPath: createRequire(import.meta.url).resolve("better-sqlite3"),
      path,
      synchronous,
      intervalMs: CHECKPOINT_INTERVAL_MS,
    },
  });
  sqlite.pragma(`wal_autocheckpoint = ${WRITER_CHECKPOINT_PAGES}`);
  const waiting: { resolve: (pass: CheckpointPass) => void; reject: (err: Error) => void }[] = [];
  let ended: Error | null = null;
  const end = (err: Error) => {
    ended ??= err;
    for (const w of waiting.splice(0)) w.reject(ended);
  };
  worker.on("message", (pass: CheckpointPass) => {
    for (const w of waiting.splice(0)) w.resolve(pass);
  });
  worker.once("error", (err) => {
    if (sqlite.open) sqlite.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_PAGES}`);
    end(err);
  });
  const exited = new Promise<void>((resolve) =>
    worker.once("exit", () => {
      end(new Error("the checkpoint worker has stopped"));
      resolve();
    }),
  );
  // A checkpointer must never keep a process alive that has nothing else to do. After the listeners:
  // adding a "message" listener references the worker again.
  worker.unref();
  return {
    nextPass: () => {
      if (ended) return Promise.reject(ended);
      worker.postMessage("report");
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
    stop: async () => {
      // Referenced again, so that a process with nothing else left waits for the worker to close.
      worker.ref();
      worker.postMessage("stop");
      await exited;
    },
  };
}
