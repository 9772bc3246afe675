#!/usr/bin/env node
// The `openavail` command: the admin commands plus `serve`, `mcp` and `connect`, on the real process.
import type { CliContext } from "./cli-context.js";
import { registerConnectCommand } from "./commands/connect.js";
import { registerMcpCommand } from "./commands/mcp.js";
import { registerServeCommand } from "./commands/serve.js";
import { EXIT } from "./exit-status.js";
import { runCli } from "./run-cli.js";

// A reader that stops early (`openavail decisions | head`) closes the pipe. Like any Unix tool that
// SIGPIPE ends, the command stops there, with status 141 and no stack trace (a `--follow` included).
// Commands that handle their own stdout errors are left to them: `openavail mcp` ends its session
// (stdio.ts), `openavail serve` keeps serving.
const READER_GONE = new Set(["EPIPE", "ECONNRESET", "EOF", "ERR_STREAM_DESTROYED"]);
for (const out of [process.stdout, process.stderr]) {
  out.on("error", (err: NodeJS.ErrnoException) => {
    if (out.listenerCount("error") > 1) return;
    if (!READER_GONE.has(err.code ?? "")) throw err;
    process.exit(EXIT.readerGone);
  });
}

const ctx: CliContext = { env: process.env, stdout: process.stdout, stderr: process.stderr };
process.exitCode = await runCli(process.argv.slice(2), ctx, {
  registrars: [registerServeCommand, registerMcpCommand, (program) => registerConnectCommand(program, ctx)],
});
