// `.ci/run` installs with `npm ci`, which refuses a lock file that lacks any optional dependency.
// This registry serves Biome's linux-x64 binary only, so `npm install` drops the other platforms'
// entries from package-lock.json and CI then fails before running a single test. They are kept in
// the lock by hand (os/cpu-gated, never fetched here); this test says so before CI does.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")) as {
  packages: Record<string, { version?: string; optionalDependencies?: Record<string, string> }>;
};

describe("package-lock.json", () => {
  it("lists every optional platform binary of every package that declares them", () => {
    const missing: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      for (const dep of Object.keys(entry.optionalDependencies ?? {})) {
        const candidates = [`${path}/node_modules/${dep}`, `node_modules/${dep}`];
        if (!candidates.some((c) => c in lock.packages)) missing.push(`${path} -> ${dep}`);
      }
    }
    expect(missing).toEqual([]);
  });

  // npm writes the packages in this order; a lock in any other order is rewritten by the first
  // `npm install` a newcomer runs, leaving them a modified file they did not touch.
  it("lists its packages in the order npm writes them, so npm install leaves it unchanged", () => {
    const paths = Object.keys(lock.packages);
    expect(paths).toEqual([...paths].sort((a, b) => a.localeCompare(b, "en")));
  });
});
