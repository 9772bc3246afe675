// The owner's consent to an OAuth client, and what it makes: approving an authorization request
// creates the client's agent (or reuses it, when the client connected before) with the owners,
// meeting class and priority the owner chose, and a grant of the scopes approved; every token the
// client then gets acts as that agent. Revoking a connection disables the agent and deletes every
// grant, code and token of the client at once.
import type { Kysely } from "kysely";
import { z } from "zod";
import type { Policy } from "../../../schemas/policy.js";
import { toInstant } from "../../../schemas/time.js";
import { newId } from "../../ledger/ids.js";
import type { Database, OauthConnectionsTable } from "../../ledger/tables.js";
import { immediate } from "../../ledger/transaction.js";
import { instantOrNull } from "../admin-views.js";
import { addAgent, setAgentStatus, updateAgent } from "../agents-admin.js";
import { SCOPES, type Scope } from "../caller.js";
import { badRequestFrom, OpenavailError } from "../errors.js";
import { type AuthorizationServer, CHALLENGE_SCOPES, secondsLeft } from "./authorization-server.js";
import { keepClient, revokeGrant } from "./oauth-store.js";

/** The one account of this authorization server: the owner who consents in the console. */
export const OWNER_ACCOUNT = "owner";

export interface ConsentRequestView {
  readonly uid: string;
  readonly client_id: string;
  readonly client_name: string;
  readonly client_uri: string | null;
  readonly redirect_uri: string;
  /** How the client made itself known: by a metadata document at its client_id URL, or by registering. */
  readonly registration: "metadata_document" | "dynamic";
  readonly scopes: readonly Scope[];
  /** The client's existing connection, when it connected before: its agent is reused. */
  readonly connection: ConnectionView | null;
  readonly expires_at: string;
}

export interface ConnectionView {
  readonly connection_id: string;
  readonly client_id: string;
  readonly client_name: string;
  readonly client_uri: string | null;
  readonly agent_id: string;
  readonly scopes: readonly string[];
  readonly status: "active" | "revoked";
  readonly created_at: string;
  readonly updated_at: string;
  /** When its tokens were last used, to the minute; null if never. */
  readonly last_used_at: string | null;
}

export const ConsentDecision = z
  .object({
    scopes: z
      .array(z.enum(SCOPES), { error: `must be a list of ${SCOPES.join(", ")}` })
      .min(1, { error: "must approve at least one scope, or deny the request" })
      .optional()
      .describe("The scopes approved: all or some of those asked for (default: all of them)."),
    owners: z
      .array(z.string().min(1), { error: 'must be a list of owner emails, or ["*"]' })
      .min(1, { error: "must name at least one owner" })
      .describe('Owner emails the client may act on, or ["*"].'),
    default_class: z
      .string()
      .nullable()
      .optional()
      .describe("The meeting class its bookings get by default."),
    priority: z.number().int().min(-1000).max(1000).default(0).describe("Its priority among agents."),
  })
  .strict();
export type ConsentDecision = z.input<typeof ConsentDecision>;

export interface ConsentDeps {
  readonly db: Kysely<Database>;
  readonly policy: Policy;
  readonly server: AuthorizationServer;
  readonly now: number;
}

type Interaction = InstanceType<AuthorizationServer["provider"]["Interaction"]>;

async function pendingInteraction(server: AuthorizationServer, uid: string): Promise<Interaction> {
  const interaction = await server.provider.Interaction.find(uid);
  if (!interaction) {
    throw new OpenavailError(
      "not_found",
      "This sign-in request has expired or was already answered; start connecting again from the client.",
      { details: [{ field: "uid", message: "no pending authorization request" }] },
    );
  }
  return interaction;
}

function requestedScopes(interaction: Interaction): Scope[] {
  const asked = String(interaction.params["scope"] ?? "").split(" ");
  const ours = SCOPES.filter((s) => asked.includes(s));
  return ours.length > 0 ? ours : [...CHALLENGE_SCOPES];
}

/** What the console shows on the consent page. */
export async function consentRequest(deps: ConsentDeps, uid: string): Promise<ConsentRequestView> {
  const interaction = await pendingInteraction(deps.server, uid);
  const clientId = String(interaction.params["client_id"] ?? "");
  const client = await deps.server.provider.Client.find(clientId);
  if (!client) throw new OpenavailError("not_found", `The client ${clientId} is no longer known.`);
  const connection = await connectionOf(deps.db, clientId);
  return {
    uid,
    client_id: clientId,
    client_name: client.clientName ?? clientId,
    client_uri: client.clientUri ?? null,
    redirect_uri: String(interaction.params["redirect_uri"] ?? ""),
    registration: URL.canParse(clientId) ? "metadata_document" : "dynamic",
    scopes: requestedScopes(interaction),
    connection: connection ? presentConnection(connection) : null,
    expires_at: toInstant(interaction.exp * 1000),
  };
}

