// API keys: `ak_` + 43 base64url characters (32 random bytes) + a 6-character checksum, so a typo is
// caught before any lookup. Only the SHA-256 hash and an 8-character prefix are ever stored.
import { hash, randomBytes, timingSafeEqual } from "node:crypto";

const BODY_LENGTH = 43;
const CHECK_LENGTH = 6;
const KEY_PATTERN = /^ak_[A-Za-z0-9_-]{49}$/;

function checksum(body: string): string {
  return hash("sha256", `openavail-key:${body}`, "base64url").slice(0, CHECK_LENGTH);
}

export interface NewApiKey {
  /** Shown once to the person creating it; never stored. */
  readonly raw: string;
  readonly prefix: string;
  readonly hash: string;
}

export function generateApiKey(): NewApiKey {
  const body = randomBytes(32).toString("base64url");
  const raw = `ak_${body}${checksum(body)}`;
  return { raw, prefix: keyPrefix(raw), hash: hashApiKey(raw) };
}

/** True when `raw` has the shape and checksum of a key this server could have issued. */
export function isWellFormedApiKey(raw: string): boolean {
  if (!KEY_PATTERN.test(raw)) return false;
  const body = raw.slice(3, 3 + BODY_LENGTH);
  const given = Buffer.from(raw.slice(3 + BODY_LENGTH));
  const expected = Buffer.from(checksum(body));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function hashApiKey(raw: string): string {
  return hash("sha256", raw, "hex");
}

/** The part of a key that may be shown and logged: `ak_` and its first 8 characters. */
export function keyPrefix(raw: string): string {
  return raw.slice(0, 11);
}

/** Constant-time comparison of two hex hashes. */
export function hashesEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, "hex");
  const y = Buffer.from(b, "hex");
  return x.length === y.length && timingSafeEqual(x, y);
}
