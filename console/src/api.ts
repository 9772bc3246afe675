// The console's one way to the server: the admin REST API with the session cookie, and the CSRF
// token (held in memory only, never in storage) on every write. A 401 means the session ended.

let csrfToken: string | null = null;
const signedOutListeners = new Set<() => void>();

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: readonly { field: string; message: string }[] = [],
  ) {
    super(message);
  }
}

export function onSignedOut(listener: () => void): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET" && csrfToken) headers["x-csrf-token"] = csrfToken;
  const res = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  const json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  if (!res.ok) {
    if (res.status === 401 && path !== "/console/session") {
      csrfToken = null;
      for (const listener of signedOutListeners) listener();
    }
    const details = Array.isArray(json.details) ? (json.details as { field: string; message: string }[]) : [];
    throw new ApiError(
      res.status,
      typeof json.message === "string" ? json.message : `HTTP ${res.status}`,
      details,
    );
  }
  return json as T;
}

/** Whether the browser already has a live session (a reload); picks up its CSRF token. */
export async function restoreSession(): Promise<boolean> {
  const s = await api<{ signed_in: boolean; csrf_token?: string }>("GET", "/console/session");
  csrfToken = s.csrf_token ?? null;
  return s.signed_in;
}

export async function signIn(credential: { admin_token: string } | { link: string }): Promise<void> {
  const s = await api<{ csrf_token: string }>("POST", "/console/session", credential);
  csrfToken = s.csrf_token;
}

export async function signOut(): Promise<void> {
  await api<void>("DELETE", "/console/session");
  csrfToken = null;
}

/** Query string from the defined values only. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}

// ---- wire types (the admin API's views) ------------------------------------------------------

export type {
  AgentView as Agent,
  ApiKeyView as ApiKey,
  CalendarView as Calendar,
  DecisionView as Decision,
  OwnerView as Owner,
} from "../../src/service/admin-views.js";

export interface Policy {
  default_class: string;
  classes: Record<string, { rank: number; preemptible: boolean }>;
}
