// Connecting an owner's Google account (`openavail connect google`): the installed-app OAuth consent
// on a loopback port, or a Workspace service account with domain-wide delegation impersonating the
// owner; the grant (refresh token, or service account key) sealed into the credentials table, the
// chosen Google calendars attached as Openavail calendars (provider google), and a first sync of each.
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import { CalendarType } from "../../schemas/wire.js";
import { newId } from "../ledger/ids.js";
import { enqueueOutbox, retryOutboxNow } from "../ledger/outbox.repository.js";
import { findOwnerByEmail } from "../ledger/owners.repository.js";
import { newRulesColumns } from "../ledger/rules.repository.js";
import type { CalendarRow, Database, OwnerRow } from "../ledger/tables.js";
import { immediate } from "../ledger/transaction.js";
import { type ProviderCalendar, ProviderError } from "../providers/calendar-provider.js";
import type { LoopbackOAuthResult } from "../providers/google/oauth-loopback.js";
import type { SecretBox } from "../providers/secret-box.js";
import { createOwner } from "./admin.js";
import { syncCalendar } from "./calendar-sync.js";
import { OpenavailError } from "./errors.js";
import { isObjectPrototypeName } from "./lookups.js";
import {
  createProviderRegistry,
  encodeGoogleGrant,
  type GoogleClientConfig,
  type GoogleEndpoints,
  type GoogleGrant,
  googleProviderFor,
  type ProviderRegistry,
} from "./provider-registry.js";

/** One Google calendar to attach, as the owner's calendar of `calendarType`. */
export interface CalendarChoice {
  /** The Google calendar id, or `primary` for the account's primary calendar. */
  readonly externalId: string;
  readonly calendarType: string;
}

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

