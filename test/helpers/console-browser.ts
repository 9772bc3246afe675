// The owner console in a real browser: Debian's Chromium driven by playwright-core (a test tool's own
// browser download does not work here), over a served world whose console is built into a temp dir.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { buildConsole } from "../../scripts/build-console.mjs";
import type { App, AppConfig } from "../../src/compose.js";
import type { RunningServer } from "../../src/transports/http/server.js";
import { serveApp, serverAppOf } from "./served-world.js";
import type { World } from "./world.js";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
/** Where the screenshots of every page go (git-ignored). */
export const REPORTS = join(import.meta.dirname, "..", "..", "reports", "console");

export interface ConsoleServer {
  readonly app: App;
  readonly server: RunningServer;
  readonly browser: Browser;
  readonly url: string;
  close(): Promise<void>;
}

/** Builds the console, serves the world with it, and launches Chromium. */
export async function serveConsole(w: World, overrides: Partial<AppConfig> = {}): Promise<ConsoleServer> {
  const dir = mkdtempSync(join(tmpdir(), "openavail-console-"));
  await buildConsole(dir);
  // The console signs in a few times and sees some 401s on purpose: no address limits here.
  const app = await serverAppOf(w, { consoleDir: dir, authFailuresPerMinute: 0, ...overrides });
  const server = await serveApp(app);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  mkdirSync(REPORTS, { recursive: true });
  return {
    app,
    server,
    browser,
    url: server.url,
    async close() {
      await browser.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A fresh browser context (no cookies) and page at `width`, collecting page errors. */
export async function openPage(c: ConsoleServer, width = 1280): Promise<{ page: Page; errors: string[] }> {
  const context = await c.browser.newContext({ viewport: { width, height: 900 } });
  const page = await context.newPage();
  // Well inside the test timeout, so a missing element fails with its own message.
  page.setDefaultTimeout(10_000);
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  return { page, errors };
}

/** Signs in with an admin token through the form, and waits for the Agents page. */
export async function signInWithToken(page: Page, url: string, token: string): Promise<void> {
  await page.goto(`${url}/`);
  await page.getByLabel("Admin token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Agents", level: 1 }).waitFor();
}

/**
 * Screenshots of the page as it is now, at 1280 and 390 px wide; throws when the page is wider than
 * the screen (tables and the week grid scroll inside themselves instead).
 */
export async function screenshots(page: Page, name: string): Promise<void> {
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: join(REPORTS, `${name}-${width}.png`), fullPage: true });
    const scrollWidth = Number(await page.evaluate("document.documentElement.scrollWidth"));
    if (scrollWidth > width) throw new Error(`${name} is ${scrollWidth} px wide on a ${width} px screen`);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}
