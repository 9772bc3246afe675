// Bundles the `openavail` command into dist/cli/ with esbuild. Node's ESM loader pays per file, and
// kysely, zod and the MCP SDK are hundreds of files: bundled, `openavail mcp` answers `initialize`
// in well under half the time. Code split at dynamic imports, so `serve`'s HTTP stack and the Google
// client still load only when used. better-sqlite3 is native and googleapis is large and lazy: both
// stay external and resolve from node_modules.
import { rmSync } from "node:fs";
import { build } from "esbuild";

rmSync("dist/cli", { recursive: true, force: true });
await build({
  entryPoints: ["src/cli/main.ts"],
  outdir: "dist/cli",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: "linked",
  external: ["better-sqlite3", "@googleapis/calendar", "google-auth-library"],
  // Bundled CommonJS dependencies call require(); ESM output has none unless we make one.
  banner: {
    js: "import { createRequire as __openavailRequire } from 'node:module'; const require = __openavailRequire(import.meta.url);",
  },
  logLevel: "warning",
});

// The owner console, served by `openavail serve` at /.
const { buildConsole } = await import("./build-console.mjs");
await buildConsole();
