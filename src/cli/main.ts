#!/usr/bin/env node
// The `openavail` command: the admin commands plus `serve`, `mcp` and `connect`, on the real process.
import type { CliContext } from "./cli-context.js";
import { registerConnectCommand } from "./commands/connect.js";
import { registerMcpCommand } from "./commands/mcp.js";
import { registerServeCommand } from "./commands/serve.js";
import { runCli } from "./run-cli.js";

const ctx: CliContext = { env: process.env, stdout: process.stdout, stderr: process.stderr };
process.exitCode = await runCli(process.argv.slice(2), ctx, {
  registrars: [registerServeCommand, registerMcpCommand, (program) => registerConnectCommand(program, ctx)],
});
