// The tools/list result an agent sees: only the tools its scopes allow, in compact JSON Schema, built
// once per set of scopes. An LLM pays for every character of this list before its first call, and
// the SDK would convert every zod schema again on each tools/list (~90 KB of output per call).
//
// Compact, not loose: every value the zod schema accepts, the listed schema accepts too. It keeps
// what an agent needs to build a call (types, formats, enums, ranges, required fields, descriptions)
// and drops what only repeats the zod check: `$schema`, patterns (date-time's alone is 307
// characters), string and array bounds, `additionalProperties: false`, and in output schemas
// descriptions, defaults and nesting past the first level. zod validates every call and names the
// field it refuses.
import type { ListToolsResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { TOOLS, type ToolDefinition } from "../../../tools/index.js";
import type { Scope } from "../../service/caller.js";

interface Listed {
  readonly result: ListToolsResult;
  readonly json: string;
}

/** Output schemas keep structure this many object levels deep; below, an object is `{type: object}`. */
const OUTPUT_DEPTH = 1;
/** String and array bounds: zod checks them on every call and names the field it refuses. */
const DROPPED = new Set(["$schema", "pattern", "minLength", "maxLength", "minItems", "maxItems"]);
/** An object with at least this many properties of one identical schema is listed as a map of them. */
const UNIFORM_MIN = 3;

const cache = new Map<string, Listed>();

/** The tools an agent holding `scopes` may call: each tool whose every scope it holds. */
export function visibleTools(scopes: ReadonlySet<Scope>): readonly ToolDefinition[] {
  return TOOLS.filter((tool) => tool.scopes.every((s) => scopes.has(s)));
}

/** The tools/list result for an agent holding `scopes`. */
export function toolList(scopes: ReadonlySet<Scope>): ListToolsResult {
  return listed(scopes).result;
}

/** `toolList(scopes)` serialized once, for answering tools/list without serializing it again. */
export function toolListJson(scopes: ReadonlySet<Scope>): string {
  return listed(scopes).json;
}

function listed(scopes: ReadonlySet<Scope>): Listed {
  const tools = visibleTools(scopes);
  const key = tools.map((t) => t.name).join(",");
  let entry = cache.get(key);
  if (!entry) {
    const result: ListToolsResult = {
      tools: tools.map((tool) => ({
        name: tool.name,
        title: tool.title,
        description: tool.description,
        inputSchema: listedSchema(tool.input, "input"),
        annotations: { title: tool.title, ...tool.annotations },
        outputSchema: listedSchema(tool.output, "output"),
      })),
    };
    entry = { result, json: JSON.stringify(result) };
    cache.set(key, entry);
  }
  return entry;
}

type JsonSchema = { type: "object"; [key: string]: unknown };

/** A tool's input or output schema as listed: draft-7, as the SDK writes, then compacted. */
export function listedSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const full = z.toJSONSchema(schema, { target: "draft-7", io, unrepresentable: "any" });
  return compact(full, io, 0) as JsonSchema;
}

type Node = Record<string, unknown>;

function compact(node: unknown, io: "input" | "output", depth: number): unknown {
  if (Array.isArray(node)) return node.map((n) => compact(n, io, depth));
  if (node === null || typeof node !== "object") return node;
  const schema = node as Node;
  const isObject = schema.type === "object" && schema.properties !== undefined;
  if (io === "output" && isObject && depth >= OUTPUT_DEPTH) return { type: "object" };
  const out: Node = {};
  for (const [key, value] of Object.entries(schema)) {
    if (DROPPED.has(key)) continue;
    if (io === "output" && (key === "description" || key === "default" || key === "title")) continue;
    // Unknown fields are refused by zod, which suggests the nearest valid name.
    if (key === "additionalProperties" && value === false) continue;
    if (key === "properties") {
      out[key] = Object.fromEntries(
        Object.entries(value as Node).map(([name, sub]) => [name, compact(sub, io, depth + 1)]),
      );
    } else {
      out[key] = compact(value, io, depth);
    }
  }
  return isObject && schema.additionalProperties === false ? asUniformMap(out) : out;
}

/**
 * A closed object whose optional properties all share one schema (the seven days of working hours)
 * as `propertyNames` + `additionalProperties`: the same values, written once instead of seven times.
 */
function asUniformMap(schema: Node): Node {
  const properties = schema.properties as Node;
  const names = Object.keys(properties);
  const required = (schema.required as string[] | undefined) ?? [];
  if (names.length < UNIFORM_MIN || required.length > 0) return schema;
  const first = JSON.stringify(properties[names[0]!]);
  if (!names.every((n) => JSON.stringify(properties[n]) === first)) return schema;
  const { properties: _, ...rest } = schema;
  return { ...rest, propertyNames: { enum: names }, additionalProperties: properties[names[0]!] };
}
