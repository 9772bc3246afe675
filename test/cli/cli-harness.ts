// Runs `openavail` command lines in-process against a temp database, capturing stdout, stderr and
// the exit code, with an injected clock. Every output is kept so tests can check no raw key leaked.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { type RunOptions, runCli } from "../../src/cli/run-cli.js";

export class Capture extends Writable {
  text = "";
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString("utf8");
    done();
  }
}

export interface CliResult {
  readonly argv: readonly string[];
  readonly code: number;
  readonly out: string;
  readonly err: string;
  json(): any;
}

export interface Cli {
  readonly dir: string;
  readonly dbPath: string;
  clock: { now: number };
  /** Runs one command line with `--db` set to the temp database. */
  run(...argv: string[]): Promise<CliResult>;
  /** Runs one command line exactly as given, with the environment given. */
  raw(argv: readonly string[], env?: Record<string, string>, options?: RunOptions): Promise<CliResult>;
  readonly history: CliResult[];
  close(): void;
}

export function makeCli(startIso = "2026-03-02T12:00:00Z"): Cli {
  const dir = mkdtempSync(join(tmpdir(), "openavail-cli-"));
  const dbPath = join(dir, "openavail.db");
  const clock = { now: Date.parse(startIso) };
  const history: CliResult[] = [];
  const raw = async (argv: readonly string[], env: Record<string, string> = {}, options: RunOptions = {}) => {
    const stdout = new Capture();
    const stderr = new Capture();
    const code = await runCli(argv, { env, stdout, stderr }, { now: () => clock.now, ...options });
    const result: CliResult = {
      argv,
      code,
      out: stdout.text,
      err: stderr.text,
      json: () => JSON.parse(stdout.text),
    };
    history.push(result);
    return result;
  };
  return {
    dir,
    dbPath,
    clock,
    history,
    raw,
    run: (...argv) => raw(["--db", dbPath, ...argv]),
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A raw API key anywhere in a text. */
export const RAW_KEY = /ak_[A-Za-z0-9_-]{49}/;
