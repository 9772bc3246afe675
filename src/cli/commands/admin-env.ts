// What the admin commands share: global options, opening the ledger named by --db/OPENAVAIL_DB,
// printing a result as JSON or as text, and the usage error that maps to exit code 2.
import { existsSync } from "node:fs";
import { type Command, InvalidArgumentError } from "commander";
import type { Kysely } from "kysely";
import { type AppConfig, configFromEnv, databaseUrlFrom } from "../../compose.js";
import { openLedger } from "../../ledger/open-ledger.js";
import type { Database } from "../../ledger/tables.js";
import { recordAdminAction } from "../../service/admin-actions.js";
import { OpenavailError } from "../../service/errors.js";
import { type LoadedPolicy, loadPolicyFile } from "../../service/policy.js";
import type { CliContext } from "../cli-context.js";

/** Everything an admin command needs from outside: the CLI context and the clock. */
export interface AdminEnv {
  readonly ctx: CliContext;
  /** Epoch ms; tests inject their own. */
  readonly now: () => number;
  /** Ends a command that runs until interrupted (`decisions --follow`); default: SIGINT or SIGTERM. */
  readonly stop?: AbortSignal;
}

/** Options defined on the program, recognised before or after any subcommand. */
export interface GlobalOptions {
  db?: string;
  databaseUrl?: string;
  policy?: string;
  json?: boolean;
}

/** A mistake in how the command was called (exit code 2), as opposed to a refused request (1). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export function globals(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals<GlobalOptions>();
}

export function configOf(env: AdminEnv, cmd: Command): AppConfig {
  const g = globals(cmd);
  return configFromEnv(env.ctx.env, {
    ...(g.db !== undefined ? { dbPath: g.db } : {}),
    ...(g.databaseUrl !== undefined ? { databaseUrl: databaseUrlFrom(g.databaseUrl, "--database-url") } : {}),
    ...(g.policy !== undefined ? { policyPath: g.policy } : {}),
  });
}

/**
 * Opens the ledger for one command and closes it afterwards. Commands that only read refuse a
 * missing file instead of creating an empty database at a mistyped path.
 */
export async function withLedger<T>(
  env: AdminEnv,
  cmd: Command,
  work: (db: Kysely<Database>, config: AppConfig) => Promise<T>,
  options: { mustExist?: boolean } = {},
): Promise<T> {
  const config = configOf(env, cmd);
  const onFile = config.databaseUrl === undefined && config.dbPath !== ":memory:";
  if (options.mustExist && onFile && !existsSync(config.dbPath)) {
    throw new OpenavailError(
      "not_found",
      `No database at ${config.dbPath}; pass --db PATH or set OPENAVAIL_DB.`,
    );
  }
  const ledger = await openLedger({
    path: config.dbPath,
    databaseUrl: config.databaseUrl,
    synchronous: config.synchronous,
  });
  try {
    return await work(ledger.db, config);
  } finally {
    await ledger.close();
  }
}

export function loadPolicy(env: AdminEnv, cmd: Command): LoadedPolicy {
  return loadPolicyFile(configOf(env, cmd).policyPath);
}

/**
 * Runs an admin write on the ledger and appends it to the trail of admin actions, as the REST admin
 * routes do: actor "cli", the command's path as the action, its options as the details (secrets are
 * dropped by recordAdminAction), and the id of what it changed.
 */
export async function adminWrite<T>(
  env: AdminEnv,
  cmd: Command,
  work: (db: Kysely<Database>) => Promise<T>,
  target: (result: T) => string | null,
  options: { mustExist?: boolean } = {},
): Promise<T> {
  return withLedger(
    env,
    cmd,
    async (db) => {
      const result = await work(db);
      await recordAdminAction(db, {
        at: env.now(),
        actor: "cli",
        action: commandPath(cmd),
        target: target(result),
        details: { ...cmd.opts(), ...(cmd.args.length > 0 ? { args: cmd.args } : {}) },
      });
      return result;
    },
    options,
  );
}

function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(" ");
}

/** Prints `value` as JSON with --json, otherwise the human form. */
export function emit(env: AdminEnv, cmd: Command, value: unknown, human: () => string): void {
  const text = globals(cmd).json ? JSON.stringify(value, null, 2) : human();
  env.ctx.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
}

/** A plain aligned table; empty cells print as "-". */
export function table(headers: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const cells = [headers, ...rows.map((r) => r.map(cell))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

function cell(v: unknown): string {
  if (v === null || v === undefined || v === "") return "-";
  if (Array.isArray(v)) return v.length === 0 ? "-" : v.join(",");
  return String(v);
}

/** `key: value` lines for one object. */
export function fields(obj: Readonly<Record<string, unknown>>): string {
  const width = Math.max(...Object.keys(obj).map((k) => k.length));
  return Object.entries(obj)
    .filter(([, v]) => typeof v !== "object" || v === null || Array.isArray(v))
    .map(([k, v]) => `${`${k}:`.padEnd(width + 1)} ${cell(v)}`)
    .join("\n");
}

/** Commander argument parser for whole numbers: a non-number is a usage error naming the option. */
export function wholeNumber(value: string): number {
  if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError("Expected a whole number.");
  return Number(value);
}

/** "a, b,c" -> ["a", "b", "c"]; an empty string is an empty list. */
export function list(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}
