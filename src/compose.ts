// The composition root: builds the ledger, policy, logger and service from one config object.
// Nothing else reads process.env; `configFromEnv` is the one place that does.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import pino, { type Logger, type LoggerOptions } from "pino";
import { type Ledger, openLedger, type Synchronous } from "./ledger/open-ledger.js";
import { redactedUrl } from "./ledger/open-postgres.js";
import { hashApiKey } from "./service/api-keys.js";
import { authenticate, KeyCache } from "./service/authenticate.js";
import {
  type BackgroundJobs,
  type BackgroundJobsDeps,
  startBackgroundJobs,
} from "./service/background-jobs.js";
import type { Caller } from "./service/caller.js";
import { type MicrosoftConfig, microsoftConfigFromEnv } from "./service/microsoft-connect.js";
import { createRefresher } from "./service/mirror-refresh.js";
import { type LoadedPolicy, loadPolicyFile } from "./service/policy.js";
import {
  createProviderRegistry,
  type GoogleClientConfig,
  type GoogleEndpoints,
  googleClientFromEnv,
  googleEndpointsFromEnv,
  openSecretBox,
  type ProviderRegistry,
} from "./service/provider-registry.js";
import { RateLimiter } from "./service/rate-limiter.js";
import { SchedulingService } from "./service/scheduling-service.js";
import { type SharedRateCounts, startSharedRateCounts } from "./service/shared-rate-counts.js";

/** The package root, whether running from src/ (tsx, vitest), dist/src/ (tsc) or dist/cli/ (the bundle). */
export const PACKAGE_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));
export const DEFAULT_POLICY_PATH = join(PACKAGE_ROOT, "data", "policy.json");

function findPackageRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, "package.json"))) {
    const up = dirname(dir);
    if (up === dir) return from;
    dir = up;
  }
  return dir;
}
export const DEFAULT_DB_PATH = "data/openavail.db";
/** The rate limits' window. */
const MINUTE_MS = 60_000;

export interface AppConfig {
  readonly dbPath: string;
  /**
   * A postgres:// URL: the ledger is on PostgreSQL (DESIGN.md section 10) and `dbPath` only names
   * where the secret key file is kept when OPENAVAIL_SECRET_KEY is unset. Undefined: SQLite at `dbPath`.
   */
  readonly databaseUrl: string | undefined;
  readonly policyPath: string;
  readonly host: string;
  readonly port: number;
  readonly logLevel: string;
  readonly synchronous: Synchronous;
  readonly rateLimitPerMinute: number;
  /** Failed authentications allowed per client address per minute; 0 turns the limit off. */
  readonly authFailuresPerMinute: number;
  /** Host names (or `*`) the HTTP server answers to besides loopback and the address it binds. */
  readonly allowedHosts: readonly string[];
  /** Browser origins (or `*`) allowed on /mcp and /sse besides loopback ones. */
  readonly allowedOrigins: readonly string[];
  readonly secretKey: string | undefined;
  /** The Google OAuth client Openavail connects calendars with; null when none is configured. */
  readonly google: GoogleClientConfig | null;
  /** The Microsoft app registration (a public client) calendars connect with; null when none is configured. */
  readonly microsoft: MicrosoftConfig | null;
  /** Where Google is (overridable for tests); used by service-account credentials without a client. */
  readonly googleEndpoints: GoogleEndpoints;
  /** A provider mirror older than this is refreshed before a decision. */
  readonly mirrorFreshForMs: number;
  /** Whether webhooks may target private, loopback and link-local addresses (tests, closed networks). */
  readonly webhookAllowPrivate: boolean;
  /** How often `serve` sends due webhook deliveries, in ms; 0 leaves them queued (another instance sends). */
  readonly webhookIntervalMs: number;
  /** The built owner console (index.html and assets/), served at `/`. */
  readonly consoleDir: string;
  /**
   * The https address clients reach this server at (behind a TLS proxy): the OAuth issuer, and with
   * `/mcp` the resource tokens are bound to. Unset: the address a request names (loopback use).
   */
  readonly publicUrl: string | undefined;
  /**
   * A proxy on this machine sets X-Forwarded-For (appending the client's address last): requests
   * from a loopback peer are then limited per that address, not per the proxy's.
   */
  readonly trustProxy: boolean;
  /** OAuth clients whose metadata document is on a loopback https URL may connect (tests only). */
  readonly oauthLoopbackClients: boolean;
  /** The clock; tests inject their own. */
  readonly now: () => number;
}

type Env = Readonly<Record<string, string | undefined>>;