function checkType(type: string): string {
  const parsed = CalendarType.safeParse(type);
  if (!parsed.success || isObjectPrototypeName(parsed.data)) {
    throw new OpenavailError(
      "bad_request",
      `"${type}" is not a calendar type: use a lowercase word such as work or personal.`,
      { details: [{ field: "calendar", message: "calendar type must match ^[a-z][a-z0-9_-]{0,31}$" }] },
    );
  }
  return parsed.data;
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

export interface AttachGoogleInput {
  readonly db: Kysely<Database>;
  readonly secretBox: SecretBox;
  readonly google: GoogleClientConfig;
  readonly now: () => number;
  readonly logger: Logger;
  readonly ownerEmail: string;
  readonly refreshToken: string;
  /** Calendars to attach; empty: the primary calendar, as the owner's default type (else `work`). */
  readonly calendars: readonly CalendarChoice[];
  /** Run a first sync of each attached calendar; default true. */
  readonly sync?: boolean;
  /** The resolver for that sync; default a fresh registry over `db`. */
  readonly registry?: ProviderRegistry;
}

export interface AttachedCalendar {
  readonly id: string;
  readonly calendar_type: string;
  readonly external_id: string;
  readonly name: string | null;
  /** `created`: new calendar; `reconnected`: already attached, now with the new grant; `converted`: was local. */
  readonly action: "created" | "reconnected" | "converted";
  /** Confirmed future bookings of a converted calendar queued for writing to Google. */
  readonly queued_bookings: number;
  readonly sync:
    | { readonly ok: true; readonly events: number }
    | { readonly ok: false; readonly error: string }
    | null;
}

export interface ConnectResult {
  readonly owner: {
    readonly id: string;
    readonly email: string;
    readonly timezone: string;
    readonly created: boolean;
  };
  readonly credential: { readonly id: string; readonly account: string | null; readonly reused: boolean };
  readonly calendars: readonly AttachedCalendar[];
  /** Every calendar the account can see, attached or not. */
  readonly available: readonly ProviderCalendar[];
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
  const primary = available.find((c) => c.primary);
  const account = primary?.id ?? null;
  const email = input.ownerEmail.trim().toLowerCase();

  const done = await immediate(input.db, async (trx) => {
    const now = input.now();
    let owner = await findOwnerByEmail(trx, email);
    const createdOwner = owner === undefined;
    owner ??= await createOwner(trx, { email, timezone: primary?.timeZone ?? "UTC" }, now);
    const choices = resolveChoices(input.calendars, owner, available, primary);
    const credential = await storeCredential(trx, input.secretBox, owner, account, grant, now);
    const attached: Omit<AttachedCalendar, "sync">[] = [];
    for (const choice of choices) {
      attached.push(await attachOne(trx, owner, choice, available, credential.id, now));
    }
    // Calendars attached earlier under this grant work again with the new token.
    const underGrant = await trx
      .selectFrom("calendars")
      .select("id")
      .where("credential_id", "=", credential.id)
      .execute();
    await trx
      .updateTable("calendars")
      .set({ status: "active" })
      .where("credential_id", "=", credential.id)
      .execute();
    // Writes that backed off while the grant was revoked go out now.
    await retryOutboxNow(
      trx,
      underGrant.map((c) => c.id),
      now,
    );
    return { owner, createdOwner, credential, attached };
  });

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
  registry.invalidate(done.credential.id);
  const calendars: AttachedCalendar[] = [];
  for (const cal of done.attached) {
    let sync: AttachedCalendar["sync"] = null;
    if (input.sync !== false) {
      try {
        const outcome = await syncCalendar(
          { db: input.db, now: input.now, logger: input.logger, providerFor: registry },
          cal.id,
        );
        sync = { ok: true, events: outcome?.events ?? 0 };
      } catch (err) {
        sync = { ok: false, error: err instanceof Error ? err.message : String(err) };
      }
    }
    calendars.push({ ...cal, sync });
  }
  return {
    owner: {
      id: done.owner.id,
      email: done.owner.email,
      timezone: done.owner.timezone,
      created: done.createdOwner,
    },
    credential: { id: done.credential.id, account, reused: done.credential.reused },
    calendars,
    available,
  };
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

function resolveChoices(
  requested: readonly CalendarChoice[],
  owner: OwnerRow,
  available: readonly ProviderCalendar[],
  primary: ProviderCalendar | undefined,
): CalendarChoice[] {
  const list = available.map((c) => c.id).join(", ") || "none";
  const wanted =
    requested.length > 0
      ? requested
      : [{ externalId: "primary", calendarType: owner.default_calendar_type ?? "work" }];
  const out: CalendarChoice[] = [];
  for (const c of wanted) {
    const externalId = c.externalId === "primary" ? primary?.id : c.externalId;
    if (externalId === undefined) {
      throw new OpenavailError(
        "bad_request",
        `This Google account has no primary calendar; name one with --calendar ID=TYPE (available: ${list}).`,
      );
    }
    if (!available.some((a) => a.id === externalId)) {
      throw new OpenavailError(
        "not_found",
        `The Google account cannot see a calendar "${externalId}"; choose one of: ${list}.`,
        { details: [{ field: "calendar", message: `no Google calendar ${externalId}` }] },
      );
    }
    const calendarType = checkType(c.calendarType);
    if (out.some((o) => o.calendarType === calendarType)) {
      throw new OpenavailError(
        "bad_request",
        `Calendar type ${calendarType} is given twice; use each type once.`,
      );
    }
    if (out.some((o) => o.externalId === externalId)) {
      throw new OpenavailError(
        "bad_request",
        `Google calendar ${externalId} is given twice; attach each calendar as one type.`,
      );
    }
    out.push({ externalId, calendarType });
  }
  return out;
}

async function storeCredential(
  trx: Kysely<Database>,
  box: SecretBox,
  owner: OwnerRow,
  account: string | null,
  grant: GoogleGrant,
  now: number,
): Promise<{ id: string; reused: boolean }> {
  // The kind of grant lives in the sealed payload (see GoogleGrant): no schema change. Reconnecting
  // the same account with the other kind replaces the grant in place.
  const sealed = box.seal(encodeGoogleGrant(grant), owner.id);
  let q = trx
    .selectFrom("credentials")
    .select("id")
    .where("owner_id", "=", owner.id)
    .where("provider", "=", "google");
  q = account === null ? q.where("account", "is", null) : q.where("account", "=", account);
  const existing = await q.orderBy("created_at", "desc").executeTakeFirst();
  if (existing) {
    await trx
      .updateTable("credentials")
      .set({ sealed_token: sealed, status: "active" })
      .where("id", "=", existing.id)
      .execute();
    return { id: existing.id, reused: true };
  }
  const id = newId("crd");
  await trx
    .insertInto("credentials")
    .values({
      id,
      owner_id: owner.id,
      provider: "google",
      account,
      sealed_token: sealed,
      status: "active",
      created_at: now,
    })
    .execute();
  return { id, reused: false };
}

async function attachOne(
  trx: Kysely<Database>,
  owner: OwnerRow,
  choice: CalendarChoice,
  available: readonly ProviderCalendar[],
  credentialId: string,
  now: number,
): Promise<Omit<AttachedCalendar, "sync">> {
  const summary = available.find((a) => a.id === choice.externalId)?.summary ?? null;
  const mine = await trx.selectFrom("calendars").selectAll().where("owner_id", "=", owner.id).execute();
  const sameType = mine.find((c) => c.calendar_type === choice.calendarType);
  const elsewhere = mine.find(
    (c) =>
      c.provider === "google" &&
      c.external_id === choice.externalId &&
      c.calendar_type !== choice.calendarType,
  );
  if (elsewhere) {
    throw new OpenavailError(
      "conflict",
      `Google calendar ${choice.externalId} is already ${owner.email}'s ${elsewhere.calendar_type} calendar (${elsewhere.id}); attach it as ${elsewhere.calendar_type}.`,
    );
  }
  const base = { calendar_type: choice.calendarType, external_id: choice.externalId };
  if (!sameType) {
    const row: CalendarRow = {
      id: newId("cal"),
      owner_id: owner.id,
      calendar_type: choice.calendarType,
      provider: "google",
      name: summary,
      external_id: choice.externalId,
      ...newRulesColumns(null, now),
      status: "active",
      credential_id: credentialId,
      sync_token: null,
      synced_at: null,
      created_at: now,
    };
    await trx.insertInto("calendars").values(row).execute();
    return { ...base, id: row.id, name: row.name, action: "created", queued_bookings: 0 };
  }
  if (sameType.provider === "google") {
    if (sameType.external_id !== null && sameType.external_id !== choice.externalId) {
      throw new OpenavailError(
        "conflict",
        `${owner.email}'s ${choice.calendarType} calendar (${sameType.id}) is already Google calendar ${sameType.external_id}; attach ${choice.externalId} as another type (--calendar ${choice.externalId}=TYPE).`,
      );
    }
    // Same calendar: keep the sync token unless the account changed (then its token means nothing).
    const sameGrant = sameType.credential_id === credentialId && sameType.external_id === choice.externalId;
    await trx
      .updateTable("calendars")
      .set({
        external_id: choice.externalId,
        credential_id: credentialId,
        status: "active",
        ...(sameGrant ? {} : { sync_token: null, synced_at: null }),
      })
      .where("id", "=", sameType.id)
      .execute();
    return { ...base, id: sameType.id, name: sameType.name, action: "reconnected", queued_bookings: 0 };
  }
  // A local calendar becomes the Google one; bookings still ahead are written to Google.
  await trx
    .updateTable("calendars")
    .set({
      provider: "google",
      external_id: choice.externalId,
      credential_id: credentialId,
      status: "active",
      sync_token: null,
      synced_at: null,
      name: sameType.name ?? summary,
    })
    .where("id", "=", sameType.id)
    .execute();
  const ahead = await trx
    .selectFrom("bookings")
    .select("id")
    .where("calendar_id", "=", sameType.id)
    .where("status", "=", "confirmed")
    .where("end_ms", ">", now)
    .orderBy("start_ms")
    .execute();
  for (const b of ahead) {
    await enqueueOutbox(trx, { booking_id: b.id, calendar_id: sameType.id, op: "upsert", now });
  }
  return {
    ...base,
    id: sameType.id,
    name: sameType.name ?? summary,
    action: "converted",
    queued_bookings: ahead.length,
  };
}
