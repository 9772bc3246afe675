// The README's quickstart, run as written on a fresh database: the server is started through the
// `openavail` command, the agent block is pasted into bash with only the demo key (and, because the
// test picks a free port, the server address) filled in. `npm link` is stood in for by an
// `openavail` on PATH, which is what it installs. Every `openavail <command>` the README names exists.
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { afterEach, describe, expect, it } from "vitest";
import { buildProgram } from "../../src/cli/run-cli.js";
import { Capture } from "../cli/cli-harness.js";
import { listeningUrl } from "../helpers/serve-process.js";
import { useTempDirs } from "../helpers/temp-dirs.js";

const ROOT = join(import.meta.dirname, "../..");
const README = readFileSync(join(ROOT, "README.md"), "utf8");
const tempDir = useTempDirs("openavail-readme");
const children: ChildProcess[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});

/** The fenced ```sh blocks of the README section titled `heading`. */
function shellBlocks(heading: string): string[] {
  const start = README.indexOf(`## ${heading}\n`);
  const end = README.indexOf("\n## ", start + 1);
  const section = README.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/** A directory holding an `openavail` that runs this checkout's CLI, as `npm link` would provide. */
function binDir(): string {
  const dir = tempDir();
  const tsx = import.meta.resolve("tsx");
  const bin = join(dir, "openavail");
  writeFileSync(
    bin,
    `#!/bin/sh\nexec "${process.execPath}" --import "${tsx}" "${join(ROOT, "src/cli/main.ts")}" "$@"\n`,
  );
  chmodSync(bin, 0o755);
  return dir;
}

function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (b: Buffer) => {
      out += b.toString();
    });
    child.stderr.on("data", (b: Buffer) => {
      err += b.toString();
    });
    child.on("exit", (code) => resolve({ code, out, err }));
  });
}

describe("README", () => {
  it("the quickstart works when pasted, on a fresh database", async () => {
    const data = tempDir();
    const bin = binDir();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PATH: `${bin}:${process.env.PATH}`,
      OPENAVAIL_DB: join(data, "openavail.db"),
      OPENAVAIL_LOG_LEVEL: "silent",
      OPENAVAIL_API_KEY: "",
      OPENAVAIL_SERVER: "",
    };
    const server = spawn(join(bin, "openavail"), ["serve", "--port", "0"], {
      cwd: ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(server);
    let printed = "";
    server.stdout!.on("data", (b: Buffer) => {
      printed += b.toString();
    });
    const url = await listeningUrl(server, () => printed, 30_000);
    const key = /ak_[A-Za-z0-9_-]{49}/.exec(printed)?.[0];
    expect(key, printed).toBeDefined();

    const [setup, agent] = shellBlocks("Quickstart");
    expect(setup).toContain("npm install && npm start");
    // The lines as the README has them; only the demo key and the free port differ.
    const script = agent!
      .split("\n")
      .filter((line) => !line.startsWith("npm link"))
      .join("\n")
      .replaceAll("ak_...", key!)
      .replaceAll("http://127.0.0.1:7420", url);
    const result = await run("bash", ["-e", "-o", "pipefail", "-c", script], {
      ...env,
      OPENAVAIL_SERVER: url,
    });
    expect(result.err).toBe("");
    expect(result.code, result.out).toBe(0);
    expect(result.out).toContain("agent agt_");
    expect(result.out).toMatch(/^Accept/m);
    expect(result.out).toMatch(/confirmed\s+Intro call/);
    expect(result.out).toMatch(/booking bkg_\w+ cancelled: "Intro call"/);
    expect(result.out).toMatch(/owner_cancel_booking|cancel_booking/);
    expect(result.out).toContain('"agent_id":"agt_');

    // The CLI lines the first start prints work too.
    const tryLines = printed
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l.startsWith("export OPENAVAIL_API_KEY=") || l.startsWith("openavail "));
    expect(tryLines.length).toBe(2);
    const tried = await run("bash", ["-e", "-c", tryLines.join("\n")], env);
    expect(tried.code, tried.err).toBe(0);
    expect(tried.out).toMatch(/^Accept/m);
  });

  it("every openavail command it names exists", () => {
    const program = buildProgram({ env: {}, stdout: new Capture(), stderr: new Capture() });
    const names = new Set<string>();
    const walk = (cmd: Command, prefix: string) => {
      for (const sub of cmd.commands) {
        const path = prefix ? `${prefix} ${sub.name()}` : sub.name();
        names.add(path);
        walk(sub, path);
      }
    };
    walk(program, "");
    const named = [...README.matchAll(/`(?:openavail )?((?:[a-z][a-z-]*)(?: [a-z][a-z-|]*)?)(?= |`)/g)]
      .map((m) => m[1]!)
      .filter((c) => names.has(c.split(" ")[0]!));
    expect(named.length).toBeGreaterThan(20);
    for (const command of named) {
      const [first, second] = command.split(" ");
      const group = [...names].some((n) => n.startsWith(`${first} `));
      if (!group || second === undefined) continue;
      for (const sub of second.split("|"))
        expect(names, `README names "${first} ${sub}"`).toContain(`${first} ${sub}`);
    }
  });
});
