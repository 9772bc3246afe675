// Encryption at rest for provider tokens: AES-256-GCM under one 32-byte key (DESIGN section 6), and
// the key's loading from OPENAVAIL_SECRET_KEY or from a 0600 key file created beside the database.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

const VERSION = "v1";
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Seals and opens short secrets. Output: `v1.<iv>.<tag>.<ciphertext>`, each part base64url.
 * An optional `context` (e.g. the owner id) is bound as associated data, so a sealed value copied
 * to another row will not open there.
 */
export class SecretBox {
  readonly #key: Buffer;

  constructor(key: Uint8Array) {
    if (key.length !== KEY_BYTES)
      throw new RangeError(`secret key must be ${KEY_BYTES} bytes, got ${key.length}`);
    this.#key = Buffer.from(key);
  }

  seal(plaintext: string, context = ""): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.#key, iv);
    cipher.setAAD(Buffer.from(context, "utf8"));
    const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, iv, tag, ciphertext]
      .map((p) => (typeof p === "string" ? p : p.toString("base64url")))
      .join(".");
  }

  /** Throws when the value is malformed, was sealed under another key or context, or was altered. */
  open(sealed: string, context = ""): string {
    const parts = sealed.split(".");
    if (parts.length !== 4 || parts[0] !== VERSION) throw new Error("sealed secret: unknown format");
    const [iv, tag, ciphertext] = parts.slice(1).map((p) => Buffer.from(p, "base64url"));
    if (iv?.length !== IV_BYTES || tag?.length !== TAG_BYTES || ciphertext === undefined) {
      throw new Error("sealed secret: malformed");
    }
    const decipher = createDecipheriv("aes-256-gcm", this.#key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(context, "utf8"));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString("utf8");
    } catch {
      throw new Error("sealed secret: wrong key, wrong context, or tampered");
    }
  }
}

/** A 32-byte key written as 64 hex digits or as base64 / base64url. Throws on anything else. */
export function parseSecretKey(value: string): Buffer {
  const text = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, "hex");
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) {
    const key = Buffer.from(text.replace(/-/g, "+").replace(/_/g, "/"), "base64");
    if (key.length === KEY_BYTES) return key;
  }
  throw new Error(`secret key must be ${KEY_BYTES} bytes as 64 hex digits or base64`);
}

/**
 * The key in `path`, creating the file (mode 0600, 64 hex digits) when it does not exist. Creation
 * is atomic (write a private temp file, then hard-link it into place), so two processes starting
 * together on one database agree on one key.
 */
export function loadOrCreateKeyFile(path: string): Buffer {
  try {
    return parseSecretKey(readFileSync(path, "utf8"));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  writeFileSync(temp, `${randomBytes(KEY_BYTES).toString("hex")}\n`, { mode: 0o600, flag: "wx" });
  try {
    linkSync(temp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  } finally {
    unlinkSync(temp);
  }
  return parseSecretKey(readFileSync(path, "utf8"));
}

/** The key from the environment value when set (e.g. OPENAVAIL_SECRET_KEY), else from the key file. */
export function resolveSecretKey(source: { envValue?: string | undefined; keyFile: string }): Buffer {
  const env = source.envValue?.trim();
  return env ? parseSecretKey(env) : loadOrCreateKeyFile(source.keyFile);
}
