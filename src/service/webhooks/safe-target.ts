// Where a webhook may be sent: http(s) URLs without credentials whose every resolved address is
// public. Private, loopback, link-local and other special ranges are refused (the classic SSRF
// targets: the metadata service at 169.254.169.254, the admin port on 127.0.0.1) unless the operator
// allows them with OPENAVAIL_WEBHOOK_ALLOW_PRIVATE. The check runs again at connect time through the
// request's own DNS lookup, so a name that resolves differently later (DNS rebinding) is refused too.
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { BlockList, isIP } from "node:net";
import { OpenavailError } from "../errors.js";

const BLOCKED = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 3],
] as const)
  BLOCKED.addSubnet(net, bits, "ipv4");
for (const [net, bits] of [
  // IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::/96, 64:ff9b:1::/48) and 6to4 (2002::/16) addresses
  // carry an IPv4 address inside: refused whole rather than decoded.
  ["::", 96],
  ["64:ff9b::", 96],
  ["64:ff9b:1::", 48],
  ["2002::", 16],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const)
  BLOCKED.addSubnet(net, bits, "ipv6");

/** Whether an address is private, loopback, link-local or otherwise not on the public internet. */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return BLOCKED.check(mapped, "ipv4");
  const family = isIP(address);
  if (family === 0) return true;
  return BLOCKED.check(address, family === 4 ? "ipv4" : "ipv6");
}

/** Validates a subscription URL; throws naming `url` and saying what would work. */
export function checkWebhookUrl(raw: string, allowPrivate: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refusal(`"${raw}" is not a URL; give one like https://example.com/hooks/openavail`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw refusal("must be an http or https URL");
  if (url.username || url.password)
    throw refusal("must not carry credentials; use the signature to authenticate");
  if (!allowPrivate && url.protocol !== "https:") throw refusal("must be https");
  const host = hostOf(url);
  if (
    !allowPrivate &&
    (isIP(host) ? isPrivateAddress(host) : host === "localhost" || host.endsWith(".localhost"))
  )
    throw refusal("must not point at a private, loopback or link-local address");
  return url;
}

/**
 * Whether a delivery may connect to `url` now. A name is checked again by `safeLookup` as it is
 * resolved; an address written in the URL is never looked up, so it is checked here, at every send.
 */
export function mayConnect(url: URL, allowPrivate: boolean): boolean {
  const host = hostOf(url);
  return allowPrivate || isIP(host) === 0 || !isPrivateAddress(host);
}

/** A DNS lookup for http.request that refuses private addresses unless they are allowed. */
export function safeLookup(allowPrivate: boolean) {
  return (
    hostname: string,
    options: object,
    callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const list = addresses as LookupAddress[];
      if (!allowPrivate && list.some((a) => isPrivateAddress(a.address))) {
        const refused: NodeJS.ErrnoException = new Error(`${hostname} resolves to a private address`);
        refused.code = "EPRIVATE";
        return callback(refused, []);
      }
      const all = (options as { all?: boolean }).all === true;
      if (all) return callback(null, list);
      const first = list[0];
      if (!first) return callback(new Error(`${hostname} has no address`), []);
      callback(null, first.address, first.family);
    });
  };
}

/** The host as an address or a name: IPv6 without brackets, a name without its trailing dot. */
function hostOf(url: URL): string {
  // A trailing dot names the same host ("localhost." is localhost).
  return url.hostname
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "")
    .toLowerCase();
}

function refusal(message: string): OpenavailError {
  return new OpenavailError("bad_request", `Invalid webhook url: ${message}.`, {
    details: [{ field: "url", message }],
  });
}
