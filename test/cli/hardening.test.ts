// The admin CLI refuses what the agent tools and the admin REST routes refuse, naming the field:
// Object.prototype member names as a default class, a scope or a calendar type (lookups keyed by
// input use own keys only), and text with a lone surrogate, which SQLite would store as U+FFFD.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Cli, makeCli } from "./cli-harness.js";

const PROTO_NAMES = Object.getOwnPropertyNames(Object.prototype);
const ILL_FORMED = "must be valid Unicode text (no lone surrogates)";

let cli: Cli;
beforeEach(async () => {
  cli = makeCli();
  const owner = await cli.run("owner", "add", "--email", "ceo@example.com", "--timezone", "UTC");
  expect(owner.code, owner.err).toBe(0);
});
afterEach(() => cli.close());

/** Runs a command that must be refused (exit 1) with one error line naming `field`. */
async function refused(field: string, ...argv: string[]): Promise<string> {
  const r = await cli.run(...argv);
  expect(r.code, `${argv.join(" ")}: ${r.out}${r.err}`).toBe(1);
  expect(r.err, argv.join(" ")).toMatch(
    new RegExp(`^error: Invalid [a-z ]+: ${field.replace(".", "\\.")}: `),
  );
  expect(r.err.trim().split("\n")).toHaveLength(1);
  return r.err;
}

describe("Object.prototype names", () => {
  it("agent create and update refuse every one as --default-class", async () => {
    const created = await cli.run(
      "agent",
      "create",
      "--name",
      "bot",
      "--scopes",
      "read_freebusy",
      "--owners",
      "*",
    );
    expect(created.code, created.err).toBe(0);
    const agentId = created.out.trim();
    for (const name of PROTO_NAMES) {
      const base = ["--name", "bot", "--scopes", "read_freebusy", "--owners", "*"];
      await refused("default_class", "agent", "create", ...base, "--default-class", name);
      await refused("default_class", "agent", "update", agentId, "--default-class", name);
    }
    const list = await cli.run("--json", "agent", "list");
    expect(list.json().map((a: { default_class: string | null }) => a.default_class)).toEqual([null]);
  });

  it("agent create refuses every one as a scope", async () => {
    for (const name of PROTO_NAMES) {
      await refused("scopes.0", "agent", "create", "--name", "bot", "--scopes", name, "--owners", "*");
    }
  });

  it("calendar add refuses every one as --type", async () => {
    for (const name of PROTO_NAMES) {
      await refused("calendar_type", "calendar", "add", "--owner", "ceo@example.com", "--type", name);
    }
    const list = await cli.run("--json", "calendar", "list");
    expect(list.json()).toEqual([]);
  });
});

describe("lone surrogates", () => {
  it("rules set refuses one in the JSON it reads, naming the field", async () => {
    const calendarId = (
      await cli.run("calendar", "add", "--owner", "ceo@example.com", "--type", "work")
    ).out.trim();
    // The JSON text carries the escape; JSON.parse turns it into a lone surrogate.
    const rules =
      '{"hard_blocks":[{"start":"2026-03-03T00:00:00Z","end":"2026-03-04T00:00:00Z","reason":"off \\ud800"}]}';
    const err = await refused(
      "hard_blocks.0.reason",
      "rules",
      "set",
      "--calendar",
      calendarId,
      "--rules",
      rules,
    );
    expect(err).toContain(ILL_FORMED);
    const got = await cli.run("--json", "rules", "get", "--calendar", calendarId);
    expect(got.err).toContain("No availability rules");
  });

  it("owner add and agent create refuse one in a text option", async () => {
    expect(
      await refused("name", "owner", "add", "--email", "ann@example.com", "--name", "Ann \udc00"),
    ).toContain(ILL_FORMED);
    const err = await refused(
      "description",
      "agent",
      "create",
      "--name",
      "bot",
      "--scopes",
      "read_freebusy",
      "--owners",
      "*",
      "--description",
      "books \ud83d demos",
    );
    expect(err).toContain(ILL_FORMED);
  });
});
