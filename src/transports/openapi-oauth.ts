// The OpenAPI operations of OAuth discovery (docs/oauth.md): the protected resource metadata and the
// authorization server metadata. The authorization server's own endpoints (/oauth/*) are named in
// that metadata, as OAuth clients expect, rather than described here.
import type { Json } from "./openapi-operations.js";

const metadata = (description: string): Json => ({
  "200": { description, content: { "application/json": { schema: { type: "object" } } } },
});

const prm = (operationId: string): Json => ({
  operationId,
  summary: "Protected resource metadata (RFC 9728)",
  description:
    "The resource /mcp (and the REST API, which takes the same tokens), its authorization server and scopes. Public.",
  tags: ["oauth"],
  security: [],
  responses: metadata("The metadata."),
});

const asMetadata = (operationId: string, rfc: string): Json => ({
  operationId,
  summary: `Authorization server metadata (${rfc})`,
  description:
    "Endpoints (authorize, token, register, revoke), PKCE S256, and client_id_metadata_document_supported. Public.",
  tags: ["oauth"],
  security: [],
  responses: metadata("The metadata."),
});

export const OAUTH_OPERATIONS: readonly { path: string; method: string; op: Json }[] = [
  { path: "/.well-known/oauth-protected-resource", method: "GET", op: prm("oauth_resource_metadata") },
  {
    path: "/.well-known/oauth-protected-resource/mcp",
    method: "GET",
    op: prm("oauth_mcp_resource_metadata"),
  },
  {
    path: "/.well-known/oauth-authorization-server",
    method: "GET",
    op: asMetadata("oauth_server_metadata", "RFC 8414"),
  },
  {
    path: "/.well-known/openid-configuration",
    method: "GET",
    op: asMetadata("openid_configuration", "OpenID Connect Discovery form"),
  },
];
