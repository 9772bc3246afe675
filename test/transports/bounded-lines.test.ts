import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { boundedLines, jsonRpcIdFromEdges } from "../../src/transports/mcp/bounded-lines.js";

async function run(chunks: string[], max: number, keep: (line: string) => boolean = () => true) {
  const seen: string[] = [];
  const dropped: [string, string][] = [];
  const onLine = (l: Buffer) => {
    seen.push(l.toString());
    return keep(l.toString());
  };
  const out = Readable.from(chunks.map((c) => Buffer.from(c))).pipe(
    boundedLines(max, { onLine, onOversize: (h, t) => dropped.push([h, t]) }),
  );
  let text = "";
  for await (const chunk of out) text += chunk.toString();
  return { text, seen, dropped };
}

describe("boundedLines", () => {
  it("drops a line its onLine hook refuses, and only that line", async () => {
    const r = await run(['{"a":1}\n{"drop":', '1}\n{"c":3}\n'], 100, (l) => !l.includes("drop"));
    expect(r.text).toBe('{"a":1}\n{"c":3}\n');
    expect(r.seen).toHaveLength(3);
  });

  it("passes whole lines through, however the input is chunked", async () => {
    const r = await run(['{"a":', '1}\n{"b"', ":2}\n"], 100);
    expect(r.text).toBe('{"a":1}\n{"b":2}\n');
    expect(r.seen).toEqual(['{"a":1}', '{"b":2}']);
    expect(r.dropped).toEqual([]);
  });

  it("drops a line over the ceiling up to its newline and keeps the lines after it", async () => {
    const big = `{"jsonrpc":"2.0","method":"tools/call","params":{"x":"${"y".repeat(50)}"},"id":7}`;
    const r = await run([big.slice(0, 30), big.slice(30), "\n", '{"ok":1}\n'], 40);
    expect(r.text).toBe('{"ok":1}\n');
    expect(r.dropped).toHaveLength(1);
    expect(jsonRpcIdFromEdges(...r.dropped[0]!)).toBe(7);
  });

  it("keeps a line of exactly the ceiling", async () => {
    const line = "x".repeat(40);
    expect((await run([`${line}\n`], 40)).text).toBe(`${line}\n`);
  });
});

describe("jsonRpcIdFromEdges", () => {
  it("reads the id before params, or as the object's last key, never one inside params", () => {
    expect(jsonRpcIdFromEdges('{"jsonrpc":"2.0","id":"a-1","method":"x","params":{', "")).toBe("a-1");
    expect(jsonRpcIdFromEdges('{"method":"x","params":{"id":99', '..."z"},"jsonrpc":"2.0","id":12}')).toBe(
      12,
    );
    expect(jsonRpcIdFromEdges('{"method":"x","params":{"id":99', '"arguments":{"id":5}}}')).toBeNull();
  });
});
