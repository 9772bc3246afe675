// `openavail console-link`: a one-time sign-in link to the owner console, valid for 15 minutes.
import type { Command } from "commander";
import { createConsoleLink } from "../../service/console-sessions.js";
import { type AdminEnv, configOf, emit, withLedger } from "./admin-env.js";

/** The console address a link points at: the token travels in the fragment, which no server or log sees. */
export function consoleLinkUrl(serverUrl: string, token: string): string {
  return `${serverUrl.replace(/\/+$/, "")}/#/link/${token}`;
}

export function registerConsoleLinkCommand(program: Command, env: AdminEnv): void {
  program
    .command("console-link")
    .description("Print a one-time link that signs you in to the owner console (valid 15 minutes).")
    .option(
      "--url <url>",
      "the server's address as your browser reaches it (default: http://OPENAVAIL_HOST:OPENAVAIL_PORT)",
    )
    .action(async (opts: { url?: string }, cmd: Command) => {
      const config = configOf(env, cmd);
      const server = opts.url ?? `http://${config.host}:${config.port}`;
      const link = await withLedger(env, cmd, (db) => createConsoleLink(db, env.now()), { mustExist: true });
      const url = consoleLinkUrl(server, link.token);
      emit(
        env,
        cmd,
        { url, expires_at: link.expires_at },
        () => `${url}\n(one use, until ${link.expires_at})`,
      );
    });
}
