// The OpenAPI 3.1 document of the REST API, generated from the same tables the routes are mounted
// from: the tool registry (TOOLS), the read adapters and the admin routes. Schemas come from the zod
// wire contract through z.toJSONSchema (JSON Schema 2020-12, which OpenAPI 3.1 uses as is).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { ErrorBody } from "../../schemas/errors.js";
import { type RestBinding, restBindings } from "../../tools/define-tool.js";
import { TOOLS, type ToolDefinition } from "../../tools/index.js";
import { PACKAGE_ROOT } from "../compose.js";
import { ALL_ADMIN_ROUTES } from "./http/admin-routes.js";
import { CONSOLE_OPERATIONS, CONSOLE_SECURITY_SCHEME } from "./openapi-console.js";
import { OAUTH_OPERATIONS } from "./openapi-oauth.js";
import { MAX_BODY_BYTES } from "./rest/json-body.js";
import { READ_ADAPTERS } from "./rest/read-adapters.js";
import { pathParams } from "./rest/route-table.js";
import { readsQuery } from "./rest/tool-routes.js";

type Json = Record<string, unknown>;

// ---- hand-picked examples, keyed by tool name (checked against the schemas by the tests) ---------

const OWNER = "ceo@example.com";
const HOLD_ID = "hld_5kq2x8m1r7t3v9w0y4zb";
const BOOKING_ID = "bkg_7n3p9r2t6v0w4x8y1zac";
const CALENDAR_ID = "cal_2m6q0s4v8x1z5b9d3fgh";
const AGENT_ID = "agt_9c3e7g1j5m9p3r7t1vxz";
const NINE_TO_FIVE = Object.fromEntries(
  ["mon", "tue", "wed", "thu", "fri"].map((d) => [d, { start: "09:00", end: "17:00" }]),
);
const HOLD = {
  hold_id: HOLD_ID,
  owner_email: OWNER,
  calendar_id: CALENDAR_ID,
  calendar_type: "work",
  agent_id: AGENT_ID,
  start: "2026-03-03T14:00:00Z",
  end: "2026-03-03T14:30:00Z",
  local_start: "2026-03-03T09:00:00-05:00",
  meeting_class: "external_customer_call",
  status: "active",
  expires_at: "2026-03-02T12:05:00Z",
};
const BOOKING = {
  booking_id: BOOKING_ID,
  owner_email: OWNER,
  calendar_id: CALENDAR_ID,
  calendar_type: "work",
  agent_id: AGENT_ID,
  start: "2026-03-03T14:00:00Z",
  end: "2026-03-03T14:30:00Z",
  local_start: "2026-03-03T09:00:00-05:00",
  title: "Demo with Acme",
  description: "Pricing questions; deck to follow.",
  attendees: [{ email: "buyer@acme.example", name: "Ada Buyer", time_zone: "America/Chicago" }],
  meeting_class: "external_customer_call",
  class_rank: 70,
  agent_priority: 0,
  status: "confirmed",
  created_at: "2026-03-02T12:00:00Z",
};
const RULES = {
  id: "avr_4p8s2v6y0b4f8j2m6q0t",
  calendar_id: CALENDAR_ID,
  buffer_before_minutes: 5,
  buffer_after_minutes: 5,
  working_hours: NINE_TO_FIVE,
  timezone: null,
  min_notice_minutes: 60,
  max_horizon_days: 365,
  max_bookings_per_day: null,
  hard_blocks: [],
  effective_timezone: "America/New_York",
  created_at: "2026-03-02T12:00:00Z",
  updated_at: "2026-03-02T12:00:00Z",
  pending_notifications: [],
};
const VERDICT = {
  decision_id: "dec_3h7k1n5q9s3w7y1b5d9f",
  verdict: "Accept",
  reason_code: null,
  booking: null,
  hold: null,
  alternatives: [],
  displaced: [],
  resolved_calendar_type: "work",
  warnings: [],
  pending_notifications: [],
};

export interface ToolExamples {
  /** Named request examples: the body (POST/PUT) or the query and path values (GET/DELETE). */
  readonly requests?: Readonly<Record<string, Json>>;
  readonly response?: Json;
}

