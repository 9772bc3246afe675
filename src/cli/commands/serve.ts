// `openavail serve` (`npm start`): the HTTP server — REST under /v1, MCP at /mcp and /sse, /healthz —
// on one port, plus the background jobs (provider sync, outbox, hold sweep). On an empty database it first seeds a demo owner, calendar and agent and prints the
// agent's key and an admin token, once.
import { join, resolve } from "node:path";
import type { Command } from "commander";
import {
  type App,
  type AppConfig,
  configFromEnv,
  createApp,
  databaseUrlFrom,
  ledgerLabel,
  PACKAGE_ROOT,
} from "../../compose.js";
import { createAdminToken } from "../../service/agents-admin.js";
import { createConsoleLink } from "../../service/console-sessions.js";
import { type FirstRun, firstRun } from "../../service/first-run.js";
import type { startHttpServer } from "../../transports/http/server.js";
import { DEFAULT_SERVER } from "../agent/rest-client.js";
import type { CliContext } from "../cli-context.js";
import { consoleLinkUrl } from "./console-link.js";

interface ServeOptions {
  port?: string;
  host?: string;
}

const HELP_AFTER = `
Environment:
  OPENAVAIL_DB               SQLite database (default data/openavail.db)
  OPENAVAIL_DATABASE_URL     postgres://... puts the ledger on PostgreSQL, shared by any number of
                             serve instances (docs/postgres.md); set OPENAVAIL_SECRET_KEY alike on each
  OPENAVAIL_POLICY           meeting-class policy file (default: the packaged data/policy.json)
  OPENAVAIL_HOST             interface to bind (default 127.0.0.1; use 0.0.0.0 only behind a proxy)
  OPENAVAIL_PORT             port (default 7420; 0 picks a free one)
  OPENAVAIL_RATE_LIMIT       requests per minute per API key (default 120; 0 turns it off)
  OPENAVAIL_ALLOWED_ORIGINS  comma-separated browser origins allowed on /mcp and /sse besides loopback
  OPENAVAIL_ALLOWED_HOSTS    comma-separated Host names served besides loopback and the bound address
                             (needed behind a proxy that passes its public name on)
  OPENAVAIL_AUTH_FAILURE_LIMIT  failed authentications per minute per client address (default 30; 0 off)
  OPENAVAIL_LOG_LEVEL        pino level of the logs on stderr (default info)

Stop with Ctrl-C (SIGINT) or SIGTERM: in-flight requests finish, then the database is closed.
`;

export function registerServeCommand(program: Command, ctx: CliContext): void {
  program
    .command("serve")
    .summary("serve REST (/v1), MCP (/mcp, /sse) and /healthz over HTTP")
    .description(
      "Serve the Openavail HTTP API on one port: the REST API under /v1 (OpenAPI at /v1/openapi.json), " +
        "MCP over Streamable HTTP at /mcp and legacy SSE at /sse, and /healthz. Binds 127.0.0.1:7420 unless told otherwise. " +
        "On an empty database, creates a demo owner, calendar and agent and prints the agent's key once.",
    )
    .option("--port <n>", "port to listen on (default: OPENAVAIL_PORT or 7420; 0 picks a free port)")
    .option("--host <host>", "interface to bind (default: OPENAVAIL_HOST or 127.0.0.1)")
    .addHelpText("after", HELP_AFTER)
    .action(async (options: ServeOptions, command: Command) => {
      const fail = (message: string, exitCode = 1): never =>
        command.error(`openavail serve: ${message}`, { exitCode, code: "openavail.serve" });
      let config: AppConfig;
      try {
        config = configFromEnv(ctx.env, overrides(command, options));
      } catch (err) {
        return fail((err as Error).message, 2);
      }
      await serve(ctx, config, fail);
    });
}

function overrides(command: Command, options: ServeOptions): Partial<AppConfig> {
  const { db, databaseUrl, policy } = command.optsWithGlobals<{
    db?: string;
    databaseUrl?: string;
    policy?: string;
  }>();
  const out: { -readonly [K in keyof AppConfig]?: AppConfig[K] } = {};
  if (db !== undefined) out.dbPath = db;
  if (databaseUrl !== undefined) out.databaseUrl = databaseUrlFrom(databaseUrl, "--database-url");
  if (policy !== undefined) out.policyPath = policy;
  if (options.host !== undefined) out.host = options.host;
  if (options.port !== undefined) {
    const port = Number(options.port);
    if (!Number.isInteger(port) || port < 0 || port > 65_535)
      throw new Error(`--port must be a whole number from 0 to 65535, got "${options.port}"`);
    out.port = port;
  }
  return out;
}

