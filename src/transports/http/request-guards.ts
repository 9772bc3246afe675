// Checks every HTTP request passes before any route runs: the Host it names (against DNS rebinding,
// as the MCP specification asks of local servers), and the failed authentications of its address.
import type { MiddlewareHandler } from "hono";
import type { App } from "../../compose.js";
import { OpenavailError } from "../../service/errors.js";
import { isLoopbackName } from "../mcp/allowed-origin.js";
import { errorResponse } from "../rest/respond.js";

const WILDCARD_BINDS = new Set(["0.0.0.0", "::", "[::]", ""]);

/**
 * Whether a request whose `Host` header is `host` may be served by a server bound to `boundHost`.
 * Loopback names always may, and so may the bound address itself and any name in `allowed` (`*`: any).
 * A server bound to every interface with no names configured cannot know its public names, so it
 * takes any Host (set OPENAVAIL_ALLOWED_HOSTS there). A request without a Host (HTTP/1.0) may pass:
 * no browser sends one.
 */
export function isAllowedHost(
  host: string | undefined,
  boundHost: string,
  allowed: readonly string[],
): boolean {
  if (host === undefined || host === "") return true;
  const name = hostnameOf(host);
  if (name === undefined) return false;
  if (isLoopbackName(name)) return true;
  if (allowed.some((entry) => entry === "*" || hostnameOf(entry) === name)) return true;
  const bound = boundHost.toLowerCase();
  if (WILDCARD_BINDS.has(bound)) return allowed.length === 0;
  return hostnameOf(bound.includes(":") && !bound.startsWith("[") ? `[${bound}]` : bound) === name;
}

/** The lower-cased host name of a Host header value (IPv6 kept in brackets), or undefined if malformed. */
function hostnameOf(value: string): string | undefined {
  try {
    const url = new URL(`http://${value.trim()}`);
    return url.username || url.password || url.pathname !== "/" ? undefined : url.hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

/** Refuses, with 403, a request naming a Host this server does not answer to. */
export function hostGuard(app: App, boundHost: string): MiddlewareHandler {
  return async (c, next) => {
    const host = c.req.header("host");
    if (isAllowedHost(host, boundHost, app.config.allowedHosts)) return next();
    return errorResponse(
      new OpenavailError(
        "forbidden",
        `Host ${host} is not a name this server answers to; add it to OPENAVAIL_ALLOWED_HOSTS if it should be.`,
      ),
      app,
    );
  };
}

/**
 * Refuses a path or query string whose percent-escapes are not UTF-8 (`%FF`), which would otherwise be
 * read as U+FFFD: the same decoding rule as for bodies.
 */
export function urlEncodingGuard(app: App): MiddlewareHandler {
  return async (c, next) => {
    const url = c.req.url;
    const at = url.indexOf("/", url.indexOf("//") + 2);
    try {
      decodeURIComponent(at === -1 ? "" : url.slice(at).replaceAll("+", " "));
    } catch {
      return errorResponse(
        new OpenavailError(
          "bad_request",
          "The request's path or query holds a percent-escape that is not UTF-8.",
          {
            details: [{ field: "", message: "percent-escapes must encode UTF-8 text" }],
          },
        ),
        app,
      );
    }
    return next();
  };
}

/**
 * Limits failed authentications per client address: every 401 is counted, and an address past the
 * limit gets 429 on every request until its failures leave the window, so keys cannot be guessed
 * quickly from one address.
 */
export function authFailureGuard(app: App): MiddlewareHandler {
  return async (c, next) => {
    const address = clientAddress(c.env);
    if (address !== undefined) {
      try {
        app.authFailures.check(address);
      } catch (err) {
        return errorResponse(err, app);
      }
    }
    await next();
    if (address !== undefined && c.res.status === 401) {
      try {
        app.authFailures.hit(address);
      } catch {
        // Already at the limit: the next request from this address is refused above.
      }
    }
  };
}

/** The peer address of the Node socket @hono/node-server hands over as `env.incoming`. */
function clientAddress(env: unknown): string | undefined {
  const incoming = (env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress;
}