export const EXAMPLES: Readonly<Record<string, ToolExamples>> = {
  check_availability: {
    requests: {
      find_and_hold: {
        owner_email: OWNER,
        duration_minutes: 30,
        window: { start: "2026-03-03T14:00:00Z", end: "2026-03-03T22:00:00Z" },
      },
    },
    response: {
      ...VERDICT,
      hold: HOLD,
      hold_id: HOLD.hold_id,
      expires_at: HOLD.expires_at,
      slots: [
        {
          start: "2026-03-03T14:00:00Z",
          end: "2026-03-03T14:30:00Z",
          local_start: "2026-03-03T09:00:00-05:00",
        },
        {
          start: "2026-03-03T14:15:00Z",
          end: "2026-03-03T14:45:00Z",
          local_start: "2026-03-03T09:15:00-05:00",
        },
      ],
    },
  },
  create_hold: {
    requests: {
      slot: { owner_email: OWNER, start: "2026-03-03T15:00:00Z", duration_minutes: 30, ttl_seconds: 600 },
    },
  },
  release_hold: {
    requests: { hold: { hold_id: HOLD_ID } },
    response: {
      decision_id: "dec_8k2m6p0r4t8w2y6a0c4e",
      hold: { ...HOLD, status: "released" },
      pending_notifications: [],
    },
  },
  list_holds: {
    requests: { one_owner: { owner_email: OWNER } },
    response: { holds: [HOLD], pending_notifications: [] },
  },
  create_booking: {
    requests: {
      confirm_hold: {
        hold_id: HOLD_ID,
        title: "Demo with Acme",
        description: "Pricing questions; deck to follow.",
        attendees: [{ email: "buyer@acme.example", name: "Ada Buyer", time_zone: "America/Chicago" }],
      },
      by_slot: {
        owner_email: OWNER,
        start: "2026-03-03T14:00:00-05:00",
        end: "2026-03-03T14:30:00-05:00",
        title: "Demo with Acme",
        meeting_class: "external_customer_call",
      },
    },
    response: { ...VERDICT, booking: BOOKING },
  },
  preempt: {
    requests: { same_slot: { booking_id: BOOKING_ID, title: "Board prep", meeting_class: "exec_meeting" } },
  },
  cancel_booking: {
    requests: { cancel: { booking_id: BOOKING_ID, reason: "The customer cancelled." } },
    response: {
      decision_id: "dec_4j8n2q6s0v4x8z2c6f0h",
      booking: { ...BOOKING, status: "cancelled" },
      pending_notifications: [],
    },
  },
  reschedule_booking: {
    requests: {
      later: {
        booking_id: BOOKING_ID,
        start: "2026-03-04T15:00:00Z",
        duration_minutes: 30,
        reason: "The buyer asked for Wednesday.",
      },
    },
  },
  list_bookings: { requests: { confirmed: { owner_email: OWNER, status: "confirmed", limit: 20 } } },
  get_booking: {
    requests: { booking: { booking_id: BOOKING_ID } },
    response: { booking: BOOKING, pending_notifications: [] },
  },
  get_free_busy: {
    requests: {
      day: { owner_email: OWNER, window: { start: "2026-03-03T00:00:00Z", end: "2026-03-04T00:00:00Z" } },
    },
  },
  find_common_slots: {
    requests: {
      two_owners: {
        owner_emails: [OWNER, "cto@example.com"],
        duration_minutes: 45,
        window: { start: "2026-03-03T14:00:00Z", end: "2026-03-06T22:00:00Z" },
      },
    },
  },
  set_availability_rules: {
    requests: {
      nine_to_five: {
        calendar_id: CALENDAR_ID,
        working_hours: NINE_TO_FIVE,
        buffer_before_minutes: 5,
        buffer_after_minutes: 5,
        min_notice_minutes: 60,
      },
      // Over MCP and PATCH only this field changes; PUT resets the others to their defaults.
      buffer_only: { calendar_id: CALENDAR_ID, buffer_after_minutes: 10 },
    },
    response: RULES,
  },
  get_availability_rules: { requests: { calendar: { calendar_id: CALENDAR_ID } }, response: RULES },
  delete_availability_rules: { requests: { calendar: { calendar_id: CALENDAR_ID } } },
  whoami: {
    response: {
      agent_id: AGENT_ID,
      name: "sales bot",
      description: null,
      default_meeting_class: "external_customer_call",
      priority: 0,
      scopes: ["read_freebusy", "create_holds", "create_bookings"],
      allowed_owners: [OWNER],
      owners: [
        {
          email: OWNER,
          name: "Dana Chief",
          timezone: "America/New_York",
          default_calendar_type: "work",
          calendars: [{ calendar_id: CALENDAR_ID, calendar_type: "work", provider: "google" }],
        },
      ],
      key_prefix: "ak_3Fh8kQ2z",
      meeting_classes: {
        exec_meeting: { rank: 90, preemptible: false },
        external_customer_call: { rank: 70, preemptible: true },
      },
      pending_notifications: [],
    },
  },
};

// ---- the document ---------------------------------------------------------------------------------

