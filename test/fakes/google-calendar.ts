// A small fake of Google Calendar v3 and Google's OAuth endpoints on node:http (127.0.0.1, random
// port), for running the real googleapis adapter over HTTP. It models what the adapter relies on:
// sync tokens and paging, 410 on an invalidated token, client-supplied ids with 409 on reuse
// (deleted events keep their id), 404/410 on delete, bearer tokens from the token endpoint, the
// loopback consent redirect with PKCE, service-account JWT-bearer grants (RFC 7523, domain-wide
// delegation: the assertion's signature, subject and scope are checked), and injected faults (5xx, 429, rate-limit 403, slow replies).
// Paths are those googleapis sends under `rootUrl`: /calendar/v3/..., plus /token and /o/oauth2/v2/auth.
import { createHash, createPublicKey, type KeyObject, randomBytes, verify } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { calendar_v3 } from "@googleapis/calendar";
import { instantOfWallTime } from "../../src/core/zoned-time.js";

type GEvent = calendar_v3.Schema$Event;

export interface FakeCalendar {
  id: string;
  summary: string;
  timeZone: string;
  primary: boolean;
  /** Every event ever created, deleted ones included (status "cancelled"), by id. */
  events: Map<string, { event: GEvent; seq: number }>;
  /** Bumped on every change; a sync token is a position in this sequence. */
  seq: number;
  /** Bumped by invalidateSyncTokens(); tokens from an older epoch get 410. */
  epoch: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
}

export interface Fault {
  /** HTTP status to answer with: 500/503 (backend error), 429, or 403 (with `reason`). */
  status: number;
  /** How many matching requests fail; default 1. */
  count?: number;
  /** Sent as Retry-After (seconds). */
  retryAfterSeconds?: number;
  /** Error reason in the body; default by status (403 -> "rateLimitExceeded"). */
  reason?: string;
  /** Which requests it hits; default "api" (the Calendar API, not the token endpoint). */
  target?: "api" | "token" | "any";
}

interface Code {
  challenge: string;
  method: string;
  redirectUri: string;
  scope: string;
}

export interface FakeGoogle {
  /** The `rootUrl` for googleapis, e.g. `http://127.0.0.1:41234/`. */
  url: string;
  tokenUrl: string;
  authUrl: string;
  clientId: string;
  clientSecret: string;
  primaryCalendarId: string;
  calendars: Map<string, FakeCalendar>;
  /** Every request received, in order (path decoded, without the query). */
  requests: RecordedRequest[];
  /** The query of the last consent-page request. */
  lastAuthRequest: URLSearchParams | null;
  close(): Promise<void>;

  issueRefreshToken(scope?: string): string;
  /**
   * Registers a service account (its public key) with domain-wide delegation for `subjects`: a
   * JWT-bearer grant signed by its private key and asserting one of them gets an access token.
   */
  addServiceAccount(account: {
    clientEmail: string;
    publicKey: string | KeyObject;
    subjects: string[];
  }): void;
  /** Access tokens issued to service accounts, by subject (in order). */
  serviceAccountTokens(): { clientEmail: string; subject: string }[];
  revokeRefreshToken(refreshToken: string): void;
  /** Forgets every access token (as if revoked server-side); refresh tokens stay good. */
  expireAccessTokens(): void;
  /** What the consent page does next: grant (optionally a narrower scope) or deny. */
  setConsent(outcome: { deny: true } | { scope: string } | "grant"): void;

  failNext(fault: Fault): void;
  /** Holds the next `count` API responses for `ms` milliseconds. */
  delayNext(ms: number, count?: number): void;
  /** Makes every sync token of the calendar (default: all calendars) answer 410. */
  invalidateSyncTokens(calendarId?: string): void;

  addCalendar(calendar: { id: string; summary?: string; timeZone?: string; primary?: boolean }): FakeCalendar;
  /** The calendar's events as Google would GET them; deleted ones only with `includeDeleted`. */
  events(calendarId?: string, options?: { includeDeleted?: boolean }): GEvent[];
  /** Edits as the calendar's human owner makes them in Google's UI. */
  human: HumanEdits;
}

