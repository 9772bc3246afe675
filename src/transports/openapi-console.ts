// The OpenAPI operations of the owner console's own routes: its page and assets, the sign-in session,
// and the decision stream. Kept beside openapi.ts, which adds them with the rest.
import type { Json } from "./openapi-operations.js";

const json = (schema: Json): Json => ({ "application/json": { schema } });
const SessionBody = {
  type: "object",
  properties: { csrf_token: { type: "string" }, expires_at: { type: "string" } },
  required: ["csrf_token", "expires_at"],
};

export const CONSOLE_OPERATIONS: readonly { path: string; method: string; op: Json }[] = [
  {
    path: "/",
    method: "GET",
    op: {
      operationId: "console",
      summary: "The owner console",
      description:
        "The console's page (HTML), under a Content-Security-Policy without inline script. Public.",
      tags: ["console"],
      security: [],
      responses: {
        "200": { description: "The page.", content: { "text/html": { schema: { type: "string" } } } },
      },
    },
  },
  {
    path: "/assets/{file}",
    method: "GET",
    op: {
      operationId: "console_asset",
      summary: "A console asset",
      description: "The console's scripts and styles, built by npm run build. Public.",
      tags: ["console"],
      security: [],
      parameters: [{ name: "file", in: "path", required: true, schema: { type: "string" } }],
      responses: { "200": { description: "The file." }, "404": { description: "No such asset." } },
    },
  },
  {
    path: "/console/session",
    method: "POST",
    op: {
      operationId: "console_sign_in",
      summary: "Sign in to the console",
      description:
        "Trades an admin token or a one-time link (openavail console-link) for a session cookie (HttpOnly, SameSite=Strict, 12 h) and its CSRF token, which every console write sends as X-CSRF-Token. At most 10 attempts per minute per address.",
      tags: ["console"],
      security: [],
      requestBody: {
        required: true,
        content: json({
          type: "object",
          properties: { admin_token: { type: "string" }, link: { type: "string" } },
        }),
      },
      responses: {
        "201": { description: "Signed in; Set-Cookie carries the session.", content: json(SessionBody) },
        "401": { description: "Unknown token, or a used or expired link." },
        "429": { description: "Too many attempts; see Retry-After." },
      },
    },
  },
  {
    path: "/console/session",
    method: "GET",
    op: {
      operationId: "console_session",
      summary: "The current console session",
      description: "The session's CSRF token and expiry, for a reloaded console page.",
      tags: ["console"],
      security: [{ consoleSession: [] }],
      responses: {
        "200": { description: "Signed in.", content: json(SessionBody) },
        "401": { description: "Not signed in." },
      },
    },
  },
  {
    path: "/console/session",
    method: "DELETE",
    op: {
      operationId: "console_sign_out",
      summary: "Sign out",
      description: "Ends the session (send X-CSRF-Token) and clears the cookie.",
      tags: ["console"],
      security: [{ consoleSession: [] }],
      responses: { "204": { description: "Signed out." }, "403": { description: "No CSRF token." } },
    },
  },
  {
    path: "/v1/decisions/stream",
    method: "GET",
    op: {
      operationId: "admin_stream_decisions",
      summary: "Stream decisions",
      description:
        "New decisions as server-sent events (event: decision, id: seq, data: the decision), read from the ledger every 0.5 s, so decisions of every process on the database appear. Filters: owner, agent, verdict, reason; resume with Last-Event-ID or after_seq.",
      tags: ["admin"],
      security: [{ adminToken: [] }, { consoleSession: [] }],
      parameters: ["owner", "agent", "verdict", "reason", "after_seq"].map((name) => ({
        name,
        in: "query",
        required: false,
        schema: { type: name === "after_seq" ? "integer" : "string" },
      })),
      responses: {
        "200": {
          description: "The event stream.",
          content: { "text/event-stream": { schema: { type: "string" } } },
        },
        "401": { description: "No admin token or console session." },
      },
    },
  },
];

export const CONSOLE_SECURITY_SCHEME: Json = {
  type: "apiKey",
  in: "cookie",
  name: "openavail_session",
  description: "The console's session cookie (POST /console/session); writes also need X-CSRF-Token.",
};
