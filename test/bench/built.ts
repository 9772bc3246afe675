// The benches measure the compiled JavaScript in dist/ (what `npm run build` makes and `npm start`
// serves), not the TypeScript tsx compiles as it loads: its keepNames wrappers alone were 1% of a
// REST request's CPU, and the REST bench on tsx cost 5% more per request than on dist/ (alternated).
import { existsSync, mkdtempSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Synchronous } from "../../src/ledger/open-ledger.js";

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

/**
 * A server app from dist/ on a new ledger in a temporary folder (`dir`, the caller removes it),
 * logging at info as `serve` does (createLogger: buffered, off the request) to /dev/null: each of
 * `owners` with a work calendar, and one agent that may do anything, with its key.
 */
export async function seededApp(options: {
  readonly owners: readonly string[];
  readonly agent: string;
  readonly synchronous?: Synchronous;
}) {
  const built = await builtServer();
  const dir = mkdtempSync(join(tmpdir(), "openavail-bench-"));
  const config = built.configFromEnv(
    {},
    {
      dbPath: join(dir, "bench.db"),
      port: 0,
      synchronous: options.synchronous ?? "full",
      rateLimitPerMinute: 0,
      logLevel: "info",
    },
  );
  const app = await built.createApp(config, built.createLogger("info", "/dev/null"));
  const now = Date.now();
  const db = app.ledger.db;
  for (const email of options.owners) {
    await built.createOwner(db, { email, timezone: "UTC" }, now);
    await built.createCalendar(db, { ownerEmail: email, calendarType: "work" }, now);
  }
  const agent = await built.createAgent(
    db,
    { name: options.agent, scopes: [...built.SCOPES], owners: ["*"] },
    now,
  );
  const { key } = await built.createApiKey(db, agent.id, now);
  return { built, app, key, dir, now };
}

function newerThan(dir: string, ms: number): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".ts") && statSync(join(dir, file)).mtimeMs > ms)
    .map((file) => join(dir, file).slice(ROOT.length));
}
