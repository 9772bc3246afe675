import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  loadOrCreateKeyFile,
  parseSecretKey,
  resolveSecretKey,
  SecretBox,
} from "../../src/providers/secret-box.js";

const TOKEN = "1//0gRefreshTokenExample-abc_DEF";

describe("SecretBox", () => {
  const key = randomBytes(32);

  it("round-trips, with a fresh IV every time", () => {
    const box = new SecretBox(key);
    const a = box.seal(TOKEN);
    const b = box.seal(TOKEN);
    expect(a).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain(TOKEN);
    expect(box.open(a)).toBe(TOKEN);
    expect(box.open(b)).toBe(TOKEN);
  });

  it("fails to open under another key", () => {
    const sealed = new SecretBox(key).seal(TOKEN);
    expect(() => new SecretBox(randomBytes(32)).open(sealed)).toThrow(/wrong key/);
  });

  it("fails to open a tampered ciphertext, tag or iv", () => {
    const box = new SecretBox(key);
    const parts = box.seal(TOKEN).split(".");
    for (const index of [1, 2, 3]) {
      const altered = [...parts];
      const bytes = Buffer.from(altered[index]!, "base64url");
      bytes[0]! ^= 1;
      altered[index] = bytes.toString("base64url");
      expect(() => box.open(altered.join("."))).toThrow();
    }
  });

  it("binds the context: a value sealed for one owner does not open for another", () => {
    const box = new SecretBox(key);
    const sealed = box.seal(TOKEN, "own_a");
    expect(box.open(sealed, "own_a")).toBe(TOKEN);
    expect(() => box.open(sealed, "own_b")).toThrow();
  });

  it("rejects malformed input and keys of the wrong size", () => {
    const box = new SecretBox(key);
    expect(() => box.open("v2.a.b.c")).toThrow(/unknown format/);
    expect(() => box.open("v1.a.b")).toThrow(/unknown format/);
    expect(() => box.open("v1.AAAA.AAAA.AAAA")).toThrow(/malformed/);
    expect(() => new SecretBox(randomBytes(16))).toThrow(RangeError);
  });
});

describe("secret key loading", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "openavail-key-"));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("parses 64 hex digits, base64 and base64url", () => {
    const key = randomBytes(32);
    expect(parseSecretKey(key.toString("hex"))).toEqual(key);
    expect(parseSecretKey(` ${key.toString("base64")}\n`)).toEqual(key);
    expect(parseSecretKey(key.toString("base64url"))).toEqual(key);
    expect(() => parseSecretKey("too-short")).toThrow();
    expect(() => parseSecretKey(randomBytes(16).toString("hex"))).toThrow();
  });

  it("creates a missing key file with mode 0600 and reads the same key back", () => {
    const path = join(dir, "nested", "openavail.key");
    const created = loadOrCreateKeyFile(path);
    expect(created).toHaveLength(32);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, "utf8").trim()).toBe(created.toString("hex"));
    expect(loadOrCreateKeyFile(path)).toEqual(created);
  });

  it("prefers the environment value over the key file", () => {
    const key = randomBytes(32);
    const path = join(dir, "openavail.key");
    expect(resolveSecretKey({ envValue: key.toString("hex"), keyFile: path })).toEqual(key);
    expect(() => statSync(path)).toThrow();
    expect(resolveSecretKey({ envValue: "", keyFile: path })).toEqual(loadOrCreateKeyFile(path));
  });
});
