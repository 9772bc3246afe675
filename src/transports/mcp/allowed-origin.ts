// Origin checks against DNS rebinding: a browser page may only reach the MCP endpoints from loopback
// or from an origin the operator allowed.

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
  if (isLoopbackName(url.hostname)) return true;
  return allowed.some((entry) => entry === "*" || originOf(entry) === url.origin);
}

/** localhost (and its subdomains), 127.0.0.0/8 and [::1], as URL#hostname writes them. */
export function isLoopbackName(name: string): boolean {
  return (
    name === "localhost" ||
    name.endsWith(".localhost") ||
    name === "[::1]" ||
    /^127(\.\d{1,3}){3}$/.test(name)
  );
}

function originOf(entry: string): string | undefined {
  try {
    return new URL(entry).origin;
  } catch {
    return undefined;
  }
}
