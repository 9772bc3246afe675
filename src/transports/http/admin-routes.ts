// The admin REST surface (agents, keys, owners, calendars, decisions) behind an admin token. Like the
// tool routes, it is a table: each row names its method, path, schemas and the agents-admin function
// it runs; one loop mounts the rows and the OpenAPI document is generated from the same rows.
import type { Hono } from "hono";
import { getCookie } from "hono/cookie";
import type { z } from "zod";
import type { HttpMethod } from "../../../tools/define-tool.js";
import type { App } from "../../compose.js";
import { recordAdminAction } from "../../service/admin-actions.js";
import {
  AgentPatch,
  NewAgentInput,
  NewCalendarInput,
  NewKeyInput,
  NewOwnerInput,
} from "../../service/admin-inputs.js";
import {
  addAgent,
  addCalendar,
  addOwner,
  createKey,
  listAgents,
  listCalendars,
  listDecisionViews,
  listKeys,
  listOwners,
  revokeKey,
  setAgentStatus,
  showAgent,
  updateAgent,
} from "../../service/agents-admin.js";
import { SESSION_COOKIE } from "../../service/console-sessions.js";
import { badRequestFrom, OpenavailError } from "../../service/errors.js";
import { requireWellFormedText } from "../../service/well-formed-text.js";
import { readJsonBody } from "../rest/json-body.js";
import { queryCoercer } from "../rest/query-params.js";
import { jsonBody } from "../rest/respond.js";
import { honoPath, type RouteTable } from "../rest/route-table.js";
import { authenticateAdminRequest } from "./admin-auth.js";
import {
  AgentList,
  AgentView,
  AgentWithKeys,
  ApiKeyView,
  CalendarList,
  CalendarsQuery,
  CalendarView,
  DecisionList,
  DecisionsQuery,
  KeyList,
  NewApiKeyView,
  OwnerList,
  OwnerView,
} from "./admin-schemas.js";
import { OAUTH_ADMIN_ROUTES } from "./oauth-admin-routes.js";
import { OWNER_ROUTES } from "./owner-routes.js";
import { WEBHOOK_ADMIN_ROUTES } from "./webhook-admin-routes.js";

export interface AdminContext {
  readonly app: App;
  readonly now: number;
  /** The JSON body as sent (the agents-admin function validates it). */
  readonly body: Record<string, unknown>;
  /** The query string, validated by the route's `query` schema. */
  readonly query: Record<string, unknown>;
  readonly params: Readonly<Record<string, string>>;
  /** The request's URL (the OAuth routes tell their issuer from it). */
  readonly url: string;
  /** A cookie the request carries (the OAuth consent checks the browser's interaction cookie). */
  readonly cookie: (name: string) => string | undefined;
}

export interface AdminRoute {
  readonly operationId: string;
  readonly method: HttpMethod;
  readonly path: string;
  readonly summary: string;
  readonly description: string;
  /** 201 for a route that always creates something, 200 otherwise. */
  readonly status: 200 | 201;
  readonly body?: z.ZodType;
  readonly query?: z.ZodType;
  readonly output: z.ZodType;
  /**
   * A POST that only reads (a preview): treated as a GET, so it is not an admin action, it runs after
   * a failed WAL fsync, and it answers only once what it read is durable.
   */
  readonly readOnly?: true;
  readonly run: (ctx: AdminContext) => Promise<unknown>;
}

const db = (ctx: AdminContext) => ctx.app.ledger.db;
const agentId = (ctx: AdminContext) => ctx.params["agent_id"] ?? "";

