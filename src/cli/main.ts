#!/usr/bin/env node
// The `openavail` command: the admin commands plus `serve`, `mcp` and `connect`, on the real process.
import type { CliContext } from "./cli-context.js";
import { registerConnectCommand } from "./commands/connect.js";
import { registerMcpCommand } from "./commands/mcp.js";
import { registerServeCommand } from "./commands/serve.js";
import { runCli } from "./run-cli.js";

// A reader that stops early (`openavail decisions | head`) closes the pipe: what is left to print has
// nowhere to go, which is no reason to die with a stack trace. Commands that run until stopped end
// when stdout closes (decisions --follow); `openavail mcp` ends its session (stdio.ts).
for (const out of [process.stdout, process.stderr]) {
  out.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE" && err.code !== "ERR_STREAM_DESTROYED") throw err;
    out.destroy();
  });
}

const ctx: CliContext = { env: process.env, stdout: process.stdout, stderr: process.stderr };
process.exitCode = await runCli(process.argv.slice(2), ctx, {
  registrars: [registerServeCommand, registerMcpCommand, (program) => registerConnectCommand(program, ctx)],
});
