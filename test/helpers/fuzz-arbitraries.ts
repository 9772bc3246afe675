// fast-check building blocks for hostile inputs, shared by the REST fuzz test and the reliability
// harness: values of the wrong type, malformed instants, huge strings, unknown and prototype keys,
// and deep copies of a valid input with one field replaced or removed.
import fc from "fast-check";
import { z } from "zod";
import { Instant } from "../../schemas/time.js";
import { pathParams } from "../../src/transports/rest/route-table.js";
import type { ToolDefinition } from "../../tools/index.js";

export interface Prop {
  readonly name: string;
  readonly kind: string;
}

/** The top-level input fields of a tool (minus its REST path parameters) and their JSON Schema types. */
export function propsOf(tool: ToolDefinition, options: { includePathParams?: boolean } = {}): Prop[] {
  const schema = z.toJSONSchema(tool.input, { io: "input", unrepresentable: "any" }) as {
    properties?: Record<string, { type?: string }>;
  };
  const inPath = options.includePathParams ? [] : pathParams(tool.rest.path);
  return Object.entries(schema.properties ?? {})
    .filter(([name]) => !inPath.includes(name))
    .map(([name, p]) => ({ name, kind: p.type ?? "any" }));
}

/** A value that is not of `kind` (integers also get fractions). */
export function wrongTypeFor(kind: string): fc.Arbitrary<unknown> {
  const others: fc.Arbitrary<unknown>[] = [];
  if (kind !== "string") others.push(fc.string({ maxLength: 20 }));
  if (kind !== "number" && kind !== "integer") others.push(fc.integer());
  if (kind === "integer") others.push(fc.double({ noInteger: true, noNaN: true, noDefaultInfinity: true }));
  if (kind !== "boolean") others.push(fc.boolean());
  if (kind !== "array") others.push(fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }));
  if (kind !== "object")
    others.push(fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }));
  others.push(fc.constant(null));
  return fc.oneof(...others);
}

export const BAD_INSTANTS = [
  "2026-02-30T10:00:00Z",
  "2026-03-03T25:00:00Z",
  "2026-03-03T14:00:00",
  "2026-03-03 14:00:00Z",
  "2026-03-03",
  "tomorrow at 9",
  "",
  "2026-03-03T14:00:00+25:00",
  "1709474400000",
];
export const badInstant: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...BAD_INSTANTS),
  fc.string({ maxLength: 40 }).filter((s) => !Instant.safeParse(s).success),
);

export const hugeString: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom("x", " ", "é", "😀", "\u0000", "<"), fc.integer({ min: 1_000, max: 150_000 }))
  .map(([c, n]) => c.repeat(n));

export const unknownKey = (known: readonly string[]): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constantFrom("__proto__", "constructor", "toString", "hasOwnProperty", "valueOf", "then", "prototype"),
    fc.string({ minLength: 1, maxLength: 24 }).filter((k) => !known.includes(k)),
  );

/** Sets an own enumerable property, even one named __proto__. */
export function setOwn(target: Record<string, unknown>, k: string, v: unknown): void {
  Object.defineProperty(target, k, { value: v, enumerable: true, writable: true, configurable: true });
}

/** A deep copy with `path` set to `value` (creating objects as needed; numeric segments index arrays). */
export function withPath(
  base: Record<string, unknown>,
  path: string,
  value: unknown,
): Record<string, unknown> {
  const copy = structuredClone(base);
  const keys = path.split(".");
  let node: any = copy;
  for (const k of keys.slice(0, -1)) {
    if (node[k] === undefined || node[k] === null || typeof node[k] !== "object") setOwn(node, k, {});
    node = node[k];
  }
  setOwn(node, keys[keys.length - 1]!, value);
  return copy;
}

export function without(base: Record<string, unknown>, field: string): Record<string, unknown> {
  const copy = structuredClone(base);
  delete copy[field];
  return copy;
}
