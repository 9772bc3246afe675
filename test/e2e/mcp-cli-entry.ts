// Test-only stand-in for src/cli/main.ts: `node --import tsx test/e2e/mcp-cli-entry.ts mcp`.
import { Command } from "commander";
import { registerMcpCommand } from "../../src/cli/commands/mcp.js";

const program = new Command("openavail").configureOutput({
  writeOut: (s) => process.stdout.write(s),
  writeErr: (s) => process.stderr.write(s),
});
registerMcpCommand(program, { env: process.env, stdout: process.stdout, stderr: process.stderr });
await program.parseAsync(process.argv);
