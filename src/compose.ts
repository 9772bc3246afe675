// The composition root: builds the ledger, policy, logger and service from one config object.
// Nothing else reads process.env; `configFromEnv` is the one place that does.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import pino, { type Logger } from "pino";
import { type Ledger, openLedger, type Synchronous } from "./ledger/open-ledger.js";
import { authenticate } from "./service/authenticate.js";
import type { Caller } from "./service/caller.js";
import { type LoadedPolicy, loadPolicyFile } from "./service/policy.js";
import { SchedulingService } from "./service/scheduling-service.js";

/** The package root, whether running from src/ (tsx, vitest) or from dist/src/ (built). */
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

export interface AppConfig {
  readonly dbPath: string;
  readonly policyPath: string;
  readonly host: string;
  readonly port: number;
  readonly logLevel: string;
  readonly synchronous: Synchronous;
  readonly rateLimitPerMinute: number;
  readonly secretKey: string | undefined;
  /** The clock; tests inject their own. */
  readonly now: () => number;
}

type Env = Readonly<Record<string, string | undefined>>;

export function configFromEnv(env: Env, overrides: Partial<AppConfig> = {}): AppConfig {
  return {
    dbPath: env.OPENAVAIL_DB || DEFAULT_DB_PATH,
    policyPath: env.OPENAVAIL_POLICY || DEFAULT_POLICY_PATH,
    host: env.OPENAVAIL_HOST || "127.0.0.1",
    port: intFrom(env.OPENAVAIL_PORT, 7420, "OPENAVAIL_PORT"),
    logLevel: env.OPENAVAIL_LOG_LEVEL || "info",
    synchronous: env.OPENAVAIL_SYNCHRONOUS === "normal" ? "normal" : "full",
    rateLimitPerMinute: intFrom(env.OPENAVAIL_RATE_LIMIT, 120, "OPENAVAIL_RATE_LIMIT"),
    secretKey: env.OPENAVAIL_SECRET_KEY || undefined,
    now: Date.now,
    ...overrides,
  };
}

function intFrom(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number, got "${value}"`);
  return n;
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
];

/** Logs go to stderr: in `openavail mcp`, stdout is the protocol. */
export function createLogger(level: string): Logger {
  return pino(
    { level, base: { service: "openavail" }, redact: { paths: REDACT_PATHS, censor: "[redacted]" } },
    pino.destination({ fd: 2, sync: true }),
  );
}

export interface App {
  readonly config: AppConfig;
  readonly ledger: Ledger;
  readonly policy: LoadedPolicy;
  readonly logger: Logger;
  readonly service: SchedulingService;
  authenticate(rawKey: string | undefined): Promise<Caller>;
  close(): Promise<void>;
}

export async function createApp(
  config: AppConfig,
  logger: Logger = createLogger(config.logLevel),
): Promise<App> {
  const policy = loadPolicyFile(config.policyPath);
  const ledger = await openLedger({ path: config.dbPath, synchronous: config.synchronous });
  const service = new SchedulingService({ db: ledger.db, policy, now: config.now, logger });
  return {
    config,
    ledger,
    policy,
    logger,
    service,
    authenticate: (raw) => authenticate(ledger.db, raw, config.now()),
    close: () => ledger.close(),
  };
}
