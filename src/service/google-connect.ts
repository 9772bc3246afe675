// Connecting an owner's Google account (`openavail connect google`): the installed-app OAuth consent
// on a loopback port, or a Workspace service account with domain-wide delegation impersonating the
// owner. The grant (refresh token, or service account key) is then stored and the chosen calendars
// attached by provider-connect.ts, as for every provider.
import { ProviderError } from "../providers/calendar-provider.js";
import type { LoopbackOAuthResult } from "../providers/google/oauth-loopback.js";
import { OpenavailError } from "./errors.js";
import {
  type AttachedCalendar,
  type AttachInput,
  attachProviderGrant,
  type CalendarChoice,
  type ConnectResult,
  checkCalendarType as checkType,
} from "./provider-connect.js";
import {
  createProviderRegistry,
  encodeGoogleGrant,
  type GoogleClientConfig,
  type GoogleEndpoints,
  type GoogleGrant,
  googleProviderFor,
  type ProviderRegistry,
} from "./provider-registry.js";

export type { AttachedCalendar, CalendarChoice, ConnectResult };

/** `GOOGLE_CAL_ID=TYPE` (split at the last `=`; ids never end in one). */
export function parseCalendarChoice(text: string): CalendarChoice {
  const at = text.lastIndexOf("=");
  const externalId = at < 0 ? "" : text.slice(0, at).trim();
  const calendarType = at < 0 ? "" : text.slice(at + 1).trim();
  if (externalId === "" || calendarType === "") {
    throw new OpenavailError(
      "bad_request",
      `--calendar takes GOOGLE_CALENDAR_ID=TYPE (e.g. primary=work), got "${text}".`,
      { details: [{ field: "calendar", message: "expected GOOGLE_CALENDAR_ID=TYPE" }] },
    );
  }
  return { externalId, calendarType: checkType(calendarType) };
}

export interface ConsentOptions {
  /** Pre-fills Google's account chooser. */
  readonly loginHint?: string;
  /** How long to wait for the browser; default 5 minutes. */
  readonly timeoutMs?: number;
  /** Called with the consent URL the owner must open (nothing is opened automatically). */
  readonly onAuthUrl: (authUrl: string, redirectUri: string) => void;
}