export const ADMIN_ROUTES: readonly AdminRoute[] = [
  {
    operationId: "admin_create_agent",
    method: "POST",
    path: "/v1/agents",
    summary: "Create an agent",
    description: "Registers an agent with its scopes and allowed owners. Create a key for it next.",
    status: 201,
    body: NewAgentInput,
    output: AgentView,
    run: (ctx) => addAgent(db(ctx), ctx.app.policy.policy, ctx.body, ctx.now),
  },
  {
    operationId: "admin_list_agents",
    method: "GET",
    path: "/v1/agents",
    summary: "List agents",
    description: "Every agent, oldest first.",
    status: 200,
    output: AgentList,
    run: async (ctx) => ({ agents: await listAgents(db(ctx)) }),
  },
  {
    operationId: "admin_get_agent",
    method: "GET",
    path: "/v1/agents/{agent_id}",
    summary: "Show an agent",
    description: "One agent with its keys' metadata (never the keys themselves).",
    status: 200,
    output: AgentWithKeys,
    run: (ctx) => showAgent(db(ctx), agentId(ctx), ctx.now),
  },
  {
    operationId: "admin_update_agent",
    method: "PATCH",
    path: "/v1/agents/{agent_id}",
    summary: "Update an agent",
    description:
      "Changes only the fields given; scopes and owners replace the whole list. Applies to the agent's next request.",
    status: 200,
    body: AgentPatch,
    output: AgentView,
    run: (ctx) => updateAgent(db(ctx), ctx.app.policy.policy, agentId(ctx), ctx.body, ctx.now),
  },
  {
    operationId: "admin_disable_agent",
    method: "POST",
    path: "/v1/agents/{agent_id}/disable",
    summary: "Disable an agent",
    description: "Its keys get 401 at once; its holds expire normally and its bookings stay.",
    status: 200,
    output: AgentView,
    run: (ctx) => setAgentStatus(db(ctx), agentId(ctx), "disabled", ctx.now),
  },
  {
    operationId: "admin_enable_agent",
    method: "POST",
    path: "/v1/agents/{agent_id}/enable",
    summary: "Enable an agent",
    description: "Re-enables a disabled agent; its unrevoked, unexpired keys work again.",
    status: 200,
    output: AgentView,
    run: (ctx) => setAgentStatus(db(ctx), agentId(ctx), "active", ctx.now),
  },
  {
    operationId: "admin_list_keys",
    method: "GET",
    path: "/v1/agents/{agent_id}/keys",
    summary: "List an agent's keys",
    description: "Key metadata: prefix, status, expiry, last use.",
    status: 200,
    output: KeyList,
    run: async (ctx) => ({ keys: await listKeys(db(ctx), agentId(ctx), ctx.now) }),
  },
  {
    operationId: "admin_create_key",
    method: "POST",
    path: "/v1/agents/{agent_id}/keys",
    summary: "Create an API key",
    description: "Returns the raw key once; only its hash is stored. The body may be empty.",
    status: 201,
    body: NewKeyInput,
    output: NewApiKeyView,
    run: (ctx) => createKey(db(ctx), agentId(ctx), ctx.body, ctx.now),
  },
  {
    operationId: "admin_revoke_key",
    method: "DELETE",
    path: "/v1/agents/{agent_id}/keys/{key_id}",
    summary: "Revoke an API key",
    description: "The key gets 401 from its next request on. Revoking a revoked key changes nothing.",
    status: 200,
    output: ApiKeyView,
    run: (ctx) => revokeKey(db(ctx), agentId(ctx), ctx.params["key_id"] ?? "", ctx.now),
  },
  {
    operationId: "admin_create_owner",
    method: "POST",
    path: "/v1/owners",
    summary: "Create an owner",
    description: "A person whose calendars agents book on, keyed by email (timezone default UTC).",
    status: 201,
    body: NewOwnerInput,
    output: OwnerView,
    run: (ctx) => addOwner(db(ctx), ctx.body, ctx.now),
  },
  {
    operationId: "admin_list_owners",
    method: "GET",
    path: "/v1/owners",
    summary: "List owners",
    description: "Every owner, by email.",
    status: 200,
    output: OwnerList,
    run: async (ctx) => ({ owners: await listOwners(db(ctx)) }),
  },
  {
    operationId: "admin_create_calendar",
    method: "POST",
    path: "/v1/calendars",
    summary: "Create a calendar",
    description:
      "Adds a calendar of a type (work, personal, ...) to an owner; set its rules with PUT /v1/calendars/{calendar_id}/availability-rules.",
    status: 201,
    body: NewCalendarInput,
    output: CalendarView,
    run: (ctx) => addCalendar(db(ctx), ctx.body, ctx.now),
  },
  {
    operationId: "admin_list_calendars",
    method: "GET",
    path: "/v1/calendars",
    summary: "List calendars",
    description: "Every calendar, or one owner's, oldest first.",
    status: 200,
    query: CalendarsQuery,
    output: CalendarList,
    run: async (ctx) => {
      const owner = ctx.query["owner"] as string | undefined;
      return { calendars: await listCalendars(db(ctx), owner !== undefined ? { ownerEmail: owner } : {}) };
    },
  },
  {
    operationId: "admin_list_decisions",
    method: "GET",
    path: "/v1/decisions",
    summary: "List decisions",
    description: "The audit log in append order, filtered by owner, agent, time and verdict.",
    status: 200,
    query: DecisionsQuery,
    output: DecisionList,
    run: async (ctx) => {
      const q = ctx.query as z.output<typeof DecisionsQuery>;
      const newest = q.order === "newest";
      const decisions = await listDecisionViews(db(ctx), {
        ...(q.owner !== undefined ? { owner_email: q.owner } : {}),
        ...(q.agent !== undefined ? { agent_id: q.agent } : {}),
        ...(q.since !== undefined ? { since: Date.parse(q.since) } : {}),
        ...(q.until !== undefined ? { until: Date.parse(q.until) } : {}),
        ...(q.verdict !== undefined ? { verdict: q.verdict } : {}),
        ...(q.reason !== undefined ? { reason_code: q.reason } : {}),
        ...(q.after_seq !== undefined ? { after_seq: q.after_seq } : {}),
        ...(q.before_seq !== undefined ? { before_seq: q.before_seq } : {}),
        newest_first: newest,
        limit: q.limit,
      });
      const last = decisions[decisions.length - 1];
      const more = decisions.length === q.limit && last ? last.seq : null;
      return { decisions, next_after_seq: newest ? null : more, next_before_seq: newest ? more : null };
    },
  },
];

