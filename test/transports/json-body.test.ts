// Request bodies (issue 14, items 4 and 5b): read no further than the limit, drained within bounds
// after a refusal so the client sees its 413, and decoded by one strict UTF-8 rule.
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { readBodyText } from "../../src/transports/rest/json-body.js";

const CHUNK = 64 * 1024;

/**
 * A body of `total` bytes (endless when Infinity), a chunk a turn as a socket delivers it, that
 * records how much was pulled from it.
 */
function source(total: number) {
  const seen = { pulled: 0 };
  let left = total;
  const chunk = Buffer.alloc(CHUNK, "x");
  const stream = new Readable({
    read() {
      setImmediate(() => {
        if (left <= 0) return void this.push(null);
        const n = Math.min(CHUNK, left);
        left -= n;
        seen.pulled += n;
        this.push(n === CHUNK ? chunk : chunk.subarray(0, n));
      });
    },
  });
  return { stream, seen };
}

const req = (headers: Record<string, string> = {}) =>
  new Request("http://127.0.0.1/", { method: "POST", headers });

describe("readBodyText", () => {
  it("refuses past the limit as soon as it is crossed, without keeping what follows", async () => {
    const { stream, seen } = source(100 * 1024 * 1024);
    let pulledAtRefusal = 0;
    await expect(
      readBodyText(req(), 1024 * 1024, stream).catch((err: unknown) => {
        pulledAtRefusal = seen.pulled;
        throw err;
      }),
    ).rejects.toMatchObject({ type: "payload_too_large" });
    // The stream's own read-ahead (highWaterMark) is all that was pulled beyond the limit.
    expect(pulledAtRefusal).toBeLessThanOrEqual(1024 * 1024 + 2 * CHUNK);
  });

  it("drains a refused body up to its bound, then cuts it off", async () => {
    const { stream, seen } = source(Number.POSITIVE_INFINITY);
    await expect(readBodyText(req(), 1024, stream)).rejects.toMatchObject({ type: "payload_too_large" });
    if (!stream.destroyed) await new Promise<void>((resolve) => stream.once("close", () => resolve()));
    expect(stream.destroyed).toBe(true);
    expect(seen.pulled).toBeGreaterThan(64 * 1024 * 1024);
    expect(seen.pulled).toBeLessThan(66 * 1024 * 1024);
  });

  it("refuses a declared Content-Length over the limit before reading", async () => {
    const { stream, seen } = source(10);
    await expect(readBodyText(req({ "content-length": "2000" }), 1000, stream)).rejects.toMatchObject({
      type: "payload_too_large",
    });
    expect(seen.pulled).toBeLessThanOrEqual(10);
  });

  it("decodes strict UTF-8: bad bytes are a bad_request, never U+FFFD", async () => {
    const good = Readable.from([Buffer.from('{"t":"caf\u00e9 \u{1F600}"}')]);
    expect(await readBodyText(req(), 1000, good)).toBe('{"t":"caf\u00e9 \u{1F600}"}');
    for (const bytes of [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xe2, 0x28, 0xa1]]) {
      const bad = Readable.from([
        Buffer.concat([Buffer.from('{"t":"'), Buffer.from(bytes), Buffer.from('"}')]),
      ]);
      await expect(readBodyText(req(), 1000, bad)).rejects.toMatchObject({
        type: "bad_request",
        message: expect.stringContaining("UTF-8"),
      });
    }
  });
});
