// Shared vocabulary of the reliability harness: settings, call records, violations, and how to start
// the `openavail` command (the built bundle when present, else the tsx entries of the e2e tests).
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { PACKAGE_ROOT } from "../../src/compose.js";

export const REPO = PACKAGE_ROOT;
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export type TransportName = "rest" | "mcp-http" | "mcp-stdio";

/** The tools whose calls are arbitrated. */
export const ARBITRATED = new Set([
  "check_availability",
  "create_hold",
  "create_booking",
  "preempt",
  "reschedule_booking",
]);

/**
 * The tools whose calls append a decision row: the arbitrated ones, and the changes logged as
 * decisions (DESIGN.md section 6). A lost call of any of them may have committed its row.
 */
export const DECIDED = new Set([
  ...ARBITRATED,
  "cancel_booking",
  "release_hold",
  "set_availability_rules",
  "delete_availability_rules",
]);

/** An error body of DESIGN.md section 6 (or a stand-in for a transport-level failure). */
export interface ErrorObject {
  readonly error: string;
  readonly message: string;
  readonly details?: readonly { readonly field: string; readonly message: string }[];
}

/**
 * What one request came back with. `lost`: sent, but no answer (reset, timeout, killed server), so
 * it may or may not have been applied. `refused`: the connection was refused, so nothing was sent.
 * `protocol`: an MCP/JSON-RPC level error instead of a tool result.
 */
export interface Outcome {
  readonly kind: "ok" | "error" | "lost" | "refused" | "protocol";
  /** HTTP status where one was seen (REST, MCP over HTTP), or the status of the error type. */
  readonly status: number | null;
  readonly body?: Record<string, any>;
  /** The body's JSON text as sent by the server (replays must repeat it byte for byte). */
  readonly text?: string;
  readonly error?: ErrorObject;
  readonly replayed?: boolean;
  readonly reason?: string;
}

export interface CallRecord {
  readonly seq: number;
  readonly scenario: string;
  readonly agentId: string;
  readonly transport: TransportName;
  readonly tool: string;
  readonly args: Readonly<Record<string, unknown>>;
  readonly idempotencyKey: string | undefined;
  readonly sentAt: number;
  readonly doneAt: number;
  readonly outcome: Outcome;
}

export interface Violation {
  readonly scenario: string;
  readonly invariant: string;
  readonly detail: string;
  /** How many cases this one entry stands for (default 1). */
  readonly count?: number;
  readonly examples?: readonly string[];
}

export interface Settings {
  /** Seconds of load per scenario. */
  readonly seconds: number;
  /** SIGKILLs of the serve process in the crash scenario. */
  readonly kills: number;
  /** Agents over REST and MCP Streamable HTTP in the concurrency scenario. */
  readonly agents: number;
  /** `openavail mcp` stdio processes beside them. */
  readonly stdioProcesses: number;
  /** Hostile inputs per tool and transport. */
  readonly hostileRuns: number;
  /** 10 MB strings per transport. */
  readonly hugeBodies: number;
  readonly seed: number;
}

function envInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got "${raw}"`);
  return n;
}

export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): Settings {
  return {
    seconds: envInt(env, "RELIABILITY_SECONDS", 20),
    kills: Math.floor(envInt(env, "RELIABILITY_KILLS", 10)),
    agents: Math.floor(envInt(env, "RELIABILITY_AGENTS", 20)),
    stdioProcesses: Math.floor(envInt(env, "RELIABILITY_STDIO", 4)),
    hostileRuns: Math.floor(envInt(env, "RELIABILITY_HOSTILE_RUNS", 120)),
    hugeBodies: Math.floor(envInt(env, "RELIABILITY_HUGE_BODIES", 3)),
    seed: Math.floor(envInt(env, "RELIABILITY_SEED", 20260301)),
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** How to start `openavail serve` and `openavail mcp` as child processes. */
export interface CliEntry {
  readonly kind: "bundle" | "tsx";
  /** node arguments that run `openavail <command>`. */
  args(command: "serve" | "mcp"): string[];
  /** Set when the bundle is older than a source file: it may not be the code under test. */
  readonly staleWarning: string | null;
}

const BUNDLE = join(REPO, "dist", "cli", "main.js");

/** The built bundle when present (or when `RELIABILITY_ENTRY=bundle`), else the tsx test entries. */
export function cliEntry(prefer: "auto" | "bundle" | "tsx" = entryPreference()): CliEntry {
  const useBundle = prefer === "bundle" || (prefer === "auto" && existsSync(BUNDLE));
  if (useBundle) {
    return { kind: "bundle", args: (command) => [BUNDLE, command], staleWarning: bundleStaleness() };
  }
  const entries = {
    serve: join(REPO, "test", "e2e", "serve-entry.ts"),
    mcp: join(REPO, "test", "e2e", "mcp-cli-entry.ts"),
  };
  return {
    kind: "tsx",
    args: (command) => ["--import", "tsx", entries[command], command],
    staleWarning: null,
  };
}

function entryPreference(): "auto" | "bundle" | "tsx" {
  const v = process.env.RELIABILITY_ENTRY;
  return v === "bundle" || v === "tsx" ? v : "auto";
}

function bundleStaleness(): string | null {
  const built = statSync(BUNDLE).mtimeMs;
  const newer: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdir(dir)) {
      const path = join(dir, name);
      const st = statSync(path);
      if (st.isDirectory()) walk(path);
      else if (path.endsWith(".ts") && st.mtimeMs > built) newer.push(path.slice(REPO.length + 1));
    }
  };
  for (const d of ["src", "tools", "schemas"]) walk(join(REPO, d));
  return newer.length > 0
    ? `dist/cli/main.js is older than ${newer.length} source file(s) (e.g. ${newer[0]}); run \`npm run build\``
    : null;
}

function readdir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Counts by key, for the report. */
export function tally<T>(items: Iterable<T>, key: (item: T) => string | null): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) {
    const k = key(item);
    if (k !== null) out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}
