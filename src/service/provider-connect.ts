// What every provider's connect shares once the owner's grant is in hand (Google, CalDAV,
// Microsoft): the grant sealed into the credentials table under the owner id, the chosen provider
// calendars attached as the owner's Openavail calendars (new, reconnected, or converted from local
// with their future bookings queued for the provider), and a first sync of each.
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import { newId } from "../ledger/ids.js";
import { enqueueOutbox, retryOutboxNow } from "../ledger/outbox.repository.js";
import { findOwnerByEmail } from "../ledger/owners.repository.js";
import { newRulesColumns } from "../ledger/rules.repository.js";
import type { CalendarRow, Database, OwnerRow } from "../ledger/tables.js";
import { immediate } from "../ledger/transaction.js";
import type { ProviderCalendar } from "../providers/calendar-provider.js";
import type { SecretBox } from "../providers/secret-box.js";
import { createOwner } from "./admin.js";
import {
  type CalendarChoice,
  PROVIDER_LABEL,
  type RemoteProvider,
  resolveChoices,
} from "./calendar-choices.js";
import { syncCalendar } from "./calendar-sync.js";
import { OpenavailError } from "./errors.js";
import type { ProviderRegistry } from "./provider-registry.js";

export { type CalendarChoice, checkCalendarType, type RemoteProvider } from "./calendar-choices.js";

export interface AttachedCalendar {
  readonly id: string;
  readonly calendar_type: string;
  readonly external_id: string;
  readonly name: string | null;
  /** `created`: new calendar; `reconnected`: already attached, now with the new grant; `converted`: was local. */
  readonly action: "created" | "reconnected" | "converted";
  /** Confirmed future bookings of a converted calendar queued for writing to the provider. */
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

export interface AttachInput {
  readonly db: Kysely<Database>;
  readonly secretBox: SecretBox;
  readonly now: () => number;
  readonly logger: Logger;
  readonly ownerEmail: string;
  /** Calendars to attach; empty: the primary calendar, as the owner's default type (else `work`). */
  readonly calendars: readonly CalendarChoice[];
  /** Run a first sync of each attached calendar; default true. */
  readonly sync?: boolean;
}

/** A grant ready to store: what it seals, the account it names, and what the account can see. */
export interface ProviderGrant {
  readonly kind: RemoteProvider;
  /** The plaintext sealed into the credential (with the owner id as context). */
  readonly sealed: string;
  /** Who the grant is for at the provider (shown, and used to find the credential on a reconnect). */
  readonly account: string | null;
  readonly available: readonly ProviderCalendar[];
  /** A new owner's zone, chosen explicitly; default the primary calendar's (else UTC). */
  readonly ownerTimeZone?: string;
}

/**
 * Stores the grant and attaches the chosen calendars; creates the owner, in the primary calendar's
 * time zone, when it does not exist yet. A calendar type the owner already has is reconnected when
 * it is the same provider calendar, converted when it is a local calendar (its confirmed future
 * bookings are queued for the provider), and refused when it is another provider calendar. The
 * first sync goes through `registry` (which forgets the credential's old adapter first).
 */
export async function attachProviderGrant(
  input: AttachInput,
  grant: ProviderGrant,
  registry: ProviderRegistry,
): Promise<ConnectResult> {
  const primary = grant.available.find((c) => c.primary);
  const email = input.ownerEmail.trim().toLowerCase();
  const done = await immediate(input.db, async (trx) => {
    const now = input.now();
    let owner = await findOwnerByEmail(trx, email);
    const createdOwner = owner === undefined;
    owner ??= await createOwner(
      trx,
      { email, timezone: grant.ownerTimeZone ?? primary?.timeZone ?? "UTC" },
      now,
    );
    const choices = resolveChoices(grant.kind, input.calendars, owner, grant.available, primary);
    const credential = await storeCredential(trx, input.secretBox, owner, grant, now);
    const attached: Omit<AttachedCalendar, "sync">[] = [];
    for (const choice of choices) {
      attached.push(await attachOne(trx, grant.kind, owner, choice, grant.available, credential.id, now));
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
    credential: { id: done.credential.id, account: grant.account, reused: done.credential.reused },
    calendars,
    available: grant.available,
  };
}

async function storeCredential(
  trx: Kysely<Database>,
  box: SecretBox,
  owner: OwnerRow,
  grant: ProviderGrant,
  now: number,
): Promise<{ id: string; reused: boolean }> {
  const sealed = box.seal(grant.sealed, owner.id);
  let q = trx
    .selectFrom("credentials")
    .select("id")
    .where("owner_id", "=", owner.id)
    .where("provider", "=", grant.kind);
  q = grant.account === null ? q.where("account", "is", null) : q.where("account", "=", grant.account);
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
      provider: grant.kind,
      account: grant.account,
      sealed_token: sealed,
      status: "active",
      created_at: now,
    })
    .execute();
  return { id, reused: false };
}

async function attachOne(
  trx: Kysely<Database>,
  kind: RemoteProvider,
  owner: OwnerRow,
  choice: CalendarChoice,
  available: readonly ProviderCalendar[],
  credentialId: string,
  now: number,
): Promise<Omit<AttachedCalendar, "sync">> {
  const label = PROVIDER_LABEL[kind];
  const summary = available.find((a) => a.id === choice.externalId)?.summary ?? null;
  const mine = await trx.selectFrom("calendars").selectAll().where("owner_id", "=", owner.id).execute();
  const sameType = mine.find((c) => c.calendar_type === choice.calendarType);
  const elsewhere = mine.find(
    (c) =>
      c.provider === kind && c.external_id === choice.externalId && c.calendar_type !== choice.calendarType,
  );
  if (elsewhere) {
    throw new OpenavailError(
      "conflict",
      `${label} calendar ${choice.externalId} is already ${owner.email}'s ${elsewhere.calendar_type} calendar (${elsewhere.id}); attach it as ${elsewhere.calendar_type}.`,
    );
  }
  const base = { calendar_type: choice.calendarType, external_id: choice.externalId };
  if (!sameType) {
    const row: CalendarRow = {
      id: newId("cal"),
      owner_id: owner.id,
      calendar_type: choice.calendarType,
      provider: kind,
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
  if (sameType.provider === kind) {
    if (sameType.external_id !== null && sameType.external_id !== choice.externalId) {
      throw new OpenavailError(
        "conflict",
        `${owner.email}'s ${choice.calendarType} calendar (${sameType.id}) is already ${label} calendar ${sameType.external_id}; attach ${choice.externalId} as another type (--calendar ${choice.externalId}=TYPE).`,
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
  if (sameType.provider !== "local") {
    throw new OpenavailError(
      "conflict",
      `${owner.email}'s ${choice.calendarType} calendar (${sameType.id}) is a ${sameType.provider} calendar; attach the ${label} calendar as another type (--calendar ${choice.externalId}=TYPE).`,
    );
  }
  // A local calendar becomes the provider's; bookings still ahead are written there.
  await trx
    .updateTable("calendars")
    .set({
      provider: kind,
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