export function configFromEnv(env: Env, overrides: Partial<AppConfig> = {}): AppConfig {
  return {
    dbPath: env.OPENAVAIL_DB || DEFAULT_DB_PATH,
    databaseUrl: databaseUrlFrom(env.OPENAVAIL_DATABASE_URL, "OPENAVAIL_DATABASE_URL"),
    policyPath: env.OPENAVAIL_POLICY || DEFAULT_POLICY_PATH,
    host: env.OPENAVAIL_HOST || "127.0.0.1",
    port: intFrom(env.OPENAVAIL_PORT, 7420, "OPENAVAIL_PORT"),
    logLevel: env.OPENAVAIL_LOG_LEVEL || "info",
    synchronous: env.OPENAVAIL_SYNCHRONOUS === "normal" ? "normal" : "full",
    rateLimitPerMinute: intFrom(env.OPENAVAIL_RATE_LIMIT, 120, "OPENAVAIL_RATE_LIMIT"),
    authFailuresPerMinute: intFrom(env.OPENAVAIL_AUTH_FAILURE_LIMIT, 30, "OPENAVAIL_AUTH_FAILURE_LIMIT"),
    allowedHosts: listFrom(env.OPENAVAIL_ALLOWED_HOSTS),
    allowedOrigins: listFrom(env.OPENAVAIL_ALLOWED_ORIGINS),
    secretKey: env.OPENAVAIL_SECRET_KEY || undefined,
    google: googleClientFromEnv(env),
    microsoft: microsoftConfigFromEnv(env),
    googleEndpoints: googleEndpointsFromEnv(env),
    mirrorFreshForMs: 60_000,
    consoleDir: join(PACKAGE_ROOT, "dist", "console"),
    webhookAllowPrivate: /^(1|true|yes)$/i.test(env.OPENAVAIL_WEBHOOK_ALLOW_PRIVATE ?? ""),
    webhookIntervalMs: intFrom(env.OPENAVAIL_WEBHOOK_INTERVAL_MS, 100, "OPENAVAIL_WEBHOOK_INTERVAL_MS"),
    publicUrl: publicUrlFrom(env.OPENAVAIL_PUBLIC_URL),
    trustProxy: /^(1|true|yes)$/i.test(env.OPENAVAIL_TRUST_PROXY ?? ""),
    oauthLoopbackClients: /^(1|true|yes)$/i.test(env.OPENAVAIL_OAUTH_LOOPBACK_CLIENTS ?? ""),
    now: Date.now,
    ...overrides,
  };
}

/** A PostgreSQL URL, or undefined when unset; anything else is refused by `name`. */
export function databaseUrlFrom(value: string | undefined, name: string): string | undefined {
  if (value === undefined || value === "") return undefined;
  if (!/^postgres(?:ql)?:\/\//i.test(value))
    throw new Error(`${name} must be a postgres:// (or postgresql://) URL, got "${redactedUrl(value)}"`);
  return value;
}

/** Where the ledger is, for messages: the SQLite file, or the PostgreSQL URL without its password. */
export function ledgerLabel(config: Pick<AppConfig, "dbPath" | "databaseUrl">): string {
  return config.databaseUrl ? redactedUrl(config.databaseUrl) : config.dbPath;
}

function intFrom(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number, got "${value}"`);
  return n;
}

/** OPENAVAIL_PUBLIC_URL as an origin with no trailing slash; a path or a query is refused. */
function publicUrlFrom(value: string | undefined): string | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new Error(
      `OPENAVAIL_PUBLIC_URL must be an absolute URL such as https://calendar.example.com, got "${value}"`,
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new Error(`OPENAVAIL_PUBLIC_URL must be an https:// address, got "${value}"`);
  }
  if ((url.pathname !== "/" && url.pathname !== "") || url.search || url.hash || url.username) {
    throw new Error(
      `OPENAVAIL_PUBLIC_URL must be the server's origin only (scheme, host, port), got "${value}"; serve Openavail at the root of its host.`,
    );
  }
  return url.origin;
}