async function serve(ctx: CliContext, config: AppConfig, fail: (message: string) => never): Promise<void> {
  let app: App;
  try {
    app = await createApp(config);
  } catch (err) {
    return fail((err as Error).message);
  }
  let server: Awaited<ReturnType<typeof startHttpServer>>;
  try {
    // The HTTP stack loads only for `serve`, so `openavail mcp` and admin commands start faster.
    const { startHttpServer } = await import("../../transports/http/server.js");
    const { mountMcpHttp } = await import("../../transports/mcp/http.js");
    server = await startHttpServer(app, {
      mountExtra: (hono) => {
        const mcp = mountMcpHttp(hono, app, { allowedOrigins: app.config.allowedOrigins });
        return () => mcp.close();
      },
    });
  } catch (err) {
    await app.close();
    return fail((err as Error).message);
  }

  // A server outlives whoever read its banner (`openavail serve | head`), and a stdout that fails
  // otherwise: what it would print goes nowhere, said once in the log, and it keeps serving (main.ts
  // steps aside for this listener).
  // (process.stdout cannot be destroyed: Node keeps fd 1 open, so the writes stop here instead.)
  let stdoutGone = false;
  const stdoutFailed = (err: Error) => {
    if (!stdoutGone) app.logger.warn({ err }, "stdout failed; serving on without it");
    stdoutGone = true;
  };
  const say = (text: string) => {
    if (!stdoutGone) ctx.stdout.write(text);
  };
  ctx.stdout.on("error", stdoutFailed);

  try {
    const seeded = await firstRun(app.ledger.db, { now: app.config.now() });
    if (seeded) {
      const admin = await createAdminToken(app.ledger.db, app.config.now());
      const link = await createConsoleLink(app.ledger.db, app.config.now());
      say(firstRunMessage(seeded, admin.token, server.url, config, consoleLinkUrl(server.url, link.token)));
    } else {
      // Keys and admin tokens are shown only when made: say how to make new ones.
      say(
        `Using the existing database ${ledgerLabel(config)}. Lost a key? Make one with \`openavail key create --agent AGT_ID\` ` +
          "(`openavail agent list` names the agents); an admin token with `openavail admin-token create`; " +
          "a console sign-in link with `openavail console-link`.\n",
      );
    }
  } catch (err) {
    await server.close();
    return fail(`could not seed the demo data: ${(err as Error).message}`);
  }

  // Provider sync, the outbox to Google and the hold-expiry sweep run for as long as the server does.
  const jobs = app.startBackgroundJobs({});
  app.logger.info({ url: server.url, db: ledgerLabel(config) }, "listening");
  say(
    `Openavail is listening on ${server.url}  (REST ${server.url}/v1, MCP ${server.url}/mcp, OpenAPI ${server.url}/v1/openapi.json)\n`,
  );

  await new Promise<void>((done) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      app.logger.info({ signal }, "shutting down: finishing in-flight requests");
      const closed = jobs.stop().then(() => server.close());
      closed.then(done, (err: unknown) => {
        app.logger.error({ err }, "shutdown failed");
        done();
      });
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  // The listener stays: an EPIPE from this last line is reported after the write returns.
  say("Openavail stopped.\n");
}

/** What first start prints on stdout: the key once, a curl to try it, and an MCP client entry. */
export function firstRunMessage(
  seeded: FirstRun,
  adminToken: string,
  url: string,
  ledger: Pick<AppConfig, "dbPath" | "databaseUrl">,
  consoleLink: string,
): string {
  const mcpConfig = {
    mcpServers: {
      openavail: { type: "http", url: `${url}/mcp`, headers: { Authorization: `Bearer ${seeded.key.key}` } },
    },
  };
  return [
    "",
    "First start: created a demo owner, calendar and agent.",
    `  owner     ${seeded.owner.email} (${seeded.timeZone}), work calendar ${seeded.calendar.id}: Mon-Fri 09:00-17:00`,
    `  agent     ${seeded.agent.id} "${seeded.agent.name}" with every scope, on every owner`,
    "",
    "  API key (shown once, only its hash is stored):",
    `    ${seeded.key.key}`,
    "  Admin token for /v1/agents, /v1/owners, /v1/calendars, /v1/decisions (shown once):",
    `    ${adminToken}`,
    "",
    "Owner console (this link signs you in once, for 15 minutes; `openavail console-link` makes another):",
    `  ${consoleLink}`,
    "",
    "Try it as that agent, with the CLI (`npm link` once puts `openavail` on your PATH):",
    `  export OPENAVAIL_API_KEY=${seeded.key.key}${url === DEFAULT_SERVER ? "" : ` OPENAVAIL_SERVER=${url}`}`,
    `  openavail slots --owner ${seeded.owner.email} --on monday --between 09:00-12:00 --duration 30m`,
    "or with curl:",
    `  curl -s ${url}/v1/me -H 'Authorization: Bearer ${seeded.key.key}'`,
    "",
    "MCP over HTTP (add to your MCP client's configuration):",
    ...JSON.stringify(mcpConfig, null, 2)
      .split("\n")
      .map((l) => `  ${l}`),
    "MCP over stdio instead:",
    `  { "command": "node", "args": ["${join(PACKAGE_ROOT, "dist", "cli", "main.js")}", "mcp"], "env": { "OPENAVAIL_API_KEY": "${seeded.key.key}", ${ledgerEnv(ledger)} } }`,
    "",
  ].join("\n");
}

/** The stdio entry's environment naming the same ledger (the URL without its password: type it in). */
function ledgerEnv(ledger: Pick<AppConfig, "dbPath" | "databaseUrl">): string {
  return ledger.databaseUrl
    ? `"OPENAVAIL_DATABASE_URL": "${ledgerLabel(ledger)}"`
    : `"OPENAVAIL_DB": "${resolve(ledger.dbPath)}"`;
}