export interface HumanEdits {
  /** Any event in Google's shape; the id is generated when absent. */
  addEvent(calendarId: string, event: GEvent): GEvent;
  addTimed(calendarId: string, summary: string, start: string, end: string, extra?: GEvent): GEvent;
  /** `endDate` is exclusive, as in Google: a one-day event on 2026-03-08 ends "2026-03-09". */
  addAllDay(calendarId: string, summary: string, startDate: string, endDate: string, extra?: GEvent): GEvent;
  /** A recurring series as Google returns it with singleEvents=true: one instance per span. */
  addRecurring(calendarId: string, summary: string, instances: [start: string, end: string][]): GEvent[];
  /** An invitation the owner declined. */
  addDeclined(calendarId: string, summary: string, start: string, end: string): GEvent;
  move(calendarId: string, eventId: string, start: string, end: string): GEvent;
  update(calendarId: string, eventId: string, fields: GEvent): GEvent;
  remove(calendarId: string, eventId: string): void;
}

const BASE32HEX = "0123456789abcdefghijklmnopqrstuv";
const EVENT_ID = /^[a-v0-9]{5,1024}$/;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(`HTTP ${status}`);
  }
}

function googleError(status: number, reason: string, message: string, domain = "global"): HttpError {
  return new HttpError(status, { error: { errors: [{ domain, reason, message }], code: status, message } });
}

function randomId(length = 26): string {
  return [...randomBytes(length)].map((b) => BASE32HEX[b & 31]).join("");
}

