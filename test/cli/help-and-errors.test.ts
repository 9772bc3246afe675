// The CLI's contract with people and scripts: --help on every command, one-line errors naming the
// field on stderr, exit code 1 for a refused request and 2 for a usage error, never a stack trace.
import type { Command } from "commander";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildProgram } from "../../src/cli/run-cli.js";
import { Capture, type Cli, makeCli } from "./cli-harness.js";

/** Every command path in the program, e.g. ["agent", "create"]; commander's own `help` excluded. */
function commandPaths(cmd: Command, prefix: string[] = []): string[][] {
  return cmd.commands
    .filter((c) => c.name() !== "help")
    .flatMap((c) => [[...prefix, c.name()], ...commandPaths(c, [...prefix, c.name()])]);
}

const PROGRAM = buildProgram({ env: {}, stdout: new Capture(), stderr: new Capture() });
const PATHS = commandPaths(PROGRAM);

let cli: Cli;
beforeEach(() => {
  cli = makeCli();
});
afterEach(() => cli.close());

describe("--help", () => {
  it("the program has every admin command of DESIGN.md section 8", () => {
    const names = PATHS.map((p) => p.join(" "));
    for (const name of [
      "owner add",
      "owner list",
      "calendar add",
      "calendar list",
      "rules set",
      "rules get",
      "rules delete",
      "agent create",
      "agent list",
      "agent show",
      "agent update",
      "agent disable",
      "agent enable",
      "key create",
      "key list",
      "key revoke",
      "policy show",
      "decisions",
      "admin-token create",
    ]) {
      expect(names).toContain(name);
    }
  });

  it("the top level lists the commands and the global options", async () => {
    const r = await cli.raw(["--help"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("Usage: openavail");
    for (const opt of ["--db <path>", "--json", "--policy <path>"]) expect(r.out).toContain(opt);
    for (const cmd of ["owner", "calendar", "rules", "agent", "key", "policy", "decisions", "admin-token"])
      expect(r.out).toContain(cmd);
  });

  it.each(PATHS.map((p) => [p.join(" "), p] as const))("openavail %s --help", async (name, path) => {
    const cmd = path.reduce<Command>((c, n) => c.commands.find((s) => s.name() === n)!, PROGRAM);
    expect(cmd.description(), `${name} has no description`).toMatch(/\w{3,}/);
    const r = await cli.raw([...path, "--help"]);
    expect(r.code).toBe(0);
    expect(r.err).toBe("");
    expect(r.out).toContain(`Usage: openavail ${name}`);
    // Help wraps long lines at the terminal width; compare with whitespace folded.
    const fold = (s: string) => s.replace(/\s+/g, " ");
    expect(fold(r.out)).toContain(fold(cmd.description()));
    expect(r.out).toContain("--json"); // the global options are shown on every command
  });

  it("--version prints the package version", async () => {
    const r = await cli.raw(["--version"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^\d+\.\d+\.\d+/);
  });
});

/** Runs a command line expected to fail; checks it failed in one line without a stack trace. */
async function fails(code: 1 | 2, ...argv: string[]) {
  const r = await cli.run(...argv);
  expect(r.code, `${argv.join(" ")} -> ${r.err}`).toBe(code);
  expect(r.out).toBe("");
  expect(r.err).toMatch(/^error: /);
  expect(r.err.trim().split("\n"), r.err).toHaveLength(1);
  expect(r.err).not.toMatch(/\n\s+at /);
  return r.err;
}

async function seedAgent(): Promise<string> {
  await cli.run("owner", "add", "--email", "ceo@example.com");
  const r = await cli.run("agent", "create", "--name", "a", "--scopes", "read_freebusy", "--owners", "*");
  return r.out.trim();
}

describe("usage errors exit 2", () => {
  it("a missing required option names it", async () => {
    expect(await fails(2, "owner", "add")).toContain("--email");
    expect(await fails(2, "agent", "create", "--name", "x", "--owners", "*")).toContain("--scopes");
    expect(await fails(2, "key", "revoke", "--agent", "agt_x")).toContain("--key");
  });

  it("an unknown command or option", async () => {
    expect(await fails(2, "frobnicate")).toContain("frobnicate");
    expect(await fails(2, "owner", "list", "--colour")).toContain("--colour");
  });

  it("a missing argument", async () => {
    expect(await fails(2, "agent", "show")).toContain("agent_id");
  });

  it("a number option that is not a number names the option", async () => {
    expect(
      await fails(2, "agent", "create", "--name", "x", "--scopes", "", "--owners", "*", "--priority", "high"),
    ).toContain("--priority");
    expect(await fails(2, "key", "create", "--agent", "agt_x", "--expires-in-days", "soon")).toContain(
      "--expires-in-days",
    );
  });

  it("rules set needs exactly one of --file and --rules", async () => {
    expect(await fails(2, "rules", "set", "--calendar", "cal_x")).toContain("--file");
    expect(
      await fails(2, "rules", "set", "--calendar", "cal_x", "--file", "a.json", "--rules", "{}"),
    ).toContain("--rules");
  });

  it("a command group without a subcommand shows its help on stderr", async () => {
    const r = await cli.run("agent");
    expect(r.code).toBe(2);
    expect(r.err).toContain("Usage: openavail agent");
  });
});

describe("refused requests exit 1 and name the field", () => {
  it("owner add", async () => {
    expect(await fails(1, "owner", "add", "--email", "not-an-email")).toContain("email");
    expect(
      await fails(1, "owner", "add", "--email", "a@example.com", "--timezone", "Mars/Olympus"),
    ).toContain("timezone");
    await cli.run("owner", "add", "--email", "a@example.com");
    expect(await fails(1, "owner", "add", "--email", "A@example.com")).toContain("already exists");
  });

  it("several problems are all named, still on one line", async () => {
    const err = await fails(1, "owner", "add", "--email", "nope", "--timezone", "Nowhere/Else");
    expect(err).toContain("email");
    expect(err).toContain("timezone");
  });

  it("calendar add", async () => {
    expect(await fails(1, "calendar", "add", "--owner", "ghost@example.com", "--type", "work")).toContain(
      "ghost@example.com",
    );
    await cli.run("owner", "add", "--email", "a@example.com");
    expect(await fails(1, "calendar", "add", "--owner", "a@example.com", "--type", "Work!")).toContain(
      "calendar_type",
    );
    expect(
      await fails(
        1,
        "calendar",
        "add",
        "--owner",
        "a@example.com",
        "--type",
        "work",
        "--provider",
        "outlook",
      ),
    ).toContain("provider");
    await cli.run("calendar", "add", "--owner", "a@example.com", "--type", "work");
    expect(await fails(1, "calendar", "add", "--owner", "a@example.com", "--type", "work")).toContain(
      "already has a work calendar",
    );
    expect(await fails(1, "calendar", "list", "--owner", "ghost@example.com")).toContain("ghost@example.com");
  });

  it("rules set", async () => {
    await cli.run("owner", "add", "--email", "a@example.com");
    const cal = (await cli.run("calendar", "add", "--owner", "a@example.com", "--type", "work")).out.trim();
    const set = (rules: string) => fails(1, "rules", "set", "--calendar", cal, "--rules", rules);
    expect(await set('{"working_hours":{"mon":{"start":"09:00","end":"08:00"}}}')).toContain(
      "working_hours.mon.end",
    );
    expect(await set('{"buffer_before_minutes":500}')).toContain("buffer_before_minutes");
    expect(await set('{"timezone":"Atlantis/Capital"}')).toContain("timezone");
    expect(await set('{"weekends":false}')).toContain("weekends");
    expect(await set("{not json")).toContain("not valid JSON");
    expect(await fails(1, "rules", "set", "--calendar", cal, "--file", "/nonexistent/rules.json")).toContain(
      "/nonexistent/rules.json",
    );
    expect(await fails(1, "rules", "get", "--calendar", "cal_missing")).toContain("cal_missing");
    // A bad request changes nothing.
    expect(await fails(1, "rules", "get", "--calendar", cal)).toContain("No availability rules");
  });

  it("agent create and update", async () => {
    const agentId = await seedAgent();
    const create = (...extra: string[]) =>
      fails(1, "agent", "create", "--name", "x", "--scopes", "read_freebusy", "--owners", "*", ...extra);
    expect(
      await fails(
        1,
        "agent",
        "create",
        "--name",
        "x",
        "--scopes",
        "read_freebusy,book_anything",
        "--owners",
        "*",
      ),
    ).toContain("scopes.1");
    expect(
      await fails(1, "agent", "create", "--name", "x", "--scopes", "read_freebusy", "--owners", "nobody"),
    ).toContain("owners.0");
    expect(
      await fails(1, "agent", "create", "--name", "x", "--scopes", "read_freebusy", "--owners", "*,a@b.co"),
    ).toContain("owners");
    expect(await create("--default-class", "golf")).toContain("default_class");
    expect(await create("--priority", "5000")).toContain("priority");
    expect(
      await fails(1, "agent", "create", "--name", " ", "--scopes", "read_freebusy", "--owners", "*"),
    ).toContain("name");
    expect(await fails(1, "agent", "update", agentId)).toContain("Nothing to update");
    expect(await fails(1, "agent", "update", agentId, "--default-class", "golf")).toContain("default_class");
    expect(await fails(1, "agent", "update", "agt_missing", "--priority", "1")).toContain("agt_missing");
    expect(await fails(1, "agent", "disable", "agt_missing")).toContain("agt_missing");
    // Nothing above changed the agent.
    expect((await cli.run("agent", "list", "--json")).json()).toHaveLength(1);
  });

  it("key create and revoke", async () => {
    const agentId = await seedAgent();
    expect(await fails(1, "key", "create", "--agent", agentId, "--expires-in-days", "0")).toContain(
      "expires_in_days",
    );
    expect(await fails(1, "key", "create", "--agent", "agt_missing")).toContain("agt_missing");
    expect(await fails(1, "key", "revoke", "--agent", agentId, "--key", "key_missing")).toContain(
      "key_missing",
    );
    expect(await fails(1, "key", "list", "--agent", "agt_missing")).toContain("agt_missing");
  });

  it("decisions", async () => {
    await seedAgent();
    expect(await fails(1, "decisions", "--since", "last tuesday")).toContain("--since");
    expect(await fails(1, "decisions", "--verdict", "Maybe")).toContain("verdict");
    expect(await fails(1, "decisions", "--agent", "bob")).toContain("agent_id");
    expect(await fails(1, "decisions", "--owner", "ghost@example.com")).toContain("ghost@example.com");
  });

  it("a read on a database that does not exist, instead of creating one", async () => {
    const r = await cli.raw(["--db", `${cli.dir}/typo.db`, "owner", "list"]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("No database at");
  });

  it("a policy file that is not valid names the file and the field", async () => {
    const r = await cli.raw(["--policy", `${cli.dir}/none.json`, "policy", "show"]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("none.json");
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});

describe("a reader that stops early", () => {
  /** Runs the real `openavail` with its stdout read by nobody (closed before it writes anything). */
  async function unread(...argv: string[]): Promise<{ code: number | null; stderr: string }> {
    const { spawn } = await import("node:child_process");
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...argv], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    // A command that never ends is killed rather than left behind (its exit code then says so).
    const kill = setTimeout(() => child.kill("SIGKILL"), 20_000);
    const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
    clearTimeout(kill);
    return { code, stderr };
  }

  it("`openavail ... | head` stops quietly with status 141 (as SIGPIPE would), not an EPIPE stack trace", async () => {
    expect(await unread("agent", "create", "--help")).toEqual({ code: 141, stderr: "" });
  });

  it("`openavail serve | head` keeps serving once the reader of its banner is gone", async () => {
    const { spawn } = await import("node:child_process");
    const { createServer } = await import("node:net");
    // Its address cannot be read from the closed stdout: the test picks the port.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "src/cli/main.ts", "--db", `${cli.dir}/serve.db`, "serve", "--port", String(port)],
      { stdio: ["ignore", "pipe", "ignore"] },
    );
    child.stdout.destroy();
    let exited: number | null | undefined;
    const closed = new Promise<number | null>((resolve) =>
      child.once("close", (code) => {
        exited = code;
        resolve(code);
      }),
    );
    try {
      // Ready once /healthz answers; an exit first (status 141 without the fix) fails the test.
      let health: Response | undefined;
      for (let attempt = 0; attempt < 300 && exited === undefined && !health; attempt++) {
        health = await fetch(`http://127.0.0.1:${port}/healthz`).catch(async () => {
          await new Promise((resolve) => setTimeout(resolve, 50));
          return undefined;
        });
      }
      expect(exited).toBeUndefined();
      expect(health?.status).toBe(200);
      child.kill("SIGTERM");
      expect(await closed).toBe(0);
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("`openavail decisions --follow | head` stops following once the reader is gone", async () => {
    expect((await cli.run("owner", "add", "--email", "a@example.com")).code).toBe(0);
    // Without the stop, this would poll an unread pipe forever and the test would time out.
    expect(await unread("--db", cli.dbPath, "decisions", "--follow", "--poll", "50")).toEqual({
      code: 141,
      stderr: "",
    });
  });
});
