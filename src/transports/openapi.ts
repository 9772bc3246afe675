// The OpenAPI 3.1 document of the REST API, generated from the same tables the routes are mounted
// from: the tool registry (TOOLS), the read adapters and the admin routes. Schemas come from the zod
// wire contract through z.toJSONSchema (JSON Schema 2020-12, which OpenAPI 3.1 uses as is).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ErrorBody } from "../../schemas/errors.js";
import { restBindings } from "../../tools/define-tool.js";
import { TOOLS } from "../../tools/index.js";
import { PACKAGE_ROOT } from "../compose.js";
import { ALL_ADMIN_ROUTES } from "./http/admin-routes.js";
import { CONSOLE_OPERATIONS, CONSOLE_SECURITY_SCHEME } from "./openapi-console.js";
import { ADMIN_ERRORS, AGENT_ERRORS, BODY_ERRORS, ERROR_RESPONSES } from "./openapi-errors.js";
import { CALENDAR_ID } from "./openapi-examples.js";
import { OAUTH_OPERATIONS } from "./openapi-oauth.js";
import type { Json } from "./openapi-operations.js";
import {
  errorRefs,
  jsonContent,
  parameter,
  pascal,
  propertiesOf,
  ref,
  schemaOf,
  toolOperation,
} from "./openapi-operations.js";
import { READ_ADAPTERS } from "./rest/read-adapters.js";
import { pathParams } from "./rest/route-table.js";

// ---- the document ---------------------------------------------------------------------------------

function addOperation(paths: Record<string, Json>, path: string, method: string, op: Json): void {
  paths[path] ??= {};
  const item = paths[path];
  const key = method.toLowerCase();
  if (item[key]) throw new Error(`OpenAPI: ${method} ${path} is defined twice`);
  item[key] = op;
}

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8")) as { version: string })
      .version;
  } catch {
    return "0.0.0";
  }
}

