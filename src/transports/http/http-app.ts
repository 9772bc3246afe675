// The one Hono application `openavail serve` runs: /healthz, the REST API under /v1 (tool routes,
// read adapters, admin routes, the decision stream, the OpenAPI document), the owner console at /,
// and a hook where the MCP transport mounts /mcp.
import { Hono } from "hono";
import type { App } from "../../compose.js";
import { OpenavailError } from "../../service/errors.js";
import { openApiJson } from "../openapi.js";
import { mountReadAdapters } from "../rest/read-adapters.js";
import { errorResponse, jsonBody, jsonText } from "../rest/respond.js";
import { RouteTable } from "../rest/route-table.js";
import { mountToolRoutes } from "../rest/tool-routes.js";
import { mountAdminRoutes } from "./admin-routes.js";
import { mountConsole } from "./console-routes.js";
import { mountDecisionStream } from "./decision-stream.js";
import { mountOAuth } from "./oauth-routes.js";
import { requestGuards } from "./request-guards.js";

/** Mounts extra routes (the MCP transport); may return a cleanup run before the server closes. */
export type MountExtra = (hono: Hono) => undefined | void | (() => void | Promise<void>);

export interface HttpApp {
  readonly hono: Hono;
  readonly routes: RouteTable;
  /** Cleanup returned by `mountExtra`, if any. */
  readonly cleanup: (() => void | Promise<void>) | undefined;
}

export interface HttpAppOptions {
  readonly mountExtra?: MountExtra;
  /** The address the server binds, which requests may name as their Host (default app.config.host). */
  readonly boundHost?: string;
}

export function createHttpApp(app: App, options: HttpAppOptions = {}): HttpApp {
  const hono = new Hono();
  const routes = new RouteTable();

  hono.use(requestGuards(app, options.boundHost ?? app.config.host));

  // A line per request at debug only (the level the server starts with); at other levels there is
  // no layer at all: each costs every request an async hop.
  if (app.logger.isLevelEnabled("debug")) {
    hono.use(async (c, next) => {
      const started = performance.now();
      await next();
      app.logger.debug(
        {
          method: c.req.method,
          path: c.req.path,
          status: c.res.status,
          ms: +(performance.now() - started).toFixed(2),
        },
        "http",
      );
    });
  }

  routes.add("GET", "/healthz");
  hono.get("/healthz", async () => {
    try {
      await app.ledger.ping();
      return jsonBody({ status: "ok" });
    } catch {
      return jsonBody({ status: "unavailable", message: "The ledger cannot be read." }, 503);
    }
  });

  routes.add("GET", "/v1/openapi.json");
  hono.get("/v1/openapi.json", () =>
    jsonText(openApiJson(), 200, { "cache-control": "public, max-age=300" }),
  );

  // Before every route: its challenge middleware must wrap their 401s and 403s.
  mountOAuth(hono, app, routes);
  mountToolRoutes(hono, app, routes);
  mountReadAdapters(hono, app, routes);
  mountAdminRoutes(hono, app, routes);
  mountDecisionStream(hono, app, routes);
  mountConsole(hono, app, routes);
  const cleanup = options.mountExtra?.(hono) ?? undefined;

  hono.notFound((c) => {
    const allowed = routes.allowedMethods(c.req.path);
    if (allowed.length === 0) {
      return errorResponse(
        new OpenavailError("not_found", `No route ${c.req.method} ${c.req.path}; see GET /v1/openapi.json.`),
        app,
      );
    }
    const allow = [...allowed, "OPTIONS"].join(", ");
    if (c.req.method === "OPTIONS") return new Response(null, { status: 204, headers: { allow } });
    return jsonBody(
      {
        error: "method_not_allowed",
        message: `${c.req.path} accepts ${allowed.join(", ")}, not ${c.req.method}.`,
      },
      405,
      { allow },
    );
  });
  hono.onError((err) => errorResponse(err, app));

  return { hono, routes, cleanup };
}
