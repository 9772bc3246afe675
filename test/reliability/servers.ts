// The servers under test: `openavail serve` built in-process (so the test can look at its
// Object.prototype) or as a child process that can be SIGKILLed, and the ledger connection the
// checker reads through.
import { type ChildProcess, spawn } from "node:child_process";
import pino from "pino";
import { type App, configFromEnv, createApp } from "../../src/compose.js";
import { type Ledger, openLedger } from "../../src/ledger/open-ledger.js";
import { type RunningServer, startHttpServer } from "../../src/transports/http/server.js";
import { mountMcpHttp } from "../../src/transports/mcp/http.js";
import { listeningUrl } from "../helpers/serve-process.js";
import { type CliEntry, REPO } from "./common.js";

export interface InProcessServer {
  readonly url: string;
  readonly app: App;
  close(): Promise<void>;
}

/** What `openavail serve` mounts (REST, /mcp, /sse, /healthz, background jobs), in this process. */
export async function startInProcess(
  dbPath: string,
  options: {
    allowedOrigins?: string[];
    rateLimitPerMinute?: number;
    authFailuresPerMinute?: number;
    backgroundJobs?: boolean;
  } = {},
): Promise<InProcessServer> {
  const config = configFromEnv(
    {},
    {
      dbPath,
      logLevel: "silent",
      rateLimitPerMinute: options.rateLimitPerMinute ?? 0,
      // The attack scenarios send hundreds of bad keys from loopback on purpose; the limit on failed
      // authentications is tested on its own.
      authFailuresPerMinute: options.authFailuresPerMinute ?? 0,
      port: 0,
      host: "127.0.0.1",
    },
  );
  const app = await createApp(config, pino({ level: "silent" }));
  let server: RunningServer;
  try {
    server = await startHttpServer(app, {
      graceMs: 2_000,
      mountExtra: (hono) => {
        const mcp = mountMcpHttp(hono, app, { allowedOrigins: options.allowedOrigins ?? [] });
        return () => mcp.close();
      },
    });
  } catch (err) {
    await app.close();
    throw err;
  }
  const jobs = options.backgroundJobs === false ? undefined : app.startBackgroundJobs({});
  return {
    url: server.url,
    app,
    close: async () => {
      await jobs?.stop();
      await server.close();
    },
  };
}

export interface ServeChild {
  readonly url: string;
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout(): string;
  stderr(): string;
  /** SIGKILL, then wait for the exit. */
  kill(): Promise<void>;
  /** SIGTERM (graceful), then wait for the exit. */
  stop(): Promise<void>;
}

/**
 * Spawns `openavail serve --port 0` on `dbPath` (or on the PostgreSQL database at `databaseUrl`)
 * and waits for its "listening on" line.
 */
export async function spawnServe(
  entry: CliEntry,
  dbPath: string,
  timeoutMs = 30_000,
  databaseUrl?: string,
): Promise<ServeChild> {
  const child = spawn(process.execPath, [...entry.args("serve"), "--port", "0", "--host", "127.0.0.1"], {
    cwd: REPO,
    env: {
      ...process.env,
      OPENAVAIL_DB: dbPath,
      OPENAVAIL_DATABASE_URL: databaseUrl ?? "",
      OPENAVAIL_LOG_LEVEL: "warn",
      OPENAVAIL_RATE_LIMIT: "0",
      OPENAVAIL_AUTH_FAILURE_LIMIT: "0",
      OPENAVAIL_PORT: "",
      OPENAVAIL_HOST: "",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout!.on("data", (b: Buffer) => {
    out = (out + b.toString()).slice(-100_000);
  });
  child.stderr!.on("data", (b: Buffer) => {
    err = (err + b.toString()).slice(-100_000);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const url = await listeningUrl(child, () => out, timeoutMs).catch((e: Error) => {
    child.kill("SIGKILL");
    throw new Error(`${e.message}:\n${out}\n${err}`);
  });
  return {
    url,
    child,
    exited,
    stdout: () => out,
    stderr: () => err,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The checker's own connection to the ledger (WAL: it reads committed state while others write). */
export function openCheckerLedger(dbPath: string, databaseUrl?: string): Promise<Ledger> {
  return openLedger({ path: dbPath, databaseUrl });
}
