// Builds the `openavail` program and runs one command line in-process, returning the exit code:
// 0 success, 1 a refused request (bad input, not found, conflict...), 2 a usage error, and for an
// agent command's verdict 3 (CounterPropose) or 4 (Reject): see exit-status.ts.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Command, CommanderError } from "commander";
import { PACKAGE_ROOT } from "../compose.js";
import { OpenavailError } from "../service/errors.js";
import { registerAgentToolCommands } from "./agent/agent-commands.js";
import type { CliContext } from "./cli-context.js";
import { registerAdminActionsCommand } from "./commands/admin-actions.js";
import { type AdminEnv, UsageError } from "./commands/admin-env.js";
import { registerAdminTokenCommands } from "./commands/admin-token.js";
import { registerAgentCommands } from "./commands/agent.js";
import { registerCalendarCommands } from "./commands/calendar.js";
import { registerConsoleLinkCommand } from "./commands/console-link.js";
import { registerDecisionsCommand } from "./commands/decisions.js";
import { registerKeyCommands } from "./commands/key.js";
import { registerOAuthCommand } from "./commands/oauth.js";
import { registerOwnerCommands } from "./commands/owner.js";
import { registerPolicyCommands } from "./commands/policy.js";
import { registerRulesCommands } from "./commands/rules.js";
import { registerWebhookCommands } from "./commands/webhook.js";
import { registerCompletionCommand } from "./completion.js";
import { EXIT, ExitStatus } from "./exit-status.js";
import { addExample } from "./help-examples.js";

/** Adds commands to the program (`serve` and `mcp` are registered this way by main.ts). */
export type CommandRegistrar = (program: Command, ctx: CliContext) => void;

export interface RunOptions {
  /** Commands beyond the admin ones; tests leave out serve and mcp. */
  readonly registrars?: readonly CommandRegistrar[];
  /** The clock for created_at, expiry and --since; tests inject their own. */
  readonly now?: () => number;
  /** Ends `decisions --follow` and the like; tests pass their own, the real process uses signals. */
  readonly stop?: AbortSignal;
}

/** The whole program, ready to parse; exposed so tests can walk every command. */
export function buildProgram(ctx: CliContext, options: RunOptions = {}): Command {
  const env: AdminEnv = {
    ctx,
    now: options.now ?? Date.now,
    ...(options.stop ? { stop: options.stop } : {}),
  };
  const program = new Command("openavail")
    .description(
      "The scheduling arbiter for AI agents: one MCP server between your agents and your calendar.",
    )
    .version(packageVersion(), "-V, --version", "print the version")
    .option("--db <path>", "the ledger database file (default: OPENAVAIL_DB or data/openavail.db)")
    .option(
      "--database-url <url>",
      "put the ledger on PostgreSQL instead of a file (default: OPENAVAIL_DATABASE_URL; see docs/postgres.md)",
    )
    .option(
      "--policy <path>",
      "the meeting-class policy file (default: OPENAVAIL_POLICY or data/policy.json)",
    )
    .option("--json", "print results as JSON on stdout, for scripts")
    .showSuggestionAfterError();
  program.commandsGroup("Admin commands (on the database: --db or OPENAVAIL_DB):");
  registerOwnerCommands(program, env);
  registerCalendarCommands(program, env);
  registerRulesCommands(program, env);
  registerAgentCommands(program, env);
  registerKeyCommands(program, env);
  registerPolicyCommands(program, env);
  registerDecisionsCommand(program, env);
  registerAdminTokenCommands(program, env);
  registerConsoleLinkCommand(program, env);
  registerAdminActionsCommand(program, env);
  registerOAuthCommand(program, env);
  registerWebhookCommands(program, env);
  program.commandsGroup("Agent commands (REST to --server, as the agent whose key is in OPENAVAIL_API_KEY):");
  registerAgentToolCommands(program, env);
  program.commandsGroup("Server and setup:");
  for (const register of options.registrars ?? []) register(program, ctx);
  registerCompletionCommand(program, ctx);
  // Applied after every registrar ran, so commands added with `new Command()` get them too.
  configureTree(program, ctx);
  return program;
}

function configureTree(cmd: Command, ctx: CliContext, path = ""): void {
  if (path !== "") addExample(cmd, path);
  cmd
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
    })
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false });
  for (const sub of cmd.commands) configureTree(sub, ctx, path ? `${path} ${sub.name()}` : sub.name());
}

/** Parses and runs `argv` (without the node and script names) and returns the exit code. */
export async function runCli(
  argv: readonly string[],
  ctx: CliContext,
  options: RunOptions = {},
): Promise<number> {
  const program = buildProgram(ctx, options);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return 0;
  } catch (err) {
    return report(err, ctx);
  }
}

function report(err: unknown, ctx: CliContext): number {
  // The command has printed its result; only the status is left to say.
  if (err instanceof ExitStatus) return err.status;
  if (err instanceof CommanderError) {
    // Commander has already printed its message (or the help) through configureOutput. Its own
    // parse errors are usage errors; a command's `command.error(..., { exitCode })` keeps its code.
    if (err.exitCode === 0) return 0;
    return err.code.startsWith("commander.") ? EXIT.usage : err.exitCode;
  }
  if (err instanceof UsageError) {
    ctx.stderr.write(`error: ${err.message} (see --help)\n`);
    return EXIT.usage;
  }
  if (err instanceof OpenavailError) {
    // Still one line: with several problems, every field is named, not just the first.
    const details = err.details ?? [];
    const all = details.length > 1 ? ` [${details.map((d) => `${d.field}: ${d.message}`).join("; ")}]` : "";
    ctx.stderr.write(`error: ${err.message}${all}\n`);
    return EXIT.error;
  }
  // Anything else is unexpected: one line by default, the stack only when asked for.
  const message = err instanceof Error ? err.message : String(err);
  ctx.stderr.write(`error: ${message}\n`);
  if (ctx.env.OPENAVAIL_DEBUG && err instanceof Error && err.stack) ctx.stderr.write(`${err.stack}\n`);
  return EXIT.error;
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8")) as { version?: string };
    return pkg.version ?? "0.0.0";
  } catch {
    return "0.0.0";
  }
}