const ERROR_RESPONSES: Readonly<Record<string, { name: string; description: string; example: Json }>> = {
  "400": {
    name: "BadRequest",
    description: "The request is invalid; `details` names each offending field. Nothing was changed.",
    example: {
      error: "bad_request",
      message: "Invalid create_booking input: title: title must not be empty.",
      details: [{ field: "title", message: "title must not be empty" }],
    },
  },
  "401": {
    name: "Unauthorized",
    description: "Missing, malformed, unknown, revoked or expired key, or a disabled agent.",
    example: { error: "unauthorized", message: "Unknown API key; ask the owner for a new one." },
  },
  "403": {
    name: "Forbidden",
    description: "The caller lacks a scope, or may not act on that owner.",
    example: {
      error: "forbidden",
      message: "Agent agt_... lacks the scope preempt needed for preempt; ask the owner to grant it.",
    },
  },
  "404": {
    name: "NotFound",
    description: "No such owner, calendar, hold, booking, agent or key that the caller can see.",
    example: {
      error: "not_found",
      message: "No booking bkg_... that you can see.",
      details: [{ field: "booking_id", message: "no such booking" }],
    },
  },
  "409": {
    name: "Conflict",
    description:
      "The Idempotency-Key was used for a different request (`idempotency_key_reused`), the object exists, or the hold to confirm is no longer active (`conflict`).",
    example: {
      error: "idempotency_key_reused",
      message:
        'Idempotency key "k1" was already used for a different request; use a new key for a new request.',
    },
  },
  "413": {
    name: "PayloadTooLarge",
    description: `The body is larger than ${MAX_BODY_BYTES} bytes.`,
    example: {
      error: "payload_too_large",
      message: "The request body is larger than 1 MiB; no Openavail request needs that much.",
    },
  },
  "415": {
    name: "UnsupportedMediaType",
    description: "The body is not JSON (send Content-Type: application/json).",
    example: {
      error: "unsupported_media_type",
      message: "Request bodies must be JSON: send Content-Type: application/json.",
    },
  },
  "429": {
    name: "RateLimited",
    description: "The key's rate limit is reached; retry after `retry_after` seconds.",
    example: {
      error: "rate_limited",
      message: "Rate limit of 120 requests per 60 s reached for this API key; retry in 12 s.",
      retry_after: 12,
    },
  },
  "500": {
    name: "Internal",
    description: "An internal error; the request was not applied.",
    example: {
      error: "internal",
      message: "Openavail hit an internal error; the request was not applied. Try again.",
    },
  },
};

const AGENT_ERRORS = ["400", "401", "403", "404", "409", "429", "500"];
const ADMIN_ERRORS = ["400", "401", "403", "404", "409", "500"];
const BODY_ERRORS = ["413", "415"];

/** A zod schema as a JSON Schema 2020-12 object fit for `components.schemas`. */
function schemaOf(schema: z.ZodType, io: "input" | "output"): Json {
  const out = z.toJSONSchema(schema, { io, target: "draft-2020-12", unrepresentable: "any" }) as Json;
  delete out["$schema"];
  // A `$ref` inside a component would resolve against the whole document, not the schema: refuse it.
  if (JSON.stringify(out).includes('"$ref"')) throw new Error("schemaOf: zod emitted a $ref; inline it");
  return out;
}

const pascal = (name: string) => name.replace(/(^|_)([a-z])/g, (_m, _s, c: string) => c.toUpperCase());
const ref = (kind: "schemas" | "responses" | "headers" | "parameters", name: string) => ({
  $ref: `#/components/${kind}/${name}`,
});

interface Properties {
  properties: Record<string, Json>;
  required: string[];
}
function propertiesOf(schema: Json): Properties {
  return {
    properties: (schema["properties"] as Record<string, Json> | undefined) ?? {},
    required: (schema["required"] as string[] | undefined) ?? [],
  };
}

/** The schema without the fields that travel in the path. */
function without(schema: Json, names: readonly string[]): Json {
  const { properties, required } = propertiesOf(schema);
  const kept = Object.fromEntries(Object.entries(properties).filter(([k]) => !names.includes(k)));
  const out: Json = { ...schema, properties: kept };
  const req = required.filter((r) => !names.includes(r));
  if (req.length > 0) out["required"] = req;
  else delete out["required"];
  return out;
}

function parameter(
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

function errorRefs(codes: readonly string[]): Json {
  return Object.fromEntries(codes.map((c) => [c, ref("responses", ERROR_RESPONSES[c]!.name)]));
}

function jsonContent(schema: Json, examples?: Readonly<Record<string, Json>>): Json {
  const media: Json = { schema };
  if (examples && Object.keys(examples).length > 0) {
    media["examples"] = Object.fromEntries(Object.entries(examples).map(([k, v]) => [k, { value: v }]));
  }
  return { "application/json": media };
}

/** The operation of one REST binding of a tool; its fixed fields are left out of what the caller sends. */
function toolOperation(tool: ToolDefinition, binding: RestBinding, schemas: Record<string, Json>): Json {
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
