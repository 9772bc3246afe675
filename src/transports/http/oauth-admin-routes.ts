// The owner's side of OAuth: the consent page's reads and answers (the console shows a pending
// authorization request, then approves or denies it) and the connected clients, each revocable at
// once. Rows of the admin route table (admin-routes.ts), so they are scriptable and documented.
import { z } from "zod";
import { OpenavailError } from "../../service/errors.js";
import {
  approveConsent,
  ConsentDecision,
  type ConsentDeps,
  consentRequest,
  denyConsent,
  listConnections,
  revokeConnection,
} from "../../service/oauth/connections.js";
import type { AdminContext, AdminRoute } from "./admin-routes.js";
import { authorizationServer, publicOrigin } from "./oauth-routes.js";

const BASE = "/v1/admin/oauth";

const Connection = z.object({
  connection_id: z.string(),
  client_id: z.string().describe("The client's id: its metadata document URL, or the id it registered."),
  client_name: z.string(),
  client_uri: z.string().nullable(),
  agent_id: z.string().describe("The agent its tokens act as."),
  scopes: z.array(z.string()),
  status: z.enum(["active", "revoked"]),
  created_at: z.string(),
  updated_at: z.string(),
  last_used_at: z
    .string()
    .nullable()
    .describe("When its tokens were last used, to the minute; null if never."),
});

const ConsentRequest = z.object({
  uid: z.string(),
  client_id: z.string(),
  client_name: z.string(),
  client_uri: z.string().nullable(),
  redirect_uri: z.string().describe("Where the browser goes after the answer."),
  registration: z.enum(["metadata_document", "dynamic"]),
  scopes: z.array(z.string()).describe("The scopes the client asks for."),
  connection: Connection.nullable().describe("Its earlier connection, whose agent approval reuses."),
  expires_at: z.string(),
});

const Redirect = z.object({ redirect_to: z.string().describe("Send the browser here to finish.") });

const uid = (ctx: AdminContext) => ctx.params["uid"] ?? "";

/**
 * What the consent routes work with. The authorization server is the one the request was started
 * on (its resume URL's origin), whatever name the owner's browser or script reached this one by.
 */
async function deps(ctx: AdminContext): Promise<ConsentDeps> {
  const here = await authorizationServer(ctx.app, publicOrigin(ctx.app, ctx.url));
  const interaction = await here.provider.Interaction.find(uid(ctx));
  const origin = interaction ? new URL(interaction.returnTo).origin : here.issuer;
  return {
    db: ctx.app.ledger.db,
    policy: ctx.app.policy.policy,
    server: origin === here.issuer ? here : await authorizationServer(ctx.app, origin),
    now: ctx.now,
  };
}

/**
 * An answer must come from the browser that was sent to the consent: the one holding the provider's
 * interaction cookie for this request. Else someone could start a sign-in in their own browser and
 * have the owner approve it from a link, then finish it themselves.
 */
async function answerDeps(ctx: AdminContext): Promise<ConsentDeps> {
  const d = await deps(ctx);
  if (ctx.cookie(d.server.provider.cookieName("interaction")) !== uid(ctx)) {
    throw new OpenavailError(
      "forbidden",
      "Answer this sign-in from the browser the app sent you to: open its link there and approve.",
    );
  }
  return d;
}

export const OAUTH_ADMIN_ROUTES: readonly AdminRoute[] = [
  {
    operationId: "admin_get_oauth_request",
    method: "GET",
    path: `${BASE}/requests/{uid}`,
    summary: "Show a pending OAuth authorization request",
    description:
      "The client asking, its redirect URI and the scopes it asks for: what the consent page shows.",
    status: 200,
    output: ConsentRequest,
    run: async (ctx) => consentRequest(await deps(ctx), uid(ctx)),
  },
  {
    operationId: "admin_approve_oauth_request",
    method: "POST",
    path: `${BASE}/requests/{uid}/approve`,
    summary: "Approve an OAuth authorization request",
    description:
      "Creates the client's agent (or reuses it) with the owners, meeting class and priority given, grants the scopes approved, and answers where the browser goes to finish. Only from the browser the client sent to the consent (it holds the sign-in's cookie).",
    status: 200,
    body: ConsentDecision,
    output: Redirect.extend({ connection: Connection }),
    run: async (ctx) => approveConsent(await answerDeps(ctx), uid(ctx), ctx.body),
  },
  {
    operationId: "admin_deny_oauth_request",
    method: "POST",
    path: `${BASE}/requests/{uid}/deny`,
    summary: "Deny an OAuth authorization request",
    description: "The client is told access_denied.",
    status: 200,
    output: Redirect,
    run: async (ctx) => denyConsent(await answerDeps(ctx), uid(ctx)),
  },
  {
    operationId: "admin_list_oauth_clients",
    method: "GET",
    path: `${BASE}/clients`,
    summary: "List connected OAuth clients",
    description: "Every client the owner approved, newest first, with the agent it acts as.",
    status: 200,
    output: z.object({ clients: z.array(Connection) }),
    run: async (ctx) => ({ clients: await listConnections(ctx.app.ledger.db) }),
  },
  {
    operationId: "admin_revoke_oauth_client",
    method: "POST",
    path: `${BASE}/clients/{connection_id}/revoke`,
    summary: "Revoke a connected OAuth client",
    description:
      "At once: its tokens fail on their next request, its agent is disabled and its grants deleted.",
    status: 200,
    output: Connection,
    run: (ctx) => revokeConnection(ctx.app.ledger.db, ctx.params["connection_id"] ?? "", ctx.now),
  },
];
