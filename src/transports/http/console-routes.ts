// The owner console on the server's own port: its built files at `/` (no CDN, nothing fetched at run
// time), under a Content-Security-Policy without inline script that no other site may frame, and the
// sign-in endpoints that turn an admin token or a one-time link into a session cookie. Everything
// else the console does goes through the admin REST routes, like any script would.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { extname, join } from "node:path";
import type { Context, Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { App } from "../../compose.js";
import {
  endSession,
  SESSION_COOKIE,
  SESSION_TTL_MS,
  sessionOf,
  signIn,
} from "../../service/console-sessions.js";
import { OpenavailError } from "../../service/errors.js";
import { RateLimiter } from "../../service/rate-limiter.js";
import { readJsonBody } from "../rest/json-body.js";
import { jsonBody } from "../rest/respond.js";
import type { RouteTable } from "../rest/route-table.js";
import { clientAddress } from "./request-guards.js";

/** Sign-in attempts per client address per minute, whether they succeed or not. */
const SIGN_IN_ATTEMPTS_PER_MINUTE = 10;

const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const PAGE_HEADERS = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
};

const TYPES: Readonly<Record<string, string>> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".html": "text/html; charset=utf-8",
  ".svg": "image/svg+xml",
  ".map": "application/json",
};

export function mountConsole(hono: Hono, app: App, routes: RouteTable): void {
  const files = consoleFiles(app.config.consoleDir);
  const attempts = new RateLimiter({
    limit: SIGN_IN_ATTEMPTS_PER_MINUTE,
    now: app.config.now,
    label: "sign-in attempts from this address",
    policy: "sign-ins-per-address",
  });

  routes.add("GET", "/");
  hono.get("/", () => {
    const index = files.get("index.html");
    if (!index) {
      return new Response("The console is not built: run `npm run build`, then restart.\n", {
        status: 503,
        headers: { "content-type": "text/plain; charset=utf-8" },
      });
    }
    return new Response(index, {
      headers: { ...PAGE_HEADERS, "content-type": TYPES[".html"]!, "cache-control": "no-store" },
    });
  });

  routes.add("GET", "/assets/{file}");
  hono.get("/assets/:file", (c) => {
    const name = c.req.param("file");
    const body = files.get(`assets/${name}`);
    if (!body) throw new OpenavailError("not_found", `No console asset ${name}.`);
    return new Response(body, {
      headers: {
        ...PAGE_HEADERS,
        "content-type": TYPES[extname(name)] ?? "application/octet-stream",
        "cache-control": "no-cache",
      },
    });
  });

  routes.add("POST", "/console/session");
  hono.post("/console/session", async (c) => {
    attempts.hit(clientAddress(c, app) ?? "unknown");
    const body = await readJsonBody(c.req.raw);
    const { cookie, session } = await signIn(
      app.ledger.db,
      {
        ...(typeof body.admin_token === "string" ? { admin_token: body.admin_token } : {}),
        ...(typeof body.link === "string" ? { link: body.link } : {}),
      },
      app.config.now(),
    );
    setCookie(c, SESSION_COOKIE, cookie, {
      httpOnly: true,
      sameSite: "Strict",
      path: "/",
      maxAge: SESSION_TTL_MS / 1000,
      secure: isHttps(c),
    });
    // Through the context, not a new Response: the Set-Cookie header setCookie added lives there.
    c.header("cache-control", "no-store");
    return c.json(
      { csrf_token: session.csrfToken, expires_at: new Date(session.expiresAt).toISOString() },
      201,
    );
  });

  routes.add("GET", "/console/session");
  hono.get("/console/session", async (c) => {
    // Not signed in is an answer here, not a failed authentication: every console load asks.
    const session = await sessionOf(app.ledger.db, getCookie(c, SESSION_COOKIE), app.config.now());
    if (!session) return jsonBody({ signed_in: false });
    return jsonBody({
      signed_in: true,
      csrf_token: session.csrfToken,
      expires_at: new Date(session.expiresAt).toISOString(),
    });
  });

  routes.add("DELETE", "/console/session");
  hono.delete("/console/session", async (c) => {
    const session = await sessionOf(app.ledger.db, getCookie(c, SESSION_COOKIE), app.config.now());
    if (session && c.req.header("x-csrf-token") === session.csrfToken) {
      await endSession(app.ledger.db, session.id, app.config.now());
    } else if (session) {
      throw new OpenavailError("forbidden", "Signing out needs the session's CSRF token (X-CSRF-Token).");
    }
    deleteCookie(c, SESSION_COOKIE, { path: "/" });
    return c.body(null, 204);
  });
}

/** Every file of the built console, read once at start: a handful of small files. */
function consoleFiles(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  if (!existsSync(join(dir, "index.html"))) return files;
  files.set("index.html", readFileSync(join(dir, "index.html")));
  const assets = join(dir, "assets");
  if (existsSync(assets)) {
    for (const name of readdirSync(assets)) files.set(`assets/${name}`, readFileSync(join(assets, name)));
  }
  return files;
}

/** Behind a TLS proxy the cookie must be Secure; on plain loopback HTTP it cannot be. */
function isHttps(c: Context): boolean {
  return c.req.url.startsWith("https:") || c.req.header("x-forwarded-proto") === "https";
}
