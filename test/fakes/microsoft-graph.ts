// A small fake of Microsoft Graph calendars and the Microsoft identity platform's v2.0 endpoints on
// node:http (127.0.0.1, random port), for running the real Graph adapter and msal-node over HTTP. It
// speaks what they rely on: /{tenant}/oauth2/v2.0/authorize (the consent, answered by redirecting
// with a code) and /token (authorization code with PKCE S256, rotating refresh tokens, invalid_grant
// for revoked ones), and under /v1.0: /me, /me/calendars, calendarView/delta (pages, delta links, 410
// SyncStateNotFound for a forgotten delta token, @removed for deletions), events created with a
// transactionId (a repeated one returns the first event) and a single-value extended property
// (findable with $filter), PATCH and DELETE, plus injected faults (429/503 with Retry-After).
import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface GraphEvent {
  id: string;
  subject: string;
  start: string;
  end: string;
  isAllDay: boolean;
  showAs: "free" | "tentative" | "busy" | "oof" | "workingElsewhere";
  isCancelled: boolean;
  transactionId: string | null;
  body: string | null;
  /** Single-value extended properties, id -> value. */
  props: Record<string, string>;
  lastModifiedDateTime: string;
}

interface Stored {
  event: GraphEvent;
  seq: number;
  deleted: boolean;
}

export interface FakeGraph {
  /** The Graph root, e.g. `http://127.0.0.1:41234` (the adapter appends /v1.0/...). */
  readonly graphUrl: string;
  /** The identity platform's root (the authority's host), e.g. `http://127.0.0.1:41234`. */
  readonly loginUrl: string;
  readonly tenant: string;
  readonly clientId: string;
  readonly calendarId: string;
  readonly ownerEmail: string;
  readonly requests: { method: string; path: string }[];
  /** Every refresh token ever issued, newest last. */
  readonly refreshTokens: string[];
  /** What the last /authorize request asked for. */
  lastAuthorize: URLSearchParams | null;
  human: {
    addEvent(subject: string, start: string, end: string, extra?: Partial<GraphEvent>): GraphEvent;
    moveEvent(id: string, start: string, end: string): void;
    deleteEvent(id: string): void;
  };
  /** Live events of the calendar. */
  events(): GraphEvent[];
  /** The next `count` API requests (not the token endpoint, unless `token`) answer `status`. */
  fail(status: number, options?: { count?: number; retryAfterSeconds?: number; token?: boolean }): void;
  /** Forgets every delta token: the next delta request with one gets 410. */
  forgetDeltaTokens(): void;
  /** Revokes every token issued so far: access tokens get 401, refresh tokens invalid_grant. */
  revokeRefreshTokens(): void;
  /** A refresh token minted directly (as if the owner had consented). */
  issueRefreshToken(): string;
  close(): Promise<void>;
}

const isoUtc = (graph: string) => new Date(graph.endsWith("Z") ? graph : `${graph}Z`).toISOString();
const graphTime = (iso: string) => `${new Date(iso).toISOString().slice(0, 19)}.0000000`;

