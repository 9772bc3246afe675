// Checks every HTTP request passes before any route runs: the Host it names (against DNS rebinding,
// as the MCP specification asks of local servers), its URL's encoding, and the failed
// authentications of its address.
import { isIP } from "node:net";
import type { Context, MiddlewareHandler } from "hono";
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

/**
 * The checks every request passes before its route, in one middleware (each layer costs every
 * request): its Host (403 if this server does not answer to it), its URL's percent-escapes (400 if
 * they are not UTF-8, which would otherwise be read as U+FFFD: the same decoding rule as for bodies),
 * and its address's failed authentications (429 past the limit; every 401 is counted), so keys cannot
 * be guessed quickly from one address.
 */
export function requestGuards(app: App, boundHost: string): MiddlewareHandler {
  // Host values already judged allowed: a server sees few, and judging one parses a URL.
  const allowedHosts = new Set<string>();
  return async (c, next) => {
    const host = c.req.header("host");
    if (host === undefined || !allowedHosts.has(host)) {
      if (!isAllowedHost(host, boundHost, app.config.allowedHosts)) {
        return errorResponse(
          new OpenavailError(
            "forbidden",
            `Host ${host} is not a name this server answers to; add it to OPENAVAIL_ALLOWED_HOSTS if it should be.`,
          ),
          app,
        );
      }
      if (host !== undefined && allowedHosts.size < 64) allowedHosts.add(host);
    }
    if (!escapesAreUtf8(c.req.url)) {
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
    const address = clientAddress(c, app);
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

function escapesAreUtf8(url: string): boolean {
  const at = url.indexOf("/", url.indexOf("//") + 2);
  if (at === -1 || url.indexOf("%", at) === -1) return true;
  try {
    decodeURIComponent(url.slice(at));
    return true;
  } catch {
    return false;
  }
}

/** The peer address of the Node socket @hono/node-server hands over as `env.incoming`. */
function peerAddress(env: unknown): string | undefined {
  const incoming = (env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress;
}

/**
 * The address a request comes from, which every per-address limit goes by (failed authentications,
 * console sign-ins, client registrations): the socket's peer, or, with OPENAVAIL_TRUST_PROXY and a
 * peer on loopback (the TLS proxy on this machine), the address the proxy appended last to
 * X-Forwarded-For. Without that, everyone behind the proxy shared one budget and anyone could spend
 * it for all: 30 bad keys a minute locked every client out. Only the last entry is the proxy's own;
 * those before it are whatever the client sent. It is opt-in because a proxy that passes the
 * client's header on unchanged would let any client name itself a new address every time.
 * IPv6 addresses count by their /64, which one subscriber usually holds whole.
 */
export function clientAddress(c: Context, app: App): string | undefined {
  const peer = peerAddress(c.env);
  if (peer === undefined) return undefined;
  if (app.config.trustProxy && isLoopbackAddress(peer)) {
    const forwarded = c.req.header("x-forwarded-for");
    const last =
      forwarded === undefined ? undefined : limitKey(forwarded.slice(forwarded.lastIndexOf(",") + 1));
    if (last !== undefined) return last;
  }
  // Every request passes here: an IPv4 peer, the usual one, is its own key.
  return isIP(peer) === 4 ? peer : (limitKey(peer) ?? peer);
}

function isLoopbackAddress(address: string): boolean {
  const v4 = address.startsWith("::ffff:") ? address.slice(7) : address;
  return v4.startsWith("127.") || address === "::1";
}

/**
 * The key an address is limited under: IPv4 as it is, IPv6 as its /64 (an IPv4-mapped one as the
 * IPv4), with any brackets and port dropped; undefined when `raw` is not an address.
 */
export function limitKey(raw: string): string | undefined {
  let address = raw.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (bracketed) address = bracketed[1]!;
  else if (/^[\d.]+:\d+$/.test(address)) address = address.slice(0, address.lastIndexOf(":"));
  const kind = isIP(address);
  if (kind === 4) return address;
  if (kind !== 6) return undefined;
  const groups = ipv6Groups(address.toLowerCase());
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff)
    return `${groups[6]! >> 8}.${groups[6]! & 255}.${groups[7]! >> 8}.${groups[7]! & 255}`;
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(":")}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a trailing dotted IPv4 split). */
function ipv6Groups(address: string): number[] {
  const zone = address.indexOf("%");
  const text = zone === -1 ? address : address.slice(0, zone);
  const toGroups = (part: string): number[] =>
    part === ""
      ? []
      : part.split(":").flatMap((g) => {
          if (!g.includes(".")) return [Number.parseInt(g, 16)];
          const [a, b, c, d] = g.split(".").map(Number) as [number, number, number, number];
          return [(a << 8) | b, (c << 8) | d];
        });
  const [head = "", tail] = text.split("::");
  const left = toGroups(head);
  const right = tail === undefined ? [] : toGroups(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}
