// Query strings to tool input: each parameter is coerced to the type the tool's input schema declares
// (numbers, booleans, comma lists for arrays, dotted names for nested objects). Coercion never
// validates: a value that does not look like its type is passed on as text, and the tool's zod schema
// then rejects it with the field's name, exactly as it would a JSON body.
import { z } from "zod";

/** The part of a JSON Schema (draft 2020-12) that coercion reads. */
interface JsonNode {
  readonly type?: string | readonly string[];
  readonly anyOf?: readonly JsonNode[];
  readonly oneOf?: readonly JsonNode[];
  readonly items?: JsonNode;
  readonly properties?: Readonly<Record<string, JsonNode>>;
}

type Kind = "string" | "number" | "integer" | "boolean" | "array" | "object" | "any";

/** Builds the coercer for one input schema; the JSON Schema is derived once, not per request. */
export function queryCoercer(
  input: z.ZodType,
): (queries: Readonly<Record<string, readonly string[]>>) => Record<string, unknown> {
  const root = z.toJSONSchema(input, {
    io: "input",
    target: "draft-2020-12",
    unrepresentable: "any",
  }) as JsonNode;
  return (queries) => coerceQuery(root, queries);
}

function coerceQuery(root: JsonNode, queries: Readonly<Record<string, readonly string[]>>) {
  const out: Record<string, unknown> = {};
  for (const [name, values] of Object.entries(queries)) {
    const path = name.split(".");
    let node: JsonNode | undefined = root;
    let target: Record<string, unknown> = out;
    for (const [i, key] of path.entries()) {
      node = node ? propertyOf(node, key) : undefined;
      if (i === path.length - 1) {
        setOwn(target, key, coerceValues(node, values));
        break;
      }
      const next = Object.hasOwn(target, key) ? target[key] : undefined;
      if (next !== undefined && (typeof next !== "object" || next === null || Array.isArray(next))) {
        // `a=1&a.b=2`: keep the name whole, so the schema reports it as an unknown field.
        setOwn(out, name, coerceValues(undefined, values));
        break;
      }
      const child = (next as Record<string, unknown> | undefined) ?? {};
      setOwn(target, key, child);
      target = child;
    }
  }
  return out;
}

function coerceValues(node: JsonNode | undefined, values: readonly string[]): unknown {
  const kind = node ? kindOf(node) : "any";
  if (kind === "array") {
    const itemKind = node?.items ? kindOf(node.items) : "any";
    return values
      .flatMap((v) => v.split(","))
      .map((v) => v.trim())
      .filter((v) => v !== "")
      .map((v) => coerceOne(itemKind, v));
  }
  // A repeated scalar stays a list, which the schema then rejects as the wrong type.
  if (values.length > 1) return values.map((v) => coerceOne(kind, v));
  return coerceOne(kind, values[0] ?? "");
}

const NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

function coerceOne(kind: Kind, raw: string): unknown {
  if ((kind === "number" || kind === "integer") && NUMBER.test(raw)) return Number(raw);
  if (kind === "boolean") {
    const v = raw.toLowerCase();
    if (v === "true" || v === "1") return true;
    if (v === "false" || v === "0") return false;
  }
  return raw;
}

function kindOf(node: JsonNode): Kind {
  const t = node.type;
  if (typeof t === "string") return t === "null" ? "any" : (t as Kind);
  if (Array.isArray(t)) return (t.find((x) => x !== "null") as Kind | undefined) ?? "any";
  for (const alt of node.anyOf ?? node.oneOf ?? []) {
    const k = kindOf(alt);
    if (k !== "any") return k;
  }
  return "any";
}

function propertyOf(node: JsonNode, key: string): JsonNode | undefined {
  if (node.properties && Object.hasOwn(node.properties, key)) return node.properties[key];
  for (const alt of node.anyOf ?? node.oneOf ?? []) {
    const found = propertyOf(alt, key);
    if (found) return found;
  }
  return undefined;
}

/** Own data property even for `__proto__`: a query string must never reach an object's prototype. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  // `__proto__` is Object.prototype's only setter, so any other name assigned is an own property; a
  // plain assignment keeps the object fast for zod (defineProperty cost ~3 µs of a free/busy read).
  if (key === "__proto__")
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}
