// A throwaway PostgreSQL server for tests and benches: initdb into a temporary folder (as the
// `postgres` user when running as root: initdb refuses root), started on a free port on 127.0.0.1
// only, and removed with its data when stopped. Binaries from `pg_config --bindir`.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chownSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface PostgresCluster {
  /** A URL of database `name` on this server (default: the `postgres` maintenance database). */
  url(name?: string): string;
  readonly port: number;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  /**
   * Keep PostgreSQL's durability (fsync, synchronous commit): for benches that compare it with
   * SQLite's synchronous=FULL. Tests turn it off: their data dies with the folder anyway.
   */
  readonly durable?: boolean;
  /** Connections the server accepts (default 200: three serve instances' pools and then some). */
  readonly maxConnections?: number;
}

const READY = /database system is ready to accept connections/;
const START_TIMEOUT_MS = 30_000;

function binDir(): string {
  return execFileSync("pg_config", ["--bindir"], { encoding: "utf8" }).trim();
}

/** The uid and gid to run PostgreSQL as: `postgres` when this process is root, else this user. */
function runAs(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
  return { uid, gid };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject()));
    });
  });
}

/** Resolves once `child` logs that it accepts connections; rejects if it exits or takes too long. */
function ready(child: ChildProcess, log: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      clearTimeout(timer);
      child.stderr?.off("data", look);
      child.off("exit", exited);
      if (err) reject(err);
      else resolve();
    };
    const look = () => {
      if (READY.test(log())) done();
    };
    const exited = (code: number | null) => done(new Error(`postgres exited (${code}): ${log()}`));
    const timer = setTimeout(() => done(new Error(`postgres did not start: ${log()}`)), START_TIMEOUT_MS);
    child.stderr?.on("data", look);
    child.once("exit", exited);
    look();
  });
}

/** Creates and starts a server; stop() ends it and removes its folder. */
export async function startPostgresCluster(options: ClusterOptions = {}): Promise<PostgresCluster> {
  const bin = binDir();
  const owner = runAs();
  const dir = mkdtempSync(join(tmpdir(), "openavail-pg-"));
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const data = join(dir, "data");
  const asOwner = owner ? { uid: owner.uid, gid: owner.gid } : {};
  const env = { ...process.env, LC_ALL: "C", LANG: "C" };
  execFileSync(
    join(bin, "initdb"),
    ["-D", data, "-U", "postgres", "--auth=trust", "--no-locale", "-E", "UTF8", "--no-sync"],
    { ...asOwner, env, stdio: "pipe" },
  );
  const port = await freePort();
  const settings = [
    `listen_addresses=127.0.0.1`,
    `port=${port}`,
    `unix_socket_directories=${dir}`,
    `max_connections=${options.maxConnections ?? 200}`,
    ...(options.durable ? [] : ["fsync=off", "synchronous_commit=off", "full_page_writes=off"]),
  ];
  const child = spawn(join(bin, "postgres"), ["-D", data, ...settings.flatMap((s) => ["-c", s])], {
    ...asOwner,
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    // Only the start-up lines matter; a long run must not keep every log line.
    if (log.length < 64_000) log += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // A process that ends without stop() (a thrown error, a test run interrupted) must not leave a
  // server running: an immediate shutdown, and the folder removed.
  const orphaned = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGQUIT");
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", orphaned);
  try {
    await ready(child, () => log);
  } catch (err) {
    process.off("exit", orphaned);
    child.kill("SIGKILL");
    await exited;
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    port,
    url: (name = "postgres") => `postgres://postgres@127.0.0.1:${port}/${name}`,
    stop: async () => {
      process.off("exit", orphaned);
      // SIGINT: "fast shutdown", which ends open sessions instead of waiting for them.
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
