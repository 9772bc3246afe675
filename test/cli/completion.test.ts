// `openavail completion bash|zsh` run in real shells: the bash script completes commands, subcommands
// and options when its function is called as bash would call it; the zsh script parses, registers
// `_openavail` after compinit and offers the same words. Both know every command path of the program,
// and every command's --help ends with an example.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliContext } from "../../src/cli/cli-context.js";
import { registerConnectCommand } from "../../src/cli/commands/connect.js";
import { registerMcpCommand } from "../../src/cli/commands/mcp.js";
import { registerServeCommand } from "../../src/cli/commands/serve.js";
import { buildProgram, type CommandRegistrar, type RunOptions } from "../../src/cli/run-cli.js";
import { Capture, type Cli, makeCli } from "./cli-harness.js";

/** Every command path of the program, e.g. "owner cancel"; commander's own `help` excluded. */
function commandPaths(cmd: Command, prefix = ""): string[] {
  return cmd.commands
    .filter((c) => c.name() !== "help")
    .flatMap((c) => {
      const path = prefix ? `${prefix} ${c.name()}` : c.name();
      return [path, ...commandPaths(c, path)];
    });
}

/** The commands main.ts adds to the real process, so serve, mcp and connect are walked too. */
const REGISTRARS: readonly CommandRegistrar[] = [
  registerServeCommand,
  registerMcpCommand,
  (program: Command, ctx: CliContext) => registerConnectCommand(program, ctx),
];
const WITH_ALL: RunOptions = { registrars: REGISTRARS };
const PROGRAM = buildProgram({ env: {}, stdout: new Capture(), stderr: new Capture() }, WITH_ALL);
const PATHS = commandPaths(PROGRAM);
/** Commands that only group others (`owner`, `agent`...), as opposed to those that run something. */
const GROUPS = PATHS.filter((path) => {
  let cmd: Command = PROGRAM;
  for (const name of path.split(" ")) cmd = cmd.commands.find((c) => c.name() === name)!;
  return cmd.commands.some((c) => c.name() !== "help");
});
const RUNNABLE = PATHS.filter((path) => !GROUPS.includes(path));

let cli: Cli;
let dir: string;
const scripts = { bash: "", zsh: "" };
const files = { bash: "", zsh: "" };