/** Approves: the agent, the grant, and where the browser goes next (the provider's resume URL). */
export async function approveConsent(
  deps: ConsentDeps,
  uid: string,
  body: unknown,
): Promise<{ redirect_to: string; connection: ConnectionView }> {
  const parsed = ConsentDecision.safeParse(body);
  if (!parsed.success) throw badRequestFrom(parsed.error, "consent");
  const decision = parsed.data;
  const interaction = await pendingInteraction(deps.server, uid);
  const asked = requestedScopes(interaction);
  const scopes = decision.scopes ?? asked;
  const extra = scopes.filter((s) => !asked.includes(s));
  if (extra.length > 0) {
    throw new OpenavailError("bad_request", `The client did not ask for ${extra.join(", ")}.`, {
      details: [
        { field: "scopes", message: `may only hold scopes the client asked for: ${asked.join(", ")}` },
      ],
    });
  }
  const clientId = String(interaction.params["client_id"] ?? "");
  const client = await deps.server.provider.Client.find(clientId);
  if (!client) throw new OpenavailError("not_found", `The client ${clientId} is no longer known.`);
  const clientName = (client.clientName ?? "").trim().slice(0, 100) || "OAuth client";
  const agentFields = {
    scopes,
    owners: decision.owners,
    default_class: decision.default_class ?? null,
    priority: decision.priority,
  };
  // The agent and the connection together: two approvals racing for a new client make one of each.
  await immediate(deps.db, async (trx) => {
    const existing = await connectionOf(trx, clientId);
    if (existing) {
      const agentId = existing.agent_id;
      await updateAgent(trx, deps.policy, agentId, agentFields, deps.now);
      await setAgentStatus(trx, agentId, "active", deps.now);
      await trx
        .updateTable("oauth_connections")
        .set({
          client_name: clientName,
          scopes_json: JSON.stringify(scopes),
          revoked_at: null,
          updated_at: deps.now,
        })
        .where("id", "=", existing.id)
        .execute();
    } else {
      const agent = await addAgent(
        trx,
        deps.policy,
        { name: clientName, description: `Connected by OAuth as ${clientId}`, ...agentFields },
        deps.now,
      );
      await trx
        .insertInto("oauth_connections")
        .values({
          id: newId("occ"),
          client_id: clientId,
          client_name: clientName,
          client_uri: client.clientUri ?? null,
          agent_id: agent.id,
          scopes_json: JSON.stringify(scopes),
          created_at: deps.now,
          updated_at: deps.now,
          last_used_at: null,
          revoked_at: null,
        })
        .execute();
    }
    // Approved: the registration is kept for good (an unapproved one lapses: oauth-store.ts).
    await keepClient(trx, clientId);
  });
  const grant = new deps.server.provider.Grant({ accountId: OWNER_ACCOUNT, clientId });
  // The scopes are the resource's (they go into its tokens); the provider also knows them by name,
  // so a client may ask for them without naming the resource, and they count as consented there too.
  grant.addOIDCScope(scopes.join(" "));
  grant.addResourceScope(deps.server.resource, scopes.join(" "));
  const grantId = await grant.save();
  // The request is narrowed to what was approved: the provider finishes only a request whose every
  // scope the grant holds, so the client's tokens carry the approved scopes and no others.
  interaction.params["scope"] = scopes.join(" ");
  await finish(interaction, { login: { accountId: OWNER_ACCOUNT }, consent: { grantId } });
  const connection = await connectionOf(deps.db, clientId);
  return { redirect_to: interaction.returnTo, connection: presentConnection(connection!) };
}

/** Denies: the client is told access_denied on its redirect URI. */
export async function denyConsent(deps: ConsentDeps, uid: string): Promise<{ redirect_to: string }> {
  const interaction = await pendingInteraction(deps.server, uid);
  await finish(interaction, { error: "access_denied", error_description: "The owner declined the request." });
  return { redirect_to: interaction.returnTo };
}

async function finish(interaction: Interaction, result: Record<string, unknown>): Promise<void> {
  interaction.result = result;
  await interaction.save(secondsLeft(interaction.exp));
}

export async function listConnections(db: Kysely<Database>): Promise<ConnectionView[]> {
  const rows = await db.selectFrom("oauth_connections").selectAll().orderBy("created_at", "desc").execute();
  return rows.map(presentConnection);
}

/** Revokes at once: the agent is disabled (its tokens fail on their next request) and every grant goes. */
export async function revokeConnection(
  db: Kysely<Database>,
  connectionId: string,
  now: number,
): Promise<ConnectionView> {
  const row = await db
    .selectFrom("oauth_connections")
    .selectAll()
    .where("id", "=", connectionId)
    .executeTakeFirst();
  if (!row) {
    throw new OpenavailError(
      "not_found",
      `No connected client ${connectionId}; see GET /v1/admin/oauth/clients.`,
      {
        details: [{ field: "connection_id", message: "no such connection" }],
      },
    );
  }
  await db
    .updateTable("oauth_connections")
    .set({ revoked_at: now, updated_at: now })
    .where("id", "=", row.id)
    .execute();
  await setAgentStatus(db, row.agent_id, "disabled", now);
  const grants = await db
    .selectFrom("oauth_store")
    .select(["grant_id", "payload_json"])
    .where("model", "=", "Grant")
    .execute();
  for (const grant of grants) {
    const { clientId } = JSON.parse(grant.payload_json) as { clientId?: string };
    if (clientId === row.client_id && grant.grant_id) await revokeGrant(db, grant.grant_id);
  }
  return presentConnection({ ...row, revoked_at: now, updated_at: now });
}

async function connectionOf(
  db: Kysely<Database>,
  clientId: string,
): Promise<OauthConnectionsTable | undefined> {
  return db.selectFrom("oauth_connections").selectAll().where("client_id", "=", clientId).executeTakeFirst();
}

function presentConnection(row: OauthConnectionsTable): ConnectionView {
  return {
    connection_id: row.id,
    client_id: row.client_id,
    client_name: row.client_name,
    client_uri: row.client_uri,
    agent_id: row.agent_id,
    scopes: JSON.parse(row.scopes_json) as string[],
    status: row.revoked_at === null ? "active" : "revoked",
    created_at: toInstant(row.created_at),
    updated_at: toInstant(row.updated_at),
    last_used_at: instantOrNull(row.last_used_at),
  };
}
