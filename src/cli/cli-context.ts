// What every CLI command receives: the environment and the two output streams, so tests can run
// commands in-process and nothing below reads process globals directly.
import type { Writable } from "node:stream";

export interface CliContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: Writable;
  readonly stderr: Writable;
}