export async function startFakeGraph(
  options: { ownerEmail?: string; tenant?: string; now?: () => number } = {},
): Promise<FakeGraph> {
  const now = options.now ?? Date.now;
  const tenant = options.tenant ?? "common";
  const ownerEmail = options.ownerEmail ?? "owner@contoso.com";
  const clientId = "00000000-0000-0000-0000-00000000c1d0";
  const calendarId = `AAMk${randomBytes(6).toString("hex")}`;
  const store = new Map<string, Stored>();
  let seq = 0;
  let deltaEpoch = 0;
  const codes = new Map<string, { challenge: string; redirectUri: string }>();
  const live = new Set<string>();
  const accessTokens = new Set<string>();
  const refreshTokens: string[] = [];
  const faults: { status: number; count: number; retryAfter?: number; token: boolean }[] = [];
  const requests: { method: string; path: string }[] = [];
  let url = "";

  const mint = () => {
    const rt = `M.R3_fake.${randomBytes(12).toString("hex")}`;
    live.add(rt);
    refreshTokens.push(rt);
    return rt;
  };
  const accessToken = () => {
    const at = `eyJ.fake-access.${randomBytes(8).toString("hex")}`;
    accessTokens.add(at);
    return at;
  };
  const idToken = () => {
    const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
    return `${part({ alg: "none", typ: "JWT" })}.${part({
      aud: clientId,
      iss: `${url}/${tenant}/v2.0`,
      iat: Math.floor(now() / 1000),
      exp: Math.floor(now() / 1000) + 3600,
      oid: "oid-1",
      tid: "tid-1",
      sub: "sub-1",
      preferred_username: ownerEmail,
      name: "Owner",
    })}.`;
  };
  const tokenResponse = (scope: string) => ({
    token_type: "Bearer",
    scope,
    expires_in: 3600,
    ext_expires_in: 3600,
    access_token: accessToken(),
    refresh_token: mint(),
    id_token: idToken(),
    client_info: Buffer.from(JSON.stringify({ uid: "oid-1", utid: "tid-1" })).toString("base64url"),
  });

  const save = (event: GraphEvent, deleted = false) => {
    seq += 1;
    event.lastModifiedDateTime = new Date(now()).toISOString();
    store.set(event.id, { event, seq, deleted });
  };
  const newEvent = (
    fields: Partial<GraphEvent> & Pick<GraphEvent, "subject" | "start" | "end">,
  ): GraphEvent => ({
    id: `AAMkEv${randomBytes(8).toString("hex")}`,
    isAllDay: false,
    showAs: "busy",
    isCancelled: false,
    transactionId: null,
    body: null,
    props: {},
    lastModifiedDateTime: "",
    ...fields,
  });
  const view = (e: GraphEvent) => ({
    id: e.id,
    subject: e.subject,
    start: { dateTime: graphTime(e.start), timeZone: "UTC" },
    end: { dateTime: graphTime(e.end), timeZone: "UTC" },
    isAllDay: e.isAllDay,
    showAs: e.showAs,
    isCancelled: e.isCancelled,
    transactionId: e.transactionId,
    type: "singleInstance",
    lastModifiedDateTime: e.lastModifiedDateTime,
    responseStatus: { response: "organizer" },
  });

  const send = (
    res: ServerResponse,
    status: number,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  };
  const graphError = (
    res: ServerResponse,
    status: number,
    code: string,
    headers: Record<string, string> = {},
  ) => send(res, status, { error: { code, message: code } }, headers);

  const readBody = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  };

  const handleToken = (res: ServerResponse, form: URLSearchParams) => {
    if (form.get("client_id") !== clientId) return send(res, 400, { error: "invalid_client" });
    const scope = form.get("scope") ?? "";
    if (form.get("grant_type") === "authorization_code") {
      const code = codes.get(form.get("code") ?? "");
      codes.delete(form.get("code") ?? "");
      const verifier = form.get("code_verifier") ?? "";
      const challenge = createHash("sha256").update(verifier).digest("base64url");
      if (!code || code.challenge !== challenge || code.redirectUri !== form.get("redirect_uri")) {
        return send(res, 400, { error: "invalid_grant", error_description: "AADSTS70008: bad code" });
      }
      return send(res, 200, tokenResponse(scope));
    }
    if (form.get("grant_type") === "refresh_token") {
      const rt = form.get("refresh_token") ?? "";
      if (!live.has(rt)) {
        return send(res, 400, {
          error: "invalid_grant",
          error_description: "AADSTS700082: The refresh token has expired or was revoked.",
          error_codes: [700082],
        });
      }
      return send(res, 200, tokenResponse(scope));
    }
    return send(res, 400, { error: "unsupported_grant_type" });
  };

  const delta = (res: ServerResponse, query: URLSearchParams) => {
    const token = query.get("$deltatoken");
    const skip = query.get("$skiptoken");
    let since = 0;
    let offset = 0;
    let startMs = Number.NEGATIVE_INFINITY;
    let endMs = Number.POSITIVE_INFINITY;
    const state = token ?? skip;
    if (state !== null) {
      const [epoch, from, start, end, at] = state.split(".").map(Number);
      if (epoch !== deltaEpoch) return graphError(res, 410, "SyncStateNotFound");
      since = from!;
      startMs = start!;
      endMs = end!;
      offset = skip !== null ? at! : 0;
    } else {
      startMs = Date.parse(query.get("startDateTime") ?? "");
      endMs = Date.parse(query.get("endDateTime") ?? "");
      if (Number.isNaN(startMs) || Number.isNaN(endMs)) return graphError(res, 400, "ErrorInvalidParameter");
    }
    const changed = [...store.values()]
      .filter((s) => s.seq > since)
      // A first round lists what exists; later rounds report deletions too.
      .filter((s) =>
        s.deleted ? since > 0 : Date.parse(s.event.end) > startMs && Date.parse(s.event.start) < endMs,
      )
      .sort((a, b) => a.seq - b.seq);
    const pageSize = 2;
    const page = changed.slice(offset, offset + pageSize);
    const value = page.map((s) =>
      s.deleted ? { id: s.event.id, "@removed": { reason: "deleted" } } : view(s.event),
    );
    const base = `${url}/v1.0/me/calendars/${calendarId}/calendarView/delta`;
    const position = `${deltaEpoch}.${since}.${startMs}.${endMs}`;
    if (offset + pageSize < changed.length) {
      return send(res, 200, {
        value,
        "@odata.nextLink": `${base}?$skiptoken=${position}.${offset + pageSize}`,
      });
    }
    return send(res, 200, {
      value,
      "@odata.deltaLink": `${base}?$deltatoken=${deltaEpoch}.${seq}.${startMs}.${endMs}`,
    });
  };

  const server = createServer(async (req, res) => {
    const target = new URL(req.url ?? "/", url);
    const path = target.pathname;
    requests.push({ method: req.method ?? "GET", path });
    const raw = await readBody(req);
    const isToken = path === `/${tenant}/oauth2/v2.0/token`;
    const fault = faults[0];
    if (fault && (fault.token || !isToken) && path !== `/${tenant}/oauth2/v2.0/authorize`) {
      fault.count -= 1;
      if (fault.count <= 0) faults.shift();
      const headers: Record<string, string> =
        fault.retryAfter === undefined ? {} : { "retry-after": String(fault.retryAfter) };
      return graphError(
        res,
        fault.status,
        fault.status === 429 ? "TooManyRequests" : "ServiceUnavailable",
        headers,
      );
    }
    if (path === `/${tenant}/oauth2/v2.0/authorize`) {
      fake.lastAuthorize = target.searchParams;
      const code = randomBytes(8).toString("hex");
      const redirect = target.searchParams.get("redirect_uri") ?? "";
      codes.set(code, { challenge: target.searchParams.get("code_challenge") ?? "", redirectUri: redirect });
      const back = new URL(redirect);
      back.searchParams.set("code", code);
      back.searchParams.set("state", target.searchParams.get("state") ?? "");
      res.writeHead(302, { location: back.href });
      return res.end();
    }
    if (isToken) return handleToken(res, new URLSearchParams(raw));
    if (!path.startsWith("/v1.0/")) return graphError(res, 404, "NotFound");
    if (!accessTokens.has((req.headers.authorization ?? "").replace(/^Bearer /, ""))) {
      return graphError(res, 401, "InvalidAuthenticationToken");
    }
    const api = path.slice("/v1.0".length);
    if (api === "/me" && req.method === "GET")
      return send(res, 200, { mail: ownerEmail, userPrincipalName: ownerEmail });
    if (api === "/me/calendars" && req.method === "GET") {
      return send(res, 200, {
        value: [
          { id: calendarId, name: "Calendar", isDefaultCalendar: true, canEdit: true },
          { id: `${calendarId}-birthdays`, name: "Birthdays", isDefaultCalendar: false, canEdit: false },
        ],
      });
    }
    if (api === `/me/calendars/${calendarId}/calendarView/delta` && req.method === "GET") {
      return delta(res, target.searchParams);
    }
    if (api === `/me/calendars/${calendarId}/events` && req.method === "GET") {
      // Only the filter the adapter sends: a single-value extended property equal to a value.
      const m =
        /singleValueExtendedProperties\/any\(ep: ep\/id eq '([^']+)' and ep\/value eq '([^']+)'\)/i.exec(
          target.searchParams.get("$filter") ?? "",
        );
      if (!m) return graphError(res, 400, "ErrorInvalidUrlQueryFilter");
      const found = [...store.values()].filter((s) => !s.deleted && s.event.props[m[1]!] === m[2]);
      return send(res, 200, { value: found.map((s) => ({ id: s.event.id })) });
    }
    if (api === `/me/calendars/${calendarId}/events` && req.method === "POST") {
      const body = JSON.parse(raw) as Record<string, any>;
      const again = [...store.values()].find(
        (s) => body.transactionId && s.event.transactionId === body.transactionId && !s.deleted,
      );
      if (again) return send(res, 201, view(again.event));
      const props = Object.fromEntries(
        ((body.singleValueExtendedProperties ?? []) as { id: string; value: string }[]).map((p) => [
          p.id,
          p.value,
        ]),
      );
      const event = newEvent({
        subject: body.subject,
        start: isoUtc(body.start.dateTime),
        end: isoUtc(body.end.dateTime),
        transactionId: body.transactionId ?? null,
        body: body.body?.content ?? null,
        showAs: body.showAs ?? "busy",
        props,
      });
      save(event);
      return send(res, 201, view(event));
    }
    const one = /^\/me\/events\/([^/]+)$/.exec(api);
    const stored = one ? store.get(decodeURIComponent(one[1]!)) : undefined;
    if (one && (!stored || stored.deleted)) return graphError(res, 404, "ErrorItemNotFound");
    if (stored && req.method === "PATCH") {
      const body = JSON.parse(raw) as Record<string, any>;
      const event = { ...stored.event };
      if (body.subject !== undefined) event.subject = body.subject;
      if (body.start) event.start = isoUtc(body.start.dateTime);
      if (body.end) event.end = isoUtc(body.end.dateTime);
      save(event);
      return send(res, 200, view(event));
    }
    if (stored && req.method === "DELETE") {
      save(stored.event, true);
      res.writeHead(204);
      return res.end();
    }
    return graphError(res, 404, "NotFound");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const fake: FakeGraph = {
    graphUrl: url,
    loginUrl: url,
    tenant,
    clientId,
    calendarId,
    ownerEmail,
    requests,
    refreshTokens,
    lastAuthorize: null,
    human: {
      addEvent(subject, start, end, extra = {}) {
        const event = newEvent({ subject, start, end, ...extra });
        save(event);
        return event;
      },
      moveEvent(id, start, end) {
        const s = store.get(id);
        if (!s) throw new Error(`no event ${id}`);
        save({ ...s.event, start, end });
      },
      deleteEvent(id) {
        const s = store.get(id);
        if (!s) throw new Error(`no event ${id}`);
        save(s.event, true);
      },
    },
    events: () => [...store.values()].filter((s) => !s.deleted).map((s) => s.event),
    fail(status, failOptions = {}) {
      faults.push({
        status,
        count: failOptions.count ?? 1,
        ...(failOptions.retryAfterSeconds === undefined ? {} : { retryAfter: failOptions.retryAfterSeconds }),
        token: failOptions.token ?? false,
      });
    },
    forgetDeltaTokens() {
      deltaEpoch += 1;
    },
    revokeRefreshTokens() {
      live.clear();
      accessTokens.clear();
    },
    issueRefreshToken: mint,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return fake;
}
