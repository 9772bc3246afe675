// fast-check building blocks for hostile inputs, shared by the REST fuzz test and the reliability
// harness: values of the wrong type, malformed and out-of-range instants, huge strings, unknown and
// prototype keys, Object.prototype names, lone surrogates, invalid UTF-8 byte sequences, and deep
// copies of a valid input with one field replaced or removed.
import fc from "fast-check";
import { z } from "zod";
import { Instant } from "../../schemas/time.js";
import { MAX_DESCRIPTION_CHARS } from "../../schemas/tools.js";
import { pathParams } from "../../src/transports/rest/route-table.js";
import type { ToolDefinition } from "../../tools/index.js";

export interface Prop {
  readonly name: string;
  readonly kind: string;
}

/** The top-level input fields of a tool (minus its REST path parameters) and their JSON Schema types. */
export function propsOf(tool: ToolDefinition, options: { includePathParams?: boolean } = {}): Prop[] {
  type Node = { type?: string; anyOf?: Node[] };
  const schema = z.toJSONSchema(tool.input, { io: "input", unrepresentable: "any" }) as {
    properties?: Record<string, Node>;
  };
  // A nullable field is `anyOf [T, null]`: its kind is T's, and null is not a wrong type for it.
  const kindOf = (p: Node): string => {
    if (p.type) return p.type;
    const kinds = (p.anyOf ?? []).map((a) => a.type).filter((t) => t !== "null");
    return kinds.length === 1 && kinds[0] ? `nullable ${kinds[0]}` : "any";
  };
  const inPath = options.includePathParams ? [] : pathParams(tool.rest.path);
  return Object.entries(schema.properties ?? {})
    .filter(([name]) => !inPath.includes(name))
    .map(([name, p]) => ({ name, kind: kindOf(p) }));
}

/** A value that is not of `kind` (integers also get fractions). */
export function wrongTypeFor(kind: string): fc.Arbitrary<unknown> {
  const nullable = kind.startsWith("nullable ");
  if (nullable) kind = kind.slice("nullable ".length);
  const others: fc.Arbitrary<unknown>[] = [];
  // A numeric string is a number in every tool ("30" is 30), so it is not a wrong type for one.
  const numeric = (v: string) => /^\s*-?\d+(\.\d+)?\s*$/.test(v);
  if (kind === "number" || kind === "integer")
    others.push(fc.string({ maxLength: 20 }).filter((v) => !numeric(v)));
  else if (kind !== "string") others.push(fc.string({ maxLength: 20 }));
  if (kind !== "number" && kind !== "integer") others.push(fc.integer());
  if (kind === "integer") others.push(fc.double({ noInteger: true, noNaN: true, noDefaultInfinity: true }));
  if (kind !== "boolean") others.push(fc.boolean());
  if (kind !== "array") others.push(fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }));
  if (kind !== "object")
    others.push(fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }));
  if (!nullable) others.push(fc.constant(null));
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

/** 1970-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z: the instants an input may name (issue 14). */
export const FIRST_INSTANT_MS = 0;
export const LAST_INSTANT_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** The shape of an RFC 3339 instant with an offset, whatever its value. */
const INSTANT_SHAPE = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Whether `s` is written as an RFC 3339 instant but names one outside 1970..9999 (in UTC). */
export function isOutOfRangeInstant(s: unknown): boolean {
  if (typeof s !== "string" || !INSTANT_SHAPE.test(s)) return false;
  const ms = Date.parse(s.toUpperCase());
  return Number.isFinite(ms) && (ms < FIRST_INSTANT_MS || ms > LAST_INSTANT_MS);
}

/**
 * Well-formed instants outside the accepted range: years 0000-0099 (once a 500), just before 1970,
 * and ones whose offset carries them past 9999-12-31T23:59:59.999Z in UTC. Each is a 400 naming its field.
 */
export const OUT_OF_RANGE_INSTANTS = [
  "0000-01-01T00:00:00Z",
  "0001-01-01T00:00:00Z",
  "0050-06-01T10:00:00Z",
  "0099-12-31T23:00:00Z",
  "0099-12-31T23:59:59.999Z",
  "0100-01-01T00:00:00Z",
  "1969-12-31T23:59:59Z",
  "1969-12-31T23:59:59.999Z",
  "1970-01-01T00:59:59+01:00",
  "9999-12-31T23:00:00-05:00",
  "9999-12-31T23:59:59.999-00:01",
];
const pad = (n: number, width = 2) => String(n).padStart(width, "0");

export const outOfRangeInstant: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...OUT_OF_RANGE_INSTANTS),
  fc
    .record({
      year: fc.integer({ min: 0, max: 99 }),
      month: fc.integer({ min: 1, max: 12 }),
      day: fc.integer({ min: 1, max: 28 }),
      hour: fc.integer({ min: 0, max: 23 }),
      minute: fc.integer({ min: 0, max: 59 }),
      offset: fc.constantFrom("Z", "+00:00", "+14:00", "-12:00"),
    })
    .map(
      ({ year, month, day, hour, minute, offset }) =>
        `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:00${offset}`,
    ),
);