/** Runs the loopback consent and resolves with the owner's refresh token. */
export async function runGoogleConsent(
  google: GoogleClientConfig,
  options: ConsentOptions,
): Promise<LoopbackOAuthResult> {
  // Google's client libraries load only when a connection is actually made (start-up cost).
  const { startLoopbackOAuth } = await import("../providers/google/oauth-loopback.js");
  const session = await startLoopbackOAuth({
    clientId: google.clientId,
    clientSecret: google.clientSecret,
    ...(google.authUrl === undefined ? {} : { authUrl: google.authUrl }),
    ...(google.tokenUrl === undefined ? {} : { tokenUrl: google.tokenUrl }),
    ...(options.loginHint === undefined ? {} : { loginHint: options.loginHint }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
  try {
    options.onAuthUrl(session.authUrl, session.redirectUri);
    return await session.result;
  } finally {
    session.close();
  }
}

export interface AttachGoogleInput extends AttachInput {
  readonly google: GoogleClientConfig;
  readonly refreshToken: string;
  /** The resolver for the first sync; default a fresh registry over `db`. */
  readonly registry?: ProviderRegistry;
}

/**
 * Stores the grant (refresh token sealed with the owner id as context) and attaches the chosen
 * calendars; creates the owner, in the primary calendar's time zone, when it does not exist yet.
 * A calendar type the owner already has is reconnected when it is the same Google calendar,
 * converted when it is a local calendar (its confirmed future bookings are queued for Google), and
 * refused when it is another Google calendar.
 */
export async function attachGoogleAccount(input: AttachGoogleInput): Promise<ConnectResult> {
  return attachGrant(input, input.google, { kind: "refresh_token", refreshToken: input.refreshToken });
}

/** A service account key file's fields Openavail uses (the JSON Google Cloud Console downloads). */
export interface ServiceAccountKey {
  readonly clientEmail: string;
  readonly privateKey: string;
}

/**
 * Reads a service account key file's text: JSON with `type` "service_account", `client_email` and
 * `private_key` (PEM). Errors name the field, and never quote the key.
 */
export function parseServiceAccountKey(text: string, source = "the service account key"): ServiceAccountKey {
  const bad = (field: string, message: string) =>
    new OpenavailError("bad_request", `${source}: ${field} ${message}.`, {
      details: [{ field, message }],
    });
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new OpenavailError(
      "bad_request",
      `${source} is not JSON (expected a Google service account key file).`,
      {
        details: [{ field: "service_account", message: "not JSON" }],
      },
    );
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw bad("service_account", "must be a JSON object");
  }
  const key = data as Record<string, unknown>;
  if (key["type"] !== "service_account") {
    throw bad("type", `must be "service_account" (got ${JSON.stringify(key["type"] ?? null)})`);
  }
  const email = key["client_email"];
  if (typeof email !== "string" || !/^[^\s@]+@[^\s@]+$/.test(email.trim())) {
    throw bad("client_email", "must be the service account's email address");
  }
  const privateKey = key["private_key"];
  if (typeof privateKey !== "string" || !/-----BEGIN (RSA )?PRIVATE KEY-----/.test(privateKey)) {
    throw bad("private_key", "must be a PEM private key");
  }
  return { clientEmail: email.trim(), privateKey };
}

export interface AttachServiceAccountInput extends Omit<AttachGoogleInput, "refreshToken" | "google"> {
  /** Where Google is (the OAuth client, when one is configured, is not used). */
  readonly google: GoogleEndpoints;
  /** A key of a service account with domain-wide delegation for the Calendar scope. */
  readonly serviceAccount: ServiceAccountKey;
}

/**
 * Connects an owner through a Workspace service account with domain-wide delegation: the account
 * acts as the owner (JWT `sub` = the owner's email), so no browser consent is involved. The key is
 * sealed as the credential's grant; the rest is {@link attachGoogleAccount}.
 */
export async function connectGoogleServiceAccount(input: AttachServiceAccountInput): Promise<ConnectResult> {
  for (const c of input.calendars) checkType(c.calendarType);
  const subject = input.ownerEmail.trim().toLowerCase();
  const grant: GoogleGrant = {
    kind: "service_account",
    clientEmail: input.serviceAccount.clientEmail,
    privateKey: input.serviceAccount.privateKey,
    subject,
  };
  try {
    return await attachGrant(input, input.google, grant);
  } catch (err) {
    if (err instanceof ProviderError && err.kind === "auth_revoked") {
      throw new OpenavailError(
        "forbidden",
        `Google refused service account ${grant.clientEmail} acting as ${subject} (${err.message}). ` +
          "In the Workspace admin console (Security > API controls > Domain-wide delegation), grant the " +
          "service account's client ID the scope https://www.googleapis.com/auth/calendar, and check " +
          `that ${subject} is a user of that domain.`,
      );
    }
    throw err;
  }
}

async function attachGrant(
  input: Omit<AttachGoogleInput, "refreshToken" | "google">,
  endpoints: GoogleEndpoints & { readonly clientId?: string; readonly clientSecret?: string },
  grant: GoogleGrant,
): Promise<ConnectResult> {
  const provider = await googleProviderFor(grant, endpoints, input.now);
  const available = await provider.listCalendars();
  const registry =
    input.registry ??
    createProviderRegistry({
      db: input.db,
      secretBox: input.secretBox,
      google:
        "clientId" in endpoints && "clientSecret" in endpoints ? (endpoints as GoogleClientConfig) : null,
      googleEndpoints: endpoints,
      now: input.now,
    });
  // The kind of grant lives in the sealed payload (see GoogleGrant): no schema change. Reconnecting
  // the same account with the other kind replaces the grant in place.
  return attachProviderGrant(
    input,
    {
      kind: "google",
      sealed: encodeGoogleGrant(grant),
      account: available.find((c) => c.primary)?.id ?? null,
      available,
    },
    registry,
  );
}

export interface ConnectGoogleInput extends Omit<AttachGoogleInput, "refreshToken">, ConsentOptions {}

/** The whole connect: consent in the browser, then {@link attachGoogleAccount}. */
export async function connectGoogle(input: ConnectGoogleInput): Promise<ConnectResult> {
  // Refuse bad choices before sending the owner to a browser.
  for (const c of input.calendars) checkType(c.calendarType);
  const tokens = await runGoogleConsent(input.google, {
    loginHint: input.loginHint ?? input.ownerEmail,
    onAuthUrl: input.onAuthUrl,
    ...(input.timeoutMs === undefined ? {} : { timeoutMs: input.timeoutMs }),
  });
  return attachGoogleAccount({ ...input, refreshToken: tokens.refreshToken });
}