/** Builds the whole document. Pure apart from reading the package version. */
export function buildOpenApiDocument(): Json {
  const schemas: Record<string, Json> = { Error: schemaOf(ErrorBody, "output") };
  const paths: Record<string, Json> = {};

  addOperation(paths, "/healthz", "GET", {
    operationId: "healthz",
    summary: "Health check",
    description: "200 when the server can read its ledger. Public.",
    tags: ["meta"],
    security: [],
    responses: {
      "200": {
        description: "Healthy.",
        content: jsonContent({
          type: "object",
          properties: { status: { const: "ok" } },
          required: ["status"],
        }),
      },
      "503": { description: "The ledger cannot be read." },
    },
  });
  addOperation(paths, "/v1/openapi.json", "GET", {
    operationId: "openapi",
    summary: "This document",
    description: "The OpenAPI 3.1 description of the REST API, generated from the tool registry. Public.",
    tags: ["meta"],
    security: [],
    responses: { "200": { description: "The document.", content: jsonContent({ type: "object" }) } },
  });

  for (const tool of TOOLS) {
    for (const binding of restBindings(tool))
      addOperation(paths, binding.path, binding.method, toolOperation(tool, binding, schemas));
  }

  for (const adapter of READ_ADAPTERS) {
    const name = pascal(adapter.operationId);
    schemas[`${name}Response`] = schemaOf(adapter.output, "output");
    const parameters: Json[] = [];
    if (adapter.pathParam) {
      parameters.push(
        parameter(
          adapter.pathParam.name,
          "path",
          { type: "string", description: adapter.pathParam.description },
          true,
          CALENDAR_ID,
        ),
      );
    }
    for (const p of adapter.params) {
      parameters.push(parameter(p.name, "query", { ...p.schema, description: p.description }, p.required));
    }
    addOperation(paths, adapter.path, "GET", {
      operationId: adapter.operationId,
      summary: adapter.summary,
      description: `${adapter.description}\n\nAdapter over the \`${adapter.tool}\` tool; its scopes apply.`,
      tags: ["availability"],
      parameters,
      responses: {
        "200": {
          description: "Free slots.",
          headers: {
            RateLimit: ref("headers", "RateLimit"),
            "RateLimit-Policy": ref("headers", "RateLimit-Policy"),
          },
          content: jsonContent(ref("schemas", `${name}Response`)),
        },
        ...errorRefs(AGENT_ERRORS),
      },
      security: [{ agentKey: [] }],
    });
  }

  for (const route of ALL_ADMIN_ROUTES) {
    const name = pascal(route.operationId);
    const parameters: Json[] = pathParams(route.path).map((p) =>
      parameter(p, "path", { type: "string", description: `The ${p.replace("_id", "")} id.` }, true),
    );
    if (route.query) {
      const q = schemaOf(route.query, "input");
      const { properties, required } = propertiesOf(q);
      for (const [key, prop] of Object.entries(properties))
        parameters.push(parameter(key, "query", prop, required.includes(key)));
    }
    let requestBody: Json | undefined;
    if (route.body) {
      const body = schemaOf(route.body, "input");
      schemas[`${name}Request`] = body;
      requestBody = {
        required: propertiesOf(body).required.length > 0,
        content: jsonContent(ref("schemas", `${name}Request`)),
      };
    }
    schemas[`${name}Response`] = schemaOf(route.output, "output");
    addOperation(paths, route.path, route.method, {
      operationId: route.operationId,
      summary: route.summary,
      description: `${route.description}\n\nAdmin route: send Authorization: Bearer adm_...`,
      tags: ["admin"],
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(requestBody ? { requestBody } : {}),
      responses: {
        [String(route.status)]: {
          description: route.status === 201 ? "Created." : "OK.",
          content: jsonContent(ref("schemas", `${name}Response`)),
        },
        ...errorRefs(route.body ? [...ADMIN_ERRORS, ...BODY_ERRORS].sort() : ADMIN_ERRORS),
      },
      security: [{ adminToken: [] }],
    });
  }

  for (const { path, method, op } of [...CONSOLE_OPERATIONS, ...OAUTH_OPERATIONS])
    addOperation(paths, path, method, op);

  const responses = Object.fromEntries(
    Object.values(ERROR_RESPONSES).map((r) => {
      const response: Json = {
        description: r.description,
        content: { "application/json": { schema: ref("schemas", "Error"), example: r.example } },
      };
      if (r.name === "RateLimited") {
        response["headers"] = {
          "Retry-After": ref("headers", "Retry-After"),
          RateLimit: ref("headers", "RateLimit"),
          "RateLimit-Policy": ref("headers", "RateLimit-Policy"),
        };
      }
      return [r.name, response];
    }),
  );

  return {
    openapi: "3.1.0",
    info: {
      title: "Openavail",
      version: packageVersion(),
      summary: "The scheduling arbiter for AI agents.",
      description:
        "Every availability check, hold and booking of your agents goes through Openavail, which enforces the owner's rules and " +
        "the priority between meeting classes and logs every decision. The same tools are served over MCP at /mcp; this REST API " +
        "is generated from the same registry. Verdicts (Accept, Reject, CounterPropose, Preempt) are 200 results; errors are " +
        "`{error, message, details?}` with their HTTP status. Admin routes answer 201 when they create something.",
      license: { name: "MIT", identifier: "MIT" },
    },
    tags: [
      { name: "tools", description: "The MCP tools, one route each." },
      { name: "availability", description: "Chronary-style read routes over the tools." },
      { name: "admin", description: "Agents, keys, owners, calendars and the audit log (admin token)." },
      { name: "meta", description: "Health and this document." },
      {
        name: "oauth",
        description: "Discovery for remote MCP clients that sign in with OAuth (docs/oauth.md).",
      },
    ],
    security: [{ agentKey: [] }],
    paths,
    components: {
      schemas,
      responses,
      parameters: {
        IdempotencyKey: {
          name: "Idempotency-Key",
          in: "header",
          required: false,
          description:
            "Retry-safe key, scoped to the agent and kept 24 h: the same key with the same request returns the stored response byte for byte (with Idempotent-Replayed: true); with a different request, 409.",
          schema: { type: "string", minLength: 1, maxLength: 255, pattern: "^[\\x21-\\x7e]+$" },
        },
      },
      headers: {
        "Idempotent-Replayed": {
          description:
            "`true` when this response is the stored response of an earlier request with the same Idempotency-Key.",
          schema: { type: "string", enum: ["true"] },
        },
        RateLimit: {
          description:
            'Remaining quota and seconds until it frees up, e.g. `"per-key";r=119;t=60` (draft-ietf-httpapi-ratelimit-headers).',
          schema: { type: "string" },
        },
        "RateLimit-Policy": {
          description: 'The key\'s quota policy, e.g. `"per-key";q=120;w=60`.',
          schema: { type: "string" },
        },
        "Retry-After": {
          description: "Seconds to wait before retrying.",
          schema: { type: "integer", minimum: 1 },
        },
      },
      securitySchemes: {
        consoleSession: CONSOLE_SECURITY_SCHEME,
        agentKey: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "ak_...",
          description:
            "An agent's API key (Authorization: Bearer ak_...), or an OAuth access token issued by this server for its /mcp (see /.well-known/oauth-protected-resource/mcp).",
        },
        adminToken: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "adm_...",
          description:
            "An admin token (printed by `openavail serve` on first start): Authorization: Bearer adm_...",
        },
      },
    },
  };
}

let cached: string | undefined;

/** The document as JSON text, built once per process. */
export function openApiJson(): string {
  cached ??= JSON.stringify(buildOpenApiDocument());
  return cached;
}