/** Every own name of Object.prototype (constructor, __proto__, toString, valueOf, hasOwnProperty, ...). */
export const OBJECT_PROTOTYPE_NAMES: readonly string[] = Object.getOwnPropertyNames(Object.prototype).sort();

/** Whether `name` is an own name of Object.prototype: never a meeting class, calendar type or scope. */
export function isObjectPrototypeName(name: unknown): boolean {
  return typeof name === "string" && OBJECT_PROTOTYPE_NAMES.includes(name);
}

export const objectPrototypeName: fc.Arbitrary<string> = fc.constantFrom(...OBJECT_PROTOTYPE_NAMES);

/** Unpaired UTF-16 surrogates: valid in a JS string and as a JSON escape, not in UTF-8. */
export const LONE_SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff", "\ud83d", "\ude00"];

/** Whether a string holds an unpaired surrogate (with the u flag a pair is one code point). */
export function hasLoneSurrogate(s: string): boolean {
  return /\p{Cs}/u.test(s);
}

/** `s` with lone surrogates in it: inserted, replacing it, or a low-high pair in the wrong order. */
export function withLoneSurrogate(s: string): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.constantFrom(...LONE_SURROGATES),
      fc.integer({ min: 0, max: s.length }),
      fc.constantFrom("insert", "replace", "reversed pair"),
    )
    .map(([sur, at, how]) =>
      how === "replace"
        ? sur
        : how === "insert"
          ? s.slice(0, at) + sur + s.slice(at)
          : `${s.slice(0, at)}\ude00\ud83d${s.slice(at)}`,
    )
    .filter(hasLoneSurrogate);
}

/**
 * Byte sequences no UTF-8 decoder may accept, wherever they stand: bytes that never occur (0xff,
 * 0xfe, 0xf8), a continuation byte alone, overlong forms, an encoded surrogate (CESU-8/WTF-8), a code
 * point past U+10FFFF, and sequences cut short (before a quote, a comma or the end of the body).
 */
export const INVALID_UTF8: readonly (readonly number[])[] = [
  [0xff],
  [0xfe],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0x80],
  [0xbf, 0xbf],
  [0xc0, 0xaf],
  [0xc1, 0xbf],
  [0xe0, 0x80, 0xaf],
  [0xf0, 0x80, 0x80, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xed, 0xbf, 0xbf],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf5, 0x80, 0x80, 0x80],
  [0xc3],
  [0xe2, 0x82],
  [0xf0, 0x9f, 0x98],
];

export function isValidUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

export interface InvalidUtf8Body {
  /** Where the bytes went: "in a string", "between tokens", "at the start" or "at the end". */
  readonly where: string;
  readonly bytes: Uint8Array;
}

/**
 * The UTF-8 encoding of `json` with one invalid sequence spliced in: inside a string (a value or a
 * key), between tokens, before the first byte or after the last. Never valid UTF-8 (checked).
 */
export function invalidUtf8In(json: string): fc.Arbitrary<InvalidUtf8Body> {
  const inString: number[] = [];
  const between: number[] = [];
  let quoted = false;
  for (let i = 0; i < json.length; i++) {
    const ch = json[i]!;
    if (quoted) {
      if (ch === "\\") {
        i++;
        continue;
      }
      if (ch === '"') quoted = false;
      else inString.push(i);
    } else if (ch === '"') {
      quoted = true;
    } else if (ch === "," || ch === ":" || ch === "{" || ch === "[") {
      between.push(i + 1);
    }
  }
  const where: fc.Arbitrary<[string, number]>[] = [
    fc.constant<[string, number]>(["at the start", 0]),
    fc.constant<[string, number]>(["at the end", json.length]),
  ];
  if (inString.length > 0)
    where.push(fc.constantFrom(...inString).map((i): [string, number] => ["in a string", i]));
  if (between.length > 0)
    where.push(fc.constantFrom(...between).map((i): [string, number] => ["between tokens", i]));
  return fc
    .tuple(fc.oneof(...where), fc.constantFrom(...INVALID_UTF8))
    .map(([[label, at], seq]) => {
      // Positions count UTF-16 units of an ASCII prefix: encode the two halves separately.
      const head = Buffer.from(json.slice(0, at), "utf8");
      const tail = Buffer.from(json.slice(at), "utf8");
      const bytes = new Uint8Array(Buffer.concat([head, Buffer.from(seq), tail]));
      return { where: label, bytes };
    })
    .filter((b) => !isValidUtf8(b.bytes));
}

/** Longer than any string field allows (the longest is a booking description), up to 150,000. */
export const hugeString: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom("x", " ", "é", "😀", "\u0000", "<"),
    fc.integer({ min: MAX_DESCRIPTION_CHARS + 1, max: 150_000 }),
  )
  .map(([c, n]) => c.repeat(n));

export const unknownKey = (known: readonly string[]): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constantFrom(...OBJECT_PROTOTYPE_NAMES, "then", "prototype"),
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
