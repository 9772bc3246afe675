// The OAuth side of `openavail serve` (DESIGN section 12): RFC 9728 protected resource metadata for
// /mcp, RFC 8414 authorization server metadata, the authorization server's own routes under /oauth
// (served by oidc-provider), and the challenge every 401 and insufficient-scope 403 carries, so a
// remote MCP client that meets /mcp without a token can find its way to a consent.
import type { IncomingMessage, ServerResponse } from "node:http";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import type { Context, Hono } from "hono";
import type { App } from "../../compose.js";
import { SCOPES } from "../../service/caller.js";
import {
  type AuthorizationServer,
  CHALLENGE_SCOPES,
  createAuthorizationServer,
} from "../../service/oauth/authorization-server.js";
import { openSecretBox } from "../../service/provider-registry.js";
import { RateLimiter } from "../../service/rate-limiter.js";
import { errorResponse, jsonBody } from "../rest/respond.js";
import type { RouteTable } from "../rest/route-table.js";
import { clientAddress } from "./request-guards.js";

const PRM_PATH = "/.well-known/oauth-protected-resource";

/**
 * Dynamic registrations per client address per hour. A client registers once per sign-in (and one
 * with a metadata document never does); each registration is a row and a change every instance's
 * token cache then reads again, so an open endpoint must not take them as fast as they come. Not
 * lower: a hosted client (claude.ai, ChatGPT) registers from its vendor's few addresses for all its
 * users, and anyone adding a connector spends from that one budget.
 */
const REGISTRATIONS_PER_HOUR = 60;

/** The origin clients reach this server at: OPENAVAIL_PUBLIC_URL, or the one the request names. */
export function publicOrigin(app: App, requestUrl: string): string {
  return app.config.publicUrl ?? new URL(requestUrl).origin;
}

/** The resource (RFC 8707) a token must be bound to for a request that reached `requestUrl`. */
export function mcpResource(app: App, requestUrl: string): string {
  return `${publicOrigin(app, requestUrl)}/mcp`;
}

const servers = new WeakMap<App, Map<string, Promise<AuthorizationServer>>>();
/** Origins served at once without OPENAVAIL_PUBLIC_URL (127.0.0.1, localhost, a LAN name...). */
const MAX_ISSUERS = 8;

/**
 * The authorization server for `origin`: one per name the server answers to (loopback use without
 * OPENAVAIL_PUBLIC_URL), each issuing tokens only for its own /mcp. Their storage is shared.
 */
export function authorizationServer(app: App, origin: string): Promise<AuthorizationServer> {
  const byOrigin = servers.get(app) ?? new Map<string, Promise<AuthorizationServer>>();
  servers.set(app, byOrigin);
  let server = byOrigin.get(origin);
  if (server) {
    byOrigin.delete(origin);
    byOrigin.set(origin, server);
  } else {
    // Each name a client may use costs a provider; a few are kept, the least recent dropped first.
    if (byOrigin.size >= MAX_ISSUERS) byOrigin.delete(byOrigin.keys().next().value!);
    server = createAuthorizationServer(origin, {
      db: app.ledger.db,
      secretBox: () => openSecretBox({ dbPath: app.config.dbPath, secretKey: app.config.secretKey }),
      now: app.config.now,
      // With a public address, the forwarded headers the provider reads are set from it (toProvider).
      behindProxy: app.config.publicUrl !== undefined,
      loopbackClients: app.config.oauthLoopbackClients,
    });
    // A failure (say, an unreadable secret key) is not kept: the next request tries again.
    server.catch(() => byOrigin.delete(origin));
    byOrigin.set(origin, server);
  }
  return server;
}

interface NodeBindings {
  readonly incoming: IncomingMessage;
  readonly outgoing: ServerResponse;
}

