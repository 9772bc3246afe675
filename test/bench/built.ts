// The benches measure the compiled JavaScript in dist/ (what `npm run build` makes and `npm start`
// serves), not the TypeScript tsx compiles as it loads: its keepNames wrappers alone were 1% of a
// REST request's CPU, and the REST bench on tsx cost 5% more per request than on dist/ (alternated).
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const DIST = join(ROOT, "dist");
/** Written by every build (tsc writes all its outputs each time). */
const BUILD_STAMP = join(DIST, "src", "compose.js");

/** Throws, saying what to run, unless dist/ holds a build newer than every source file. */
export function requireBuild(): void {
  if (!existsSync(BUILD_STAMP)) {
    throw new Error("Build first (npm run build): the benches run the compiled JavaScript in dist/.");
  }
  const built = statSync(BUILD_STAMP).mtimeMs;
  const changed = ["src", "schemas", "tools"].flatMap((dir) => newerThan(join(ROOT, dir), built));
  if (changed.length > 0) {
    throw new Error(
      `Build again (npm run build): ${changed[0]} changed after dist/ was built, and the benches run dist/.`,
    );
  }
}

/**
 * The compiled twin of a source module, typed as the source:
 * `await importBuilt<typeof import("../../src/compose.js")>("src/compose.js")`.
 */
export async function importBuilt<T>(path: string): Promise<T> {
  requireBuild();
  return (await import(pathToFileURL(join(DIST, path)).href)) as T;
}

/** What the benches build a server from, as dist/ has it. */
export async function builtServer() {
  return {
    ...(await importBuilt<typeof import("../../src/compose.js")>("src/compose.js")),
    ...(await importBuilt<typeof import("../../src/service/admin.js")>("src/service/admin.js")),
    ...(await importBuilt<typeof import("../../src/service/caller.js")>("src/service/caller.js")),
    ...(await importBuilt<typeof import("../../src/transports/http/server.js")>(
      "src/transports/http/server.js",
    )),
    ...(await importBuilt<typeof import("../../src/transports/mcp/http.js")>("src/transports/mcp/http.js")),
  };
}

function newerThan(dir: string, ms: number): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".ts") && statSync(join(dir, file)).mtimeMs > ms)
    .map((file) => join(dir, file).slice(ROOT.length));
}
