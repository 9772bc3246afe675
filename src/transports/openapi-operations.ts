import { z } from "zod";
import type { RestBinding } from "../../tools/define-tool.js";
import type { ToolDefinition } from "../../tools/index.js";
import { AGENT_ERRORS, BODY_ERRORS, ERROR_RESPONSES } from "./openapi-errors.js";
import { EXAMPLES } from "./openapi-examples.js";
import { pathParams } from "./rest/route-table.js";
import { readsQuery } from "./rest/tool-routes.js";

/** A JSON object of the document. */
export type Json = Record<string, unknown>;

/** A zod schema as a JSON Schema 2020-12 object fit for `components.schemas`. */
export function schemaOf(schema: z.ZodType, io: "input" | "output"): Json {
  const out = z.toJSONSchema(schema, { io, target: "draft-2020-12", unrepresentable: "any" }) as Json;
  delete out["$schema"];
  // A `$ref` inside a component would resolve against the whole document, not the schema: refuse it.
  if (JSON.stringify(out).includes('"$ref"')) throw new Error("schemaOf: zod emitted a $ref; inline it");
  return out;
}

export const pascal = (name: string) => name.replace(/(^|_)([a-z])/g, (_m, _s, c: string) => c.toUpperCase());
export const ref = (kind: "schemas" | "responses" | "headers" | "parameters", name: string) => ({
  $ref: `#/components/${kind}/${name}`,
});

interface Properties {
  properties: Record<string, Json>;
  required: string[];
}
export function propertiesOf(schema: Json): Properties {
  return {
    properties: (schema["properties"] as Record<string, Json> | undefined) ?? {},
    required: (schema["required"] as string[] | undefined) ?? [],
  };
}

/** The schema without the fields that travel in the path. */
export function without(schema: Json, names: readonly string[]): Json {
  const { properties, required } = propertiesOf(schema);
  const kept = Object.fromEntries(Object.entries(properties).filter(([k]) => !names.includes(k)));
  const out: Json = { ...schema, properties: kept };
  const req = required.filter((r) => !names.includes(r));
  if (req.length > 0) out["required"] = req;
  else delete out["required"];
  return out;
}

export function parameter(
  name: string,
  where: "path" | "query",
  prop: Json,
  required: boolean,
  example?: unknown,
): Json {
  const { description, ...schema } = prop;
  const p: Json = { name, in: where, required: where === "path" ? true : required, schema };
  if (typeof description === "string") p["description"] = description;
  if (schema["type"] === "array") Object.assign(p, { style: "form", explode: false });
  if (example !== undefined) p["example"] = example;
  return p;
}

export function errorRefs(codes: readonly string[]): Json {
  return Object.fromEntries(codes.map((c) => [c, ref("responses", ERROR_RESPONSES[c]!.name)]));
}

export function jsonContent(schema: Json, examples?: Readonly<Record<string, Json>>): Json {
  const media: Json = { schema };
  if (examples && Object.keys(examples).length > 0) {
    media["examples"] = Object.fromEntries(Object.entries(examples).map(([k, v]) => [k, { value: v }]));
  }
  return { "application/json": media };
}

/** The operation of one REST binding of a tool; its fixed fields are left out of what the caller sends. */
export function toolOperation(
  tool: ToolDefinition,
  binding: RestBinding,
  schemas: Record<string, Json>,
): Json {
  const operationId = binding.operationId ?? tool.name;
  const name = pascal(operationId);
  const input = schemaOf(tool.input, "input");
  const inPath = pathParams(binding.path);
  const fixed = Object.entries(binding.fixed ?? {});
  const omitted = [...inPath, ...fixed.map(([field]) => field)];
  const { properties, required } = propertiesOf(input);
  const examples = EXAMPLES[tool.name];
  const firstRequest = examples?.requests ? Object.values(examples.requests)[0] : undefined;
  const parameters: Json[] = inPath.map((p) =>
    parameter(p, "path", properties[p] ?? { type: "string" }, true, firstRequest?.[p]),
  );
  let requestBody: Json | undefined;
  if (readsQuery(binding)) {
    // An alias (`start` for `window.start`) is documented under its own name, in place of its object.
    const aliases = Object.entries(binding.query ?? {});
    const aliasedObjects = new Set(aliases.map(([, field]) => field.split(".")[0]!));
    for (const [key, prop] of Object.entries(properties)) {
      if (omitted.includes(key) || key === "idempotency_key") continue;
      if (aliasedObjects.has(key)) {
        const nested = propertiesOf(prop);
        for (const [alias, field] of aliases) {
          const [parent, child] = field.split(".") as [string, string];
          if (parent !== key) continue;
          const example = (firstRequest?.[parent] as Record<string, Json> | undefined)?.[child];
          parameters.push(
            parameter(
              alias,
              "query",
              nested.properties[child] ?? { type: "string" },
              required.includes(key) && nested.required.includes(child),
              example,
            ),
          );
        }
        continue;
      }
      parameters.push(parameter(key, "query", prop, required.includes(key), firstRequest?.[key]));
    }
  } else {
    const body = without(input, omitted);
    schemas[`${name}Request`] = body;
    const bodyExamples = examples?.requests
      ? Object.fromEntries(
          Object.entries(examples.requests).map(([k, v]) => [
            k,
            Object.fromEntries(Object.entries(v).filter(([f]) => !omitted.includes(f))),
          ]),
        )
      : undefined;
    requestBody = {
      required: propertiesOf(body).required.length > 0,
      content: jsonContent(ref("schemas", `${name}Request`), bodyExamples),
    };
  }
  if (tool.writes) parameters.push(ref("parameters", "IdempotencyKey"));
  // One response schema per tool, whichever of its routes answers.
  const responseName = `${pascal(tool.name)}Response`;
  const headers: Json = {
    RateLimit: ref("headers", "RateLimit"),
    "RateLimit-Policy": ref("headers", "RateLimit-Policy"),
  };
  if (tool.writes) headers["Idempotent-Replayed"] = ref("headers", "Idempotent-Replayed");
  let ok: Json;
  if (binding.status === 204) {
    ok = { "204": { description: "Done; no body.", headers } };
  } else {
    schemas[responseName] = schemaOf(tool.output, "output");
    const okContent = jsonContent(ref("schemas", responseName));
    if (examples?.response) (okContent["application/json"] as Json)["example"] = examples.response;
    ok = {
      "200": {
        description: "The result (a verdict is a result, whatever its value).",
        headers,
        content: okContent,
      },
    };
  }
  const scopes = tool.scopes.length > 0 ? tool.scopes.join(", ") : "none (any authenticated agent)";
  const sets = fixed
    .map(([field, value]) => ` This route sets \`${field}: ${JSON.stringify(value)}\`.`)
    .join("");
  return {
    operationId,
    summary: binding.summary ?? tool.title,
    description: `${tool.description}\n\nMCP tool: \`${tool.name}\`. Scopes: ${scopes}.${sets}${tool.writes ? " Send Idempotency-Key to make retries safe." : ""}`,
    tags: ["tools"],
    "x-mcp-tool": tool.name,
    "x-openavail-scopes": [...tool.scopes],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses: {
      ...ok,
      ...errorRefs(readsQuery(binding) ? AGENT_ERRORS : [...AGENT_ERRORS, ...BODY_ERRORS].sort()),
    },
    security: [{ agentKey: [] }],
  };
}