/** Hands the request to oidc-provider (a Node handler) and waits for its answer. */
async function toProvider(c: Context, app: App): Promise<Response> {
  const server = await authorizationServer(app, publicOrigin(app, c.req.url));
  const { incoming, outgoing } = c.env as NodeBindings;
  // The provider builds its endpoints' URLs from the request: behind a proxy, from the public address
  // whatever Host the proxy forwards.
  const publicUrl = app.config.publicUrl;
  if (publicUrl) {
    const { host, protocol } = new URL(publicUrl);
    incoming.headers.host = host;
    incoming.headers["x-forwarded-host"] = host;
    incoming.headers["x-forwarded-proto"] = protocol.replace(":", "");
  }
  await new Promise<void>((resolve) => {
    outgoing.once("close", resolve);
    outgoing.once("finish", resolve);
    server.handle(incoming, outgoing);
  });
  return RESPONSE_ALREADY_SENT;
}

function protectedResourceMetadata(app: App, c: Context): Response {
  const origin = publicOrigin(app, c.req.url);
  return jsonBody(
    {
      resource: `${origin}/mcp`,
      authorization_servers: [origin],
      scopes_supported: [...SCOPES],
      bearer_methods_supported: ["header"],
      resource_name: "Openavail",
      resource_documentation: `${origin}/v1/openapi.json`,
    },
    200,
    { "access-control-allow-origin": "*", "cache-control": "public, max-age=300" },
  );
}

/** Adds where to sign in to every Bearer challenge: resource_metadata, and the scopes to ask for. */
function challenge(app: App) {
  return async (c: Context, next: () => Promise<void>) => {
    await next();
    const status = c.res.status;
    if (status !== 401 && status !== 403) return;
    const header = c.res.headers.get("www-authenticate");
    if (!header?.startsWith("Bearer ")) return;
    if (status === 403 && !header.includes("insufficient_scope")) return;
    const metadata = `${publicOrigin(app, c.req.url)}${PRM_PATH}/mcp`;
    const scope = header.includes(' scope="') ? "" : `, scope="${CHALLENGE_SCOPES.join(" ")}"`;
    // In place: Hono's c.res setter would copy the old header back over a new Response's.
    c.res.headers.set("www-authenticate", `${header}, resource_metadata="${metadata}"${scope}`);
  };
}

/** CORS for what browser-run clients (MCP Inspector's sign-in) read before they hold any token. */
const OPEN_CORS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, POST, OPTIONS",
  "access-control-allow-headers": "content-type, mcp-protocol-version",
  "access-control-max-age": "600",
};

export function mountOAuth(hono: Hono, app: App, routes: RouteTable): void {
  hono.use(challenge(app));
  for (const path of [PRM_PATH, `${PRM_PATH}/mcp`]) {
    routes.add("GET", path);
    hono.get(path, (c) => protectedResourceMetadata(app, c));
    hono.options(path, () => new Response(null, { status: 204, headers: OPEN_CORS }));
  }
  // oidc-provider serves both discovery documents (RFC 8414 and OpenID's), with their CORS.
  for (const path of ["/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"]) {
    routes.add("GET", path);
    hono.on(["GET", "OPTIONS"], path, (c) => toProvider(c, app));
  }
  // Registration is open (RFC 7591) and carries no credential: any origin may use it.
  hono.options("/oauth/register", () => new Response(null, { status: 204, headers: OPEN_CORS }));
  const registrations = new RateLimiter({
    limit: REGISTRATIONS_PER_HOUR,
    windowMs: 3_600_000,
    now: app.config.now,
    label: "client registrations from this address",
    policy: "registrations-per-address",
  });
  hono.post("/oauth/register", (c) => {
    (c.env as NodeBindings).outgoing.setHeader("access-control-allow-origin", "*");
    try {
      registrations.hit(clientAddress(c, app) ?? "unknown");
    } catch (err) {
      return errorResponse(err, app);
    }
    return toProvider(c, app);
  });
  hono.all("/oauth/*", (c) => toProvider(c, app));
}