function encodeToken(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

function decodeToken<T>(token: string): T | null {
  try {
    return JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as T;
  } catch {
    return null;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Google's patch semantics: objects merge field by field, arrays and scalars replace. */
function merge(target: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    const current = out[key];
    out[key] = isPlainObject(value) && isPlainObject(current) ? merge(current, value) : value;
  }
  return out;
}

function dateParts(date: string): [number, number, number] {
  const [y, m, d] = date.split("-").map(Number);
  return [y ?? 1970, m ?? 1, d ?? 1];
}

/** [start, end) of an event in epoch ms; all-day dates are midnights in the calendar's zone. */
function spanOf(event: GEvent, timeZone: string): [number, number] | null {
  const at = (t: calendar_v3.Schema$EventDateTime | undefined): number | null => {
    if (t?.dateTime) return Date.parse(t.dateTime);
    if (t?.date) return instantOfWallTime(timeZone, ...dateParts(t.date), 0);
    return null;
  };
  const start = at(event.start);
  const end = at(event.end);
  return start === null || end === null || Number.isNaN(start) || Number.isNaN(end) ? null : [start, end];
}

function busyForFreeBusy(event: GEvent): boolean {
  return (
    event.status !== "cancelled" &&
    event.transparency !== "transparent" &&
    !(event.attendees ?? []).some((a) => a.self && a.responseStatus === "declined")
  );
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.writableEnded) return;
  if (status === 204) {
    res.writeHead(204, headers).end();
    return;
  }
  res.writeHead(status, { "content-type": "application/json; charset=UTF-8", ...headers });
  res.end(JSON.stringify(body));
}

interface ListContext {
  cal: string;
  epoch: number;
  from: number;
  to: number;
  after: string;
  showDeleted: boolean;
  timeMin: number | null;
  timeMax: number | null;
  max: number;
}

export async function startFakeGoogle(
  options: { ownerEmail?: string; timeZone?: string; now?: () => number } = {},
): Promise<FakeGoogle> {
  const ownerEmail = options.ownerEmail ?? "owner@example.com";
  const now = options.now ?? Date.now;
  const clientId = "fake-client-id.apps.googleusercontent.com";
  const clientSecret = "fake-client-secret";
  const calendars = new Map<string, FakeCalendar>();
  const refreshTokens = new Map<string, { scope: string; revoked: boolean }>();
  const accessTokens = new Map<string, string>(); // access token -> refresh token, or `sa:<email>:<subject>`
  const serviceAccounts = new Map<string, { publicKey: KeyObject; subjects: Set<string> }>();
  const saIssued: { clientEmail: string; subject: string }[] = [];
  const codes = new Map<string, Code>();
  const faults: Fault[] = [];
  const delays: { ms: number; count: number }[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const requests: RecordedRequest[] = [];
  let consent: { deny: true } | { scope: string } | "grant" = "grant";
  let lastAuthRequest: URLSearchParams | null = null;

  const nowIso = () => new Date(now()).toISOString();

  function addCalendar(c: {
    id: string;
    summary?: string;
    timeZone?: string;
    primary?: boolean;
  }): FakeCalendar {
    const cal: FakeCalendar = {
      id: c.id,
      summary: c.summary ?? c.id,
      timeZone: c.timeZone ?? options.timeZone ?? "America/New_York",
      primary: c.primary ?? false,
      events: new Map(),
      seq: 0,
      epoch: 0,
    };
    calendars.set(c.id, cal);
    return cal;
  }
  addCalendar({ id: ownerEmail, summary: ownerEmail, primary: true });

  function calendarOf(id: string): FakeCalendar {
    const resolved = id === "primary" ? ownerEmail : id;
    const cal = calendars.get(resolved);
    if (!cal) throw googleError(404, "notFound", "Not Found");
    return cal;
  }

  /** The event as Google returns it; a deleted event in a listing is only its id and status. */
  function view(event: GEvent, listing: boolean): GEvent {
    if (listing && event.status === "cancelled") {
      const { kind, etag, id, status, updated, recurringEventId, originalStartTime } = event;
      return {
        kind,
        etag,
        id,
        status,
        updated,
        ...(recurringEventId ? { recurringEventId, originalStartTime } : {}),
      };
    }
    return structuredClone(event);
  }

  function validate(event: GEvent, cal: FakeCalendar): void {
    const span = spanOf(event, cal.timeZone);
    if (!span) throw googleError(400, "required", "Missing end time.");
    if (span[0] >= span[1]) throw googleError(400, "timeRangeEmpty", "The specified time range is empty.");
    for (const a of event.attendees ?? []) {
      if (!a.email?.includes("@")) throw googleError(400, "invalid", "Invalid attendee email.");
    }
  }

  function store(cal: FakeCalendar, event: GEvent): GEvent {
    cal.seq += 1;
    event.updated = nowIso();
    event.etag = `"${cal.seq}"`;
    cal.events.set(event.id!, { event, seq: cal.seq });
    return event;
  }

  /** `serverSide`: an event Google itself creates (a human's, a recurring instance), whose id is not checked. */
  function insert(cal: FakeCalendar, body: GEvent, serverSide = false): GEvent {
    const id = body.id ?? randomId();
    if (!serverSide && !EVENT_ID.test(id)) throw googleError(400, "invalid", "Invalid resource id value.");
    if (cal.events.has(id)) throw googleError(409, "duplicate", "The requested identifier already exists.");
    validate(body, cal);
    const created = nowIso();
    return store(cal, {
      kind: "calendar#event",
      status: "confirmed",
      ...structuredClone(body),
      id,
      created,
      iCalUID: `${id}@google.com`,
      htmlLink: `https://www.google.com/calendar/event?eid=${id}`,
      organizer: { email: cal.id, self: true },
      creator: { email: ownerEmail, self: true },
      sequence: 0,
    });
  }

  function existing(cal: FakeCalendar, eventId: string): GEvent {
    const found = cal.events.get(eventId);
    if (!found) throw googleError(404, "notFound", "Not Found");
    return found.event;
  }

  function modify(cal: FakeCalendar, eventId: string, body: GEvent, replace: boolean): GEvent {
    const old = existing(cal, eventId);
    const fixed = {
      kind: old.kind,
      id: old.id,
      created: old.created,
      iCalUID: old.iCalUID,
      htmlLink: old.htmlLink,
      organizer: old.organizer,
      creator: old.creator,
    };
    const next = replace
      ? { status: "confirmed", ...structuredClone(body), ...fixed }
      : {
          ...(merge(
            old as Record<string, unknown>,
            structuredClone(body) as Record<string, unknown>,
          ) as GEvent),
          ...fixed,
        };
    validate(next, cal);
    next.sequence = (old.sequence ?? 0) + 1;
    return store(cal, next);
  }

  function remove(cal: FakeCalendar, eventId: string): void {
    const old = existing(cal, eventId);
    if (old.status === "cancelled") throw googleError(410, "deleted", "Resource has been deleted");
    store(cal, { ...old, status: "cancelled" });
  }

  function list(cal: FakeCalendar, query: URLSearchParams): calendar_v3.Schema$Events {
    let ctx: ListContext;
    const pageToken = query.get("pageToken");
    const syncToken = query.get("syncToken");
    const max = Math.min(Math.max(Number(query.get("maxResults") ?? 250) || 250, 1), 2500);
    if (pageToken) {
      const decoded = decodeToken<ListContext>(pageToken);
      if (!decoded || decoded.cal !== cal.id) throw googleError(400, "invalid", "Invalid page token value.");
      ctx = decoded;
    } else if (syncToken) {
      for (const banned of ["timeMin", "timeMax", "updatedMin", "q", "orderBy", "iCalUID"]) {
        if (query.has(banned)) throw googleError(400, "invalid", `Sync token cannot be used with ${banned}.`);
      }
      if (query.get("showDeleted") === "false") {
        throw googleError(400, "invalid", "showDeleted=false is not allowed with a sync token.");
      }
      const decoded = decodeToken<{ cal: string; epoch: number; seq: number }>(syncToken);
      if (!decoded || decoded.cal !== cal.id || decoded.epoch !== cal.epoch) {
        throw googleError(410, "fullSyncRequired", "Sync token is no longer valid, a full sync is required.");
      }
      ctx = {
        cal: cal.id,
        epoch: cal.epoch,
        from: decoded.seq,
        to: cal.seq,
        after: "",
        showDeleted: true,
        timeMin: null,
        timeMax: null,
        max,
      };
    } else {
      const bound = (name: string) => (query.has(name) ? Date.parse(query.get(name)!) : null);
      ctx = {
        cal: cal.id,
        epoch: cal.epoch,
        from: 0,
        to: cal.seq,
        after: "",
        showDeleted: query.get("showDeleted") === "true",
        timeMin: bound("timeMin"),
        timeMax: bound("timeMax"),
        max,
      };
    }
    const matching = [...cal.events.values()]
      .filter(({ event, seq }) => {
        if (seq <= ctx.from || seq > ctx.to || event.id! <= ctx.after) return false;
        if (!ctx.showDeleted && event.status === "cancelled") return false;
        const span = spanOf(event, cal.timeZone);
        if (span && ctx.timeMin !== null && span[1] <= ctx.timeMin) return false;
        if (span && ctx.timeMax !== null && span[0] >= ctx.timeMax) return false;
        return true;
      })
      .map(({ event }) => event)
      .sort((a, b) => (a.id! < b.id! ? -1 : 1));
    const items = matching.slice(0, ctx.max);
    const more = matching.length > ctx.max;
    return {
      kind: "calendar#events",
      summary: cal.summary,
      timeZone: cal.timeZone,
      updated: nowIso(),
      items: items.map((e) => view(e, true)),
      ...(more
        ? { nextPageToken: encodeToken({ ...ctx, after: items.at(-1)!.id! }) }
        : { nextSyncToken: encodeToken({ cal: cal.id, epoch: ctx.epoch, seq: ctx.to }) }),
    };
  }

  function calendarList(query: URLSearchParams): calendar_v3.Schema$CalendarList {
    const max = Math.min(Math.max(Number(query.get("maxResults") ?? 100) || 100, 1), 250);
    const offset = Number(query.get("pageToken") ?? 0);
    const all = [...calendars.values()];
    const page = all.slice(offset, offset + max);
    return {
      kind: "calendar#calendarList",
      items: page.map((c) => ({
        kind: "calendar#calendarListEntry",
        id: c.id,
        summary: c.summary,
        timeZone: c.timeZone,
        accessRole: "owner",
        ...(c.primary ? { primary: true } : {}),
      })),
      ...(offset + max < all.length
        ? { nextPageToken: String(offset + max) }
        : { nextSyncToken: "calendar-list" }),
    };
  }

  function freeBusy(body: calendar_v3.Schema$FreeBusyRequest): calendar_v3.Schema$FreeBusyResponse {
    const timeMin = Date.parse(body.timeMin ?? "");
    const timeMax = Date.parse(body.timeMax ?? "");
    if (Number.isNaN(timeMin) || Number.isNaN(timeMax) || timeMin >= timeMax) {
      throw googleError(400, "timeRangeEmpty", "The specified time range is empty.");
    }
    const result: Record<string, calendar_v3.Schema$FreeBusyCalendar> = {};
    for (const { id } of body.items ?? []) {
      if (!id) continue;
      const cal = calendars.get(id === "primary" ? ownerEmail : id);
      if (!cal) {
        result[id] = { errors: [{ domain: "global", reason: "notFound" }], busy: [] };
        continue;
      }
      const busy = [...cal.events.values()]
        .map(({ event }) => event)
        .filter(busyForFreeBusy)
        .map((e) => spanOf(e, cal.timeZone))
        .filter((s): s is [number, number] => s !== null && s[1] > timeMin && s[0] < timeMax)
        .sort((a, b) => a[0] - b[0])
        .map(([s, e]) => ({
          start: new Date(Math.max(s, timeMin)).toISOString(),
          end: new Date(Math.min(e, timeMax)).toISOString(),
        }));
      result[id] = { busy };
    }
    return { kind: "calendar#freeBusy", timeMin: body.timeMin!, timeMax: body.timeMax!, calendars: result };
  }

  /** The JWT-bearer grant: a service account's signed assertion, acting as `sub`. */
  function jwtBearer(form: URLSearchParams): unknown {
    const invalidGrant = (why: string) =>
      new HttpError(400, { error: "invalid_grant", error_description: why });
    const parts = (form.get("assertion") ?? "").split(".");
    if (parts.length !== 3) throw invalidGrant("Invalid JWT: malformed assertion.");
    const [h, p, sig] = parts as [string, string, string];
    const header = decodeToken<{ alg?: string }>(h);
    const claims = decodeToken<{
      iss?: string;
      sub?: string;
      scope?: string;
      aud?: string;
      exp?: number;
      iat?: number;
    }>(p);
    if (header?.alg !== "RS256" || !claims) throw invalidGrant("Invalid JWT: unsupported header or payload.");
    const account = serviceAccounts.get(claims.iss ?? "");
    if (!account)
      throw new HttpError(401, {
        error: "invalid_client",
        error_description: "The OAuth client was not found.",
      });
    const signed = verify(
      "RSA-SHA256",
      Buffer.from(`${h}.${p}`),
      account.publicKey,
      Buffer.from(sig, "base64url"),
    );
    if (!signed) throw invalidGrant("Invalid JWT Signature.");
    // The library signs with the wall clock, not the test clock.
    const wall = Math.floor(Date.now() / 1000);
    if (typeof claims.exp !== "number" || claims.exp < wall || (claims.iat ?? 0) > wall + 300) {
      throw invalidGrant("Invalid JWT: Token must be a short-lived token and in a reasonable timeframe.");
    }
    if (claims.aud !== "https://oauth2.googleapis.com/token" && claims.aud !== `${base}/token`) {
      throw invalidGrant("Invalid JWT: aud is not the token endpoint.");
    }
    const scopes = (claims.scope ?? "").split(" ");
    if (!scopes.includes("https://www.googleapis.com/auth/calendar")) {
      throw invalidGrant("Invalid JWT: the calendar scope is not requested.");
    }
    const subject = claims.sub ?? "";
    if (!account.subjects.has(subject.toLowerCase())) {
      throw invalidGrant("Not a valid email or user ID, or the service account is not authorized for it.");
    }
    const access = `ya29.fake-sa-${randomId(20)}`;
    accessTokens.set(access, `sa:${claims.iss}:${subject}`);
    saIssued.push({ clientEmail: claims.iss!, subject });
    return { access_token: access, expires_in: 3599, token_type: "Bearer" };
  }

  function token(form: URLSearchParams): unknown {
    if (form.get("grant_type") === "urn:ietf:params:oauth:grant-type:jwt-bearer") return jwtBearer(form);
    if (form.get("client_id") !== clientId || form.get("client_secret") !== clientSecret) {
      throw new HttpError(401, {
        error: "invalid_client",
        error_description: "The OAuth client was not found.",
      });
    }
    const invalidGrant = (why: string) =>
      new HttpError(400, { error: "invalid_grant", error_description: why });
    const grant = form.get("grant_type");
    if (grant === "refresh_token") {
      const refresh = form.get("refresh_token") ?? "";
      const entry = refreshTokens.get(refresh);
      if (!entry || entry.revoked) throw invalidGrant("Token has been expired or revoked.");
      const access = `ya29.fake-${randomId(20)}`;
      accessTokens.set(access, refresh);
      return { access_token: access, expires_in: 3599, scope: entry.scope, token_type: "Bearer" };
    }
    if (grant === "authorization_code") {
      const code = codes.get(form.get("code") ?? "");
      if (!code) throw invalidGrant("Malformed auth code.");
      codes.delete(form.get("code")!);
      if (form.get("redirect_uri") !== code.redirectUri) throw invalidGrant("Bad Request");
      const verifier = form.get("code_verifier") ?? "";
      const challenge =
        code.method === "S256" ? createHash("sha256").update(verifier).digest("base64url") : verifier;
      if (challenge !== code.challenge) throw invalidGrant("Invalid code verifier.");
      const refresh = issueRefreshToken(code.scope);
      const access = `ya29.fake-${randomId(20)}`;
      accessTokens.set(access, refresh);
      return {
        access_token: access,
        refresh_token: refresh,
        expires_in: 3599,
        scope: code.scope,
        token_type: "Bearer",
      };
    }
    throw new HttpError(400, {
      error: "unsupported_grant_type",
      error_description: `Invalid grant_type: ${grant}`,
    });
  }

  function consentRedirect(query: URLSearchParams): string {
    lastAuthRequest = query;
    const redirectUri = query.get("redirect_uri") ?? "";
    if (query.get("client_id") !== clientId || !/^http:\/\/127\.0\.0\.1:\d+\//.test(redirectUri)) {
      throw new HttpError(400, { error: "redirect_uri_mismatch" });
    }
    const target = new URL(redirectUri);
    const state = query.get("state");
    if (state !== null) target.searchParams.set("state", state);
    if (typeof consent === "object" && "deny" in consent) {
      target.searchParams.set("error", "access_denied");
      return target.href;
    }
    const scope = typeof consent === "object" ? consent.scope : (query.get("scope") ?? "");
    const code = `4/fake-${randomId(24)}`;
    codes.set(code, {
      challenge: query.get("code_challenge") ?? "",
      method: query.get("code_challenge_method") ?? "plain",
      redirectUri,
      scope,
    });
    target.searchParams.set("code", code);
    target.searchParams.set("scope", scope);
    return target.href;
  }

  function authorize(req: IncomingMessage): void {
    const match = /^Bearer (.+)$/.exec(req.headers.authorization ?? "");
    const refresh = match ? accessTokens.get(match[1]!) : undefined;
    if (refresh?.startsWith("sa:")) {
      // A delegated token stays good while the delegation does.
      const [, email = "", subject = ""] = refresh.split(":");
      if (serviceAccounts.get(email)?.subjects.has(subject.toLowerCase())) return;
      throw googleError(401, "authError", "Invalid Credentials");
    }
    if (refresh === undefined || refreshTokens.get(refresh)?.revoked !== false) {
      throw googleError(401, "authError", "Invalid Credentials");
    }
  }

  function takeFault(target: "api" | "token"): HttpError | null {
    const index = faults.findIndex((f) => (f.target ?? "api") === target || f.target === "any");
    if (index < 0) return null;
    const fault = faults[index]!;
    fault.count = (fault.count ?? 1) - 1;
    if (fault.count <= 0) faults.splice(index, 1);
    const headers: Record<string, string> =
      fault.retryAfterSeconds === undefined ? {} : { "retry-after": String(fault.retryAfterSeconds) };
    if (target === "token") return new HttpError(fault.status, { error: "server_error" }, headers);
    const reason =
      fault.reason ?? (fault.status === 403 || fault.status === 429 ? "rateLimitExceeded" : "backendError");
    const err = googleError(
      fault.status,
      reason,
      reason === "backendError" ? "Backend Error" : "Rate Limit Exceeded",
    );
    return new HttpError(err.status, err.body, headers);
  }

  async function route(
    req: IncomingMessage,
    url: URL,
    raw: string,
  ): Promise<[number, unknown, Record<string, string>?]> {
    const method = req.method ?? "GET";
    const path = url.pathname;
    if (path === "/o/oauth2/v2/auth" && method === "GET") {
      return [302, "", { location: consentRedirect(url.searchParams) }];
    }
    if (path === "/token" && method === "POST") {
      const fault = takeFault("token");
      if (fault) throw fault;
      return [200, token(new URLSearchParams(raw))];
    }
    if (!path.startsWith("/calendar/v3/")) throw googleError(404, "notFound", "Not Found");
    const fault = takeFault("api");
    if (fault) throw fault;
    authorize(req);
    const body = raw === "" ? {} : (JSON.parse(raw) as unknown);
    const q = url.searchParams;
    if (path === "/calendar/v3/users/me/calendarList" && method === "GET") return [200, calendarList(q)];
    if (path === "/calendar/v3/freeBusy" && method === "POST") {
      return [200, freeBusy(body as calendar_v3.Schema$FreeBusyRequest)];
    }
    const m = /^\/calendar\/v3\/calendars\/([^/]+)\/events(?:\/([^/]+))?$/.exec(path);
    if (!m) throw googleError(404, "notFound", "Not Found");
    const cal = calendarOf(decodeURIComponent(m[1]!));
    const eventId = m[2] === undefined ? undefined : decodeURIComponent(m[2]);
    if (eventId === undefined) {
      if (method === "GET") return [200, list(cal, q)];
      if (method === "POST") return [200, view(insert(cal, body as GEvent), false)];
    } else {
      if (method === "GET") return [200, view(existing(cal, eventId), false)];
      if (method === "PATCH") return [200, view(modify(cal, eventId, body as GEvent, false), false)];
      if (method === "PUT") return [200, view(modify(cal, eventId, body as GEvent, true), false)];
      if (method === "DELETE") {
        remove(cal, eventId);
        return [204, ""];
      }
    }
    throw googleError(405, "methodNotAllowed", "Method Not Allowed");
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });
  }

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const raw = await readBody(req);
      let body: unknown = raw;
      try {
        body = raw === "" ? undefined : JSON.parse(raw);
      } catch {
        body = Object.fromEntries(new URLSearchParams(raw));
      }
      requests.push({
        method: req.method ?? "GET",
        path: decodeURIComponent(url.pathname),
        query: Object.fromEntries(url.searchParams),
        body,
      });
      const delay = url.pathname.startsWith("/calendar/v3/") ? delays[0] : undefined;
      if (delay) {
        delay.count -= 1;
        if (delay.count <= 0) delays.shift();
        await sleep(delay.ms);
      }
      try {
        const [status, out, headers] = await route(req, url, raw);
        if (status === 302) res.writeHead(302, headers).end();
        else send(res, status, out, headers);
      } catch (err) {
        if (err instanceof HttpError) send(res, err.status, err.body, err.headers);
        else send(res, 500, { error: { code: 500, message: String(err) } });
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;

  function issueRefreshToken(scope = "https://www.googleapis.com/auth/calendar"): string {
    const refresh = `1//fake-${randomId(32)}`;
    refreshTokens.set(refresh, { scope, revoked: false });
    return refresh;
  }

  const human: HumanEdits = {
    addEvent: (calendarId, event) => structuredClone(insert(calendarOf(calendarId), event, true)),
    addTimed: (calendarId, summary, start, end, extra = {}) =>
      human.addEvent(calendarId, { summary, start: { dateTime: start }, end: { dateTime: end }, ...extra }),
    addAllDay: (calendarId, summary, startDate, endDate, extra = {}) =>
      human.addEvent(calendarId, {
        summary,
        start: { date: startDate },
        end: { date: endDate },
        transparency: "opaque",
        ...extra,
      }),
    addRecurring: (calendarId, summary, instances) => {
      const series = randomId();
      return instances.map(([start, end]) =>
        human.addEvent(calendarId, {
          // Google's instance ids: `<series>_<original start, basic ISO format>`.
          id: `${series}_${new Date(start).toISOString().replace(/[-:]|\.\d+/g, "")}`,
          summary,
          start: { dateTime: start },
          end: { dateTime: end },
          recurringEventId: series,
          originalStartTime: { dateTime: start },
        }),
      );
    },
    addDeclined: (calendarId, summary, start, end) =>
      human.addTimed(calendarId, summary, start, end, {
        attendees: [
          { email: "boss@example.com", organizer: true, responseStatus: "accepted" },
          { email: calendarOf(calendarId).id, self: true, responseStatus: "declined" },
        ],
      }),
    move: (calendarId, eventId, start, end) =>
      structuredClone(
        modify(
          calendarOf(calendarId),
          eventId,
          { start: { dateTime: start }, end: { dateTime: end } },
          false,
        ),
      ),
    update: (calendarId, eventId, fields) =>
      structuredClone(modify(calendarOf(calendarId), eventId, fields, false)),
    remove: (calendarId, eventId) => remove(calendarOf(calendarId), eventId),
  };

  return {
    url: `${base}/`,
    tokenUrl: `${base}/token`,
    authUrl: `${base}/o/oauth2/v2/auth`,
    clientId,
    clientSecret,
    primaryCalendarId: ownerEmail,
    calendars,
    requests,
    get lastAuthRequest() {
      return lastAuthRequest;
    },
    close: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    issueRefreshToken,
    addServiceAccount: ({ clientEmail, publicKey, subjects }) => {
      serviceAccounts.set(clientEmail, {
        publicKey: typeof publicKey === "string" ? createPublicKey(publicKey) : publicKey,
        subjects: new Set(subjects.map((s) => s.toLowerCase())),
      });
    },
    serviceAccountTokens: () => saIssued.map((t) => ({ ...t })),
    revokeRefreshToken: (refresh) => {
      const entry = refreshTokens.get(refresh);
      if (entry) entry.revoked = true;
    },
    expireAccessTokens: () => accessTokens.clear(),
    setConsent: (outcome) => {
      consent = outcome;
    },
    failNext: (fault) => faults.push({ count: 1, target: "api", ...fault }),
    delayNext: (ms, count = 1) => delays.push({ ms, count }),
    invalidateSyncTokens: (calendarId) => {
      for (const cal of calendars.values())
        if (calendarId === undefined || cal.id === calendarId) cal.epoch += 1;
    },
    addCalendar,
    events: (calendarId = ownerEmail, opts = {}) =>
      [...calendarOf(calendarId).events.values()]
        .map(({ event }) => structuredClone(event))
        .filter((e) => opts.includeDeleted || e.status !== "cancelled"),
    human,
  };
}