function listFrom(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** Paths pino must never print: keys, tokens and Authorization headers. */
export const REDACT_PATHS = [
  "key",
  "api_key",
  "apiKey",
  "token",
  "refresh_token",
  "access_token",
  "authorization",
  "headers.authorization",
  "req.headers.authorization",
  "*.key",
  "*.api_key",
  "*.token",
  "*.refresh_token",
  "*.access_token",
  "*.authorization",
  "*.Authorization",
  "headers.Authorization",
  "*.headers.authorization",
  "*.headers.Authorization",
  "req.rawHeaders",
  "*.*.key",
  "*.*.token",
];

/** The options every Openavail logger uses, redaction included; tests build loggers from the same. */
export function loggerOptions(level: string): LoggerOptions {
  return { level, base: { service: "openavail" }, redact: { paths: REDACT_PATHS, censor: "[redacted]" } };
}

/**
 * Logs go to stderr: in `openavail mcp`, stdout is the protocol. Benchmarks pass a path (/dev/null)
 * to log exactly as a server does, without a terminal.
 */
export function createLogger(level: string, destination: number | string = 2): Logger {
  // Asynchronous: a synchronous write per decision line cost ~0.2 ms of every REST request under load.
  // App.close flushes; a process killed outright may lose its last lines, never a booking.
  const where = typeof destination === "number" ? { fd: destination } : { dest: destination };
  return pino(loggerOptions(level), pino.destination({ ...where, sync: false, minLength: 4096 }));
}

export interface App {
  readonly config: AppConfig;
  readonly ledger: Ledger;
  readonly policy: LoadedPolicy;
  readonly logger: Logger;
  readonly service: SchedulingService;
  readonly providers: ProviderRegistry;
  /**
   * Authenticates a key and counts the request against its rate limit. `provisional`: for a request
   * that runs a tool (executeTool), whose transaction looks at the key again (authenticate.ts).
   */
  authenticate(rawKey: string | undefined, options?: { readonly provisional?: boolean }): Promise<Caller>;
  /** Authenticates a key without counting (protocol chatter: initialize, tools/list, opening a session). */
  checkKey(rawKey: string | undefined): Promise<Caller>;
  /** Counts `count` requests (default 1) of an authenticated caller against its key's rate limit. */
  countCall(caller: Caller, rawKey: string, count?: number): Caller;
  /** The other instances' request counts the key limit includes (PostgreSQL), else null. */
  readonly rateLimitPeers: SharedRateCounts | null;
  /** Failed authentications per client address (HTTP transports record and check them). */
  readonly authFailures: RateLimiter;
  /** Starts the periodic sync, outbox drain and hold sweep of a long-running process. */
  startBackgroundJobs(
    intervals: Pick<BackgroundJobsDeps, "syncIntervalMs" | "outboxIntervalMs" | "holdSweepIntervalMs">,
  ): BackgroundJobs;
  close(): Promise<void>;
}

export async function createApp(
  config: AppConfig,
  logger: Logger = createLogger(config.logLevel),
): Promise<App> {
  const policy = loadPolicyFile(config.policyPath);
  const ledger = await openLedger({
    path: config.dbPath,
    databaseUrl: config.databaseUrl,
    synchronous: config.synchronous,
    backgroundCheckpoint: true,
  });
  // The secret box is opened lazily: a ledger with only local calendars never needs the key file.
  const providers = createProviderRegistry({
    db: ledger.db,
    secretBox: () => openSecretBox({ dbPath: config.dbPath, secretKey: config.secretKey }),
    google: config.google,
    googleEndpoints: config.googleEndpoints,
    now: config.now,
  });
  const syncDeps = {
    db: ledger.db,
    now: config.now,
    logger,
    providerFor: providers,
    changes: ledger.changes,
  };
  const service = new SchedulingService({
    db: ledger.db,
    walFlush: ledger.walFlush,
    changes: ledger.changes,
    policy,
    now: config.now,
    logger,
    refresh: createRefresher(syncDeps, { freshForMs: config.mirrorFreshForMs, retryAfterFailureMs: 30_000 }),
    // Refreshed when older than the freshness bound; reported stale only when refreshing kept failing.
    staleAfterMs: 5 * config.mirrorFreshForMs,
    webhooks: {
      secretBox: () => openSecretBox({ dbPath: config.dbPath, secretKey: config.secretKey }),
      allowPrivate: config.webhookAllowPrivate,
    },
  });
  // On PostgreSQL the instances share each key's limit through the ledger.
  const shared =
    ledger.dialect === "postgres" && config.rateLimitPerMinute > 0
      ? startSharedRateCounts(ledger.db, { windowMs: MINUTE_MS, now: config.now, logger })
      : null;
  const keys = new KeyCache(ledger.changes);
  const limiter = new RateLimiter({
    limit: config.rateLimitPerMinute,
    windowMs: MINUTE_MS,
    now: config.now,
    ...(shared ? { peers: shared.counts } : {}),
    // An authenticated key's hash is known by then: no second SHA-256 per request.
    hashKey: (raw) => keys.knownHash(raw) ?? hashApiKey(raw),
  });
  return {
    config,
    ledger,
    policy,
    logger,
    service,
    providers,
    startBackgroundJobs: (intervals) =>
      startBackgroundJobs({
        ...syncDeps,
        service,
        secretBox: () => openSecretBox({ dbPath: config.dbPath, secretKey: config.secretKey }),
        webhookAllowPrivate: config.webhookAllowPrivate,
        webhookIntervalMs: config.webhookIntervalMs,
        ...intervals,
      }),
    // authenticate throws on a missing key, so `raw` is a real key by the time it is counted.
    authenticate: async (raw, options) =>
      limiter.admit(await authenticate(ledger.db, raw, config.now(), keys, options), raw ?? ""),
    checkKey: (raw) => authenticate(ledger.db, raw, config.now(), keys),
    countCall: (caller, raw, count = 1) => limiter.admit(caller, raw, count),
    authFailures: new RateLimiter({
      limit: config.authFailuresPerMinute,
      now: config.now,
      label: "failed authentications from this address",
      policy: "failed-authentications-per-address",
    }),
    rateLimitPeers: shared?.counts ?? null,
    close: async () => {
      await shared?.stop();
      await ledger.close();
      await new Promise<void>((resolve) => logger.flush(() => resolve()));
    },
  };
}