/** Every admin route: agents, keys, owners, calendars, decisions, and the owner console's. */
export const ALL_ADMIN_ROUTES: readonly AdminRoute[] = [
  ...ADMIN_ROUTES,
  ...OWNER_ROUTES,
  ...WEBHOOK_ADMIN_ROUTES,
  ...OAUTH_ADMIN_ROUTES,
];

/**
 * Waits until every commit made so far is durable, and gives the failed WAL fsync that stopped that,
 * if one has: the one record of it (wal-flush.ts), whether or not this wait met it.
 */
export async function durableOrFailure(app: App): Promise<Error | null> {
  await app.service.durable().catch(() => undefined);
  return app.ledger.walFlush?.failure ?? null;
}

/** The answer of every admin route once an fsync of the WAL has failed (wal-flush.ts), until a restart. */
export function ledgerInDoubt(what: string): OpenavailError {
  return new OpenavailError(
    "internal",
    `${what}: an fsync of the ledger's write-ahead log failed (a full or failing disk?), and bookings and admin changes are refused until Openavail is restarted. Fix the disk, then restart it.`,
  );
}

/** The id of what a create route made, for the trail of admin actions. */
function createdId(out: unknown): string | null {
  const id = (out as { id?: unknown } | null)?.id;
  return typeof id === "string" ? id : null;
}

/**
 * Mounts every admin route; each one first checks the admin token or console session, and every
 * write is appended to the trail of admin actions, naming who did it.
 */
export function mountAdminRoutes(
  hono: Hono,
  app: App,
  routes: RouteTable,
  table: readonly AdminRoute[] = ALL_ADMIN_ROUTES,
): void {
  for (const route of table) {
    const coerce = route.query ? queryCoercer(route.query) : undefined;
    const writes = route.method !== "GET" && route.readOnly !== true;
    routes.add(route.method, route.path);
    hono.on(route.method, honoPath(route.path), async (c) => {
      const { actor } = await authenticateAdminRequest(
        app.ledger.db,
        {
          authorization: c.req.header("authorization"),
          session: getCookie(c, SESSION_COOKIE),
          csrf: c.req.header("x-csrf-token"),
          method: c.req.method,
        },
        app.config.now(),
      );
      let query: Record<string, unknown> = {};
      if (route.query && coerce) {
        const parsed = route.query.safeParse(coerce(c.req.queries()));
        if (!parsed.success) throw badRequestFrom(parsed.error, "query");
        query = parsed.data as Record<string, unknown>;
      }
      const body = route.body ? await readJsonBody(c.req.raw) : {};
      // The agent tools' rule, at this surface's one entrance too: no string with a lone surrogate.
      requireWellFormedText(body, "request body");
      const params = c.req.param() as Record<string, string>;
      // After a failed WAL fsync nothing is written until a restart, here as for the agents' tools.
      if (writes && app.ledger.walFlush?.failure) throw ledgerInDoubt("Nothing was changed");
      const now = app.config.now();
      const cookie = (name: string) => getCookie(c, name);
      const out = await route.run({ app, now, body, query, params, url: c.req.url, cookie });
      if (writes) {
        await recordAdminAction(app.ledger.db, {
          at: now,
          actor,
          action: route.operationId,
          target: Object.values(params)[0] ?? createdId(out),
          details: body,
        });
      }
      // What was read may include a group's commit whose WAL flush is still under way: the owner is
      // not shown a booking that a crash could still undo, as no agent is told of one (group-commit.ts).
      // A write here committed with SQLite's own fsync, which covered every frame before it: if a
      // flush failed meanwhile, the write still stands and is answered as done.
      const failure = await durableOrFailure(app);
      if (failure && !writes) throw ledgerInDoubt("What this page would show may not be on disk");
      if (failure) app.logger.error({ err: failure }, "the ledger's write-ahead log could not be fsynced");
      return jsonBody(out, route.status);
    });
  }
}
