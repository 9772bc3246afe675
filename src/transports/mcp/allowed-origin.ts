// Origin checks against DNS rebinding: a browser page may only reach the MCP endpoints from loopback
// or from an origin the operator allowed.

const LOOPBACK_HOSTS = new Set(["localhost", "[::1]"]);

/**
 * Whether a request carrying `Origin: origin` may proceed. Loopback origins (localhost, 127.0.0.0/8,
 * [::1], any port) always may; others only when listed in `allowed` (as `scheme://host[:port]`, or
 * `*` for any). An `Origin` that is not a URL, such as `null`, never may. Requests without an
 * `Origin` header (non-browser clients) are not checked here.
 */
export function isAllowedOrigin(origin: string, allowed: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return false;
  if (LOOPBACK_HOSTS.has(url.hostname) || /^127(\.\d{1,3}){3}$/.test(url.hostname)) return true;
  return allowed.some((entry) => entry === "*" || originOf(entry) === url.origin);
}

function originOf(entry: string): string | undefined {
  try {
    return new URL(entry).origin;
  } catch {
    return undefined;
  }
}
