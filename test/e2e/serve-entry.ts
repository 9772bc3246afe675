// Test-only entry: `openavail serve` through the real CLI runner, without the rest of main.ts.
// Spawned by rest-serve-cli.test.ts as `node --import tsx test/e2e/serve-entry.ts serve ...`.
import { registerServeCommand } from "../../src/cli/commands/serve.js";
import { runCli } from "../../src/cli/run-cli.js";

process.exitCode = await runCli(
  process.argv.slice(2),
  { env: process.env, stdout: process.stdout, stderr: process.stderr },
  { registrars: [registerServeCommand] },
);