beforeAll(async () => {
  cli = makeCli();
  dir = mkdtempSync(join(tmpdir(), "openavail-completion-"));
  for (const shell of ["bash", "zsh"] as const) {
    const r = await cli.raw(["completion", shell], {}, WITH_ALL);
    expect([r.code, r.err]).toEqual([0, ""]);
    scripts[shell] = r.out;
    files[shell] = join(dir, `openavail.${shell}`);
    writeFileSync(files[shell], r.out);
  }
});
afterAll(() => {
  cli?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function shell(program: "bash" | "zsh", script: string): string {
  // No startup files: only the script under test defines anything.
  const flags = program === "bash" ? ["--norc", "--noprofile"] : ["-f"];
  const r = spawnSync(program, [...flags, "-c", script], { encoding: "utf8", timeout: 20_000 });
  expect(r.error).toBeUndefined();
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return r.stdout;
}

/** What bash offers for the command line `words` (the last one being completed). */
function bashComplete(...words: string[]): string[] {
  const quoted = words.map((word) => `'${word}'`).join(" ");
  const out = shell(
    "bash",
    `source '${files.bash}'; COMP_WORDS=(openavail ${quoted}); COMP_CWORD=${words.length}; _openavail; ` +
      `printf '%s\\n' "\${COMPREPLY[@]}"`,
  );
  return out.split("\n").filter((line) => line !== "");
}

/** What zsh offers (the words `_describe` is given) for the command line `words`. */
function zshComplete(...words: string[]): string[] {
  const quoted = words.map((word) => `'${word}'`).join(" ");
  const out = shell(
    "zsh",
    `autoload -U compinit && compinit -u -d '${join(dir, "zcompdump")}'; source '${files.zsh}'; ` +
      `_describe() { print -rl -- "\${items[@]}" }; words=(openavail ${quoted}); CURRENT=${words.length + 1}; _openavail`,
  );
  return out
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => line.replace(/(?<!\\):.*$/, "").replaceAll("\\:", ":"))
    .filter((word) => word.startsWith(words[words.length - 1]!));
}

describe("bash completion", () => {
  it("registers _openavail for openavail", () => {
    expect(shell("bash", `source '${files.bash}'; complete -p openavail`)).toBe(
      "complete -F _openavail openavail\n",
    );
  });

  it("completes top-level commands and global options", () => {
    expect(bashComplete("")).toEqual(
      expect.arrayContaining(["owner", "slots", "decisions", "completion", "--json"]),
    );
    expect(bashComplete("boo")).toEqual(["book", "bookings", "booking"]);
    expect(bashComplete("free")).toEqual(["free-busy"]);
  });

  it("completes subcommands after their parent, skipping options before them", () => {
    expect(bashComplete("owner", "c")).toEqual(["cancel"]);
    expect(bashComplete("owner", "b")).toEqual(["bookings", "booking"]);
    expect(bashComplete("--json", "owner", "b")).toEqual(["bookings", "booking"]);
    expect(bashComplete("agent", "")).toEqual(
      expect.arrayContaining(["create", "list", "show", "update", "disable", "enable", "--help"]),
    );
  });

  it("completes the options of agent and admin commands", () => {
    expect(bashComplete("slots", "--ow")).toEqual(["--owner"]);
    expect(bashComplete("book", "--ho")).toEqual(["--hold"]);
    expect(bashComplete("common", "--ow")).toEqual(["--owners"]);
    expect(bashComplete("owner", "cancel", "--re")).toEqual(["--reason"]);
    expect(bashComplete("decisions", "--fo")).toEqual(["--follow"]);
    // The hidden --key is never offered.
    expect(bashComplete("whoami", "--k")).toEqual(["--key-file"]);
  });
});

describe("zsh completion", () => {
  it("parses (zsh -n)", () => {
    const r = spawnSync("zsh", ["-f", "-n", files.zsh], { encoding: "utf8" });
    expect([r.status, r.stderr]).toEqual([0, ""]);
  });

  it("defines _openavail and registers it with compdef after compinit", () => {
    const out = shell(
      "zsh",
      `autoload -U compinit && compinit -u -d '${join(dir, "zcompdump")}'; source '${files.zsh}'; ` +
        `whence -w _openavail; print -r -- "\${_comps[openavail]}"`,
    );
    expect(out).toBe("_openavail: function\n_openavail\n");
  });

  it("offers the same words as bash", () => {
    expect(zshComplete("owner", "c")).toEqual(["cancel"]);
    expect(zshComplete("slots", "--ow")).toEqual(["--owner"]);
    expect(zshComplete("--json", "owner", "b")).toEqual(["bookings", "booking"]);
    expect(zshComplete("whoami", "--k")).toEqual(["--key-file"]);
  });
});

describe("both scripts", () => {
  it("know every command path of the program", () => {
    expect(PATHS.length).toBeGreaterThan(40);
    for (const path of PATHS) {
      expect(scripts.bash, path).toContain(`    "${path}") words="`);
      expect(scripts.zsh, path).toContain(`    ("${path}") items=(`);
    }
  });

  it("refuse a shell they do not know (usage error)", async () => {
    const r = await cli.raw(["completion", "fish"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('no completion for "fish": use bash or zsh');
  });
});

async function helpOf(path: string): Promise<string> {
  const r = await cli.raw([...path.split(" "), "--help"], {}, WITH_ALL);
  expect([r.code, r.err]).toEqual([0, ""]);
  return r.out;
}

describe("--help", () => {
  it("walks the whole program, serve, mcp and connect included", () => {
    expect(RUNNABLE).toEqual(
      expect.arrayContaining(["serve", "mcp", "connect google", "owner cancel", "slots"]),
    );
    expect(GROUPS).toEqual(
      expect.arrayContaining([
        "owner",
        "calendar",
        "rules",
        "agent",
        "key",
        "policy",
        "admin-token",
        "connect",
      ]),
    );
  });

  it.each(RUNNABLE)("%s ends with an example of itself", async (path) => {
    const help = await helpOf(path);
    const example = /\nExample:\n {2}\$ (.*)\n/.exec(help)?.[1];
    expect(example, help).toBeDefined();
    expect(example).toContain(`openavail ${path}`);
  });

  it.each(GROUPS)("%s (a group) has an example too", async (path) => {
    expect(await helpOf(path)).toContain("\nExample:\n");
  });
});
