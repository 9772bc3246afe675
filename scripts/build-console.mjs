// Builds the owner console into `outdir`: index.html, assets/app.js (Preact, bundled and minified by
// esbuild) and assets/app.css. No CDN and nothing fetched at run time: the server serves these files.
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

export async function buildConsole(outdir = join(root, "dist", "console")) {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(join(outdir, "assets"), { recursive: true });
  await build({
    entryPoints: [join(root, "console", "src", "main.tsx")],
    outfile: join(outdir, "assets", "app.js"),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    jsx: "automatic",
    jsxImportSource: "preact",
    legalComments: "none",
    logLevel: "warning",
  });
  copyFileSync(join(root, "console", "app.css"), join(outdir, "assets", "app.css"));
  copyFileSync(join(root, "console", "index.html"), join(outdir, "index.html"));
  return outdir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildConsole(process.argv[2]);
