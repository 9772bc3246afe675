// `openavail mcp`: the stdio MCP server for one agent, the one whose key is in OPENAVAIL_API_KEY.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";

/** Exit code of a start-up failure the user must fix: no key, a bad key, no database. */
export const EXIT_UNUSABLE = 2;

const HELP_AFTER = `
Environment:
  OPENAVAIL_API_KEY    the agent's API key (ak_...), from \`openavail key create --agent AGT_ID\` (required)
  OPENAVAIL_DB         SQLite database shared with \`openavail serve\` (default data/openavail.db)
  OPENAVAIL_DATABASE_URL  or the PostgreSQL ledger it shares (postgres://...)
  OPENAVAIL_POLICY     meeting-class policy file (default: the packaged data/policy.json)
  OPENAVAIL_LOG_LEVEL  pino level for the logs on stderr (default info; silent to mute)

stdout carries only MCP messages; every log line goes to stderr. Several \`openavail mcp\` processes
(one per agent) and one \`openavail serve\` may share a database: bookings never overlap.

Example MCP client entry (Claude Desktop, Cursor, ...):
  { "mcpServers": { "openavail": { "command": "node", "args": ["/path/to/openavail/dist/cli/main.js", "mcp"],
      "env": { "OPENAVAIL_API_KEY": "ak_...", "OPENAVAIL_DB": "/path/to/openavail.db" } } } }
`;

/** Adds `openavail mcp` to the program. */
export function registerMcpCommand(program: Command, ctx: CliContext): Command {
  const mcp = program
    .command("mcp")
    .summary("serve MCP over stdio for the agent whose key is in OPENAVAIL_API_KEY")
    .description(
      "Serve the Openavail tools over MCP on stdin/stdout, acting as the agent whose API key is in " +
        "OPENAVAIL_API_KEY. Exits 2 when the key is missing or invalid, or the database does not exist.",
    )
    .addHelpText("after", HELP_AFTER)
    .action(async (_options: unknown, command: Command) => {
      const fail = (message: string): never =>
        command.error(`openavail mcp: ${message}`, { exitCode: EXIT_UNUSABLE, code: "openavail.unusable" });
      const rawKey = ctx.env.OPENAVAIL_API_KEY?.trim();
      if (!rawKey) {
        fail(
          "OPENAVAIL_API_KEY is not set. Set it to the agent's API key (ak_...); create one with `openavail key create --agent AGT_ID`.",
        );
      }
      // Loaded on demand, so the other commands do not pay for the MCP SDK at start-up.
      const { configFromEnv, createApp, databaseUrlFrom } = await import("../../compose.js");
      const { serveStdio } = await import("../../transports/mcp/stdio.js");
      const { OpenavailError } = await import("../../service/errors.js");
      let config: ReturnType<typeof configFromEnv>;
      try {
        const { db, databaseUrl, policy } = command.optsWithGlobals<{
          db?: string;
          databaseUrl?: string;
          policy?: string;
        }>();
        config = configFromEnv(ctx.env, {
          ...(db ? { dbPath: db } : {}),
          ...(databaseUrl ? { databaseUrl: databaseUrlFrom(databaseUrl, "--database-url") } : {}),
          ...(policy ? { policyPath: policy } : {}),
        });
      } catch (err) {
        return fail((err as Error).message);
      }
      // Opening a missing file would create an empty ledger, in which no key can be valid.
      if (config.databaseUrl === undefined && !existsSync(config.dbPath)) {
        fail(
          `no database at ${resolve(config.dbPath)}. Point OPENAVAIL_DB (or --db) at the database that \`openavail serve\` and the admin commands use.`,
        );
      }
      let app: Awaited<ReturnType<typeof createApp>>;
      try {
        app = await createApp(config);
      } catch (err) {
        return fail((err as Error).message);
      }
      if (process.stdin.isTTY) {
        ctx.stderr.write(
          "openavail mcp speaks MCP on stdin/stdout: start it from an MCP client (see `openavail mcp --help`). Ctrl-C to stop.\n",
        );
      }
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      // Bookings must reach Google even when no `serve` runs beside the stdio processes; outbox
      // claims are leased, so any number of processes may drain one database. Mirror sync and the
      // hold sweep are left to `serve` and to the decisions themselves.
      const jobs = app.startBackgroundJobs({
        syncIntervalMs: 0,
        holdSweepIntervalMs: 0,
        outboxIntervalMs: 2_000,
      });
      let failure: unknown;
      try {
        await serveStdio(app, rawKey, { stdout: ctx.stdout, signal: stop.signal });
      } catch (err) {
        failure = err;
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
        await jobs.stop();
        await app.close();
      }
      if (failure instanceof OpenavailError && failure.type === "unauthorized") fail(failure.message);
      if (failure) throw failure;
    });
  // The program usually defines --db for every command (and then parses it wherever it appears);
  // stand-alone, the command brings its own.
  if (!program.options.some((o) => o.long === "--db")) {
    mcp.option("--db <path>", "SQLite database file (default: $OPENAVAIL_DB or data/openavail.db)");
    mcp.option("--database-url <url>", "PostgreSQL ledger instead (default: $OPENAVAIL_DATABASE_URL)");
  }
  return mcp;
}
