// A world with a Google-connected owner: the real ledger (SQLite file) from makeWorld, the fake
// Calendar v3 server on 127.0.0.1, the real GoogleProvider through the provider registry, and a
// SchedulingService whose `refresh` hook syncs stale mirrors before each decision (as serve wires it).
import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import pino from "pino";
import type { AvailabilityRulesInput } from "../../schemas/rules.js";
import type { CalendarRow } from "../../src/ledger/tables.js";
import { SecretBox } from "../../src/providers/secret-box.js";
import { setCalendarRules } from "../../src/service/agents-admin.js";
import { type SyncDeps, type SyncOutcome, syncCalendar } from "../../src/service/calendar-sync.js";
import type { Caller } from "../../src/service/caller.js";
import { OpenavailError } from "../../src/service/errors.js";
import { attachGoogleAccount } from "../../src/service/google-connect.js";
import { createRefresher } from "../../src/service/mirror-refresh.js";
import { type DrainResult, drainOutbox } from "../../src/service/outbox-worker.js";
import {
  createProviderRegistry,
  type GoogleClientConfig,
  type ProviderRegistry,
} from "../../src/service/provider-registry.js";
import { SchedulingService } from "../../src/service/scheduling-service.js";
import { executeTool } from "../../tools/execute-tool.js";
import { findTool } from "../../tools/index.js";
import { type FakeGoogle, startFakeGoogle } from "../fakes/google-calendar.js";
import { makeWorld, type World } from "../helpers/world.js";

export const OWNER = "ceo@example.com";
export const TZ = "America/New_York";
export const STALE_AFTER_MS = 5 * 60_000;
export const FRESH_FOR_MS = 60_000;

export interface GoogleWorld {
  readonly w: World;
  readonly fake: FakeGoogle;
  readonly box: SecretBox;
  readonly google: GoogleClientConfig;
  readonly registry: ProviderRegistry;
  readonly service: SchedulingService;
  readonly syncDeps: SyncDeps;
  /** The owner's Google-backed `work` calendar. */
  readonly calendarId: string;
  readonly ownerId: string;
  /** The refresh token the owner's grant holds. */
  readonly refreshToken: string;
  /** Jitter used by drain(); tests pin it. */
  random: () => number;
  call(caller: Caller, tool: string, args: unknown): Promise<Record<string, any>>;
  sync(): Promise<SyncOutcome | null>;
  drain(): Promise<DrainResult>;
  calendar(): Promise<CalendarRow>;
  /** Moves the shared clock (the ledger's and the fake's). */
  advance(ms: number): void;
  close(): Promise<void>;
}

/**
 * A scheduling service on `w`'s ledger whose calendars are refreshed through `registry`, as
 * `openavail serve` wires it, and the sync dependencies it uses (for syncing and the outbox).
 */
export function googleBackedService(
  w: World,
  registry: ProviderRegistry,
): { service: SchedulingService; syncDeps: SyncDeps } {
  const db = w.app.ledger.db;
  const now = () => w.clock.now;
  const logger = pino({ level: "silent" });
  const syncDeps: SyncDeps = { db, now, logger, providerFor: registry };
  const service = new SchedulingService({
    db,
    changes: w.app.ledger.changes,
    policy: w.app.policy,
    now,
    logger,
    refresh: createRefresher(syncDeps, { freshForMs: FRESH_FOR_MS, retryAfterFailureMs: 30_000 }),
    staleAfterMs: STALE_AFTER_MS,
  });
  return { service, syncDeps };
}

export async function makeGoogleWorld(
  options: { start?: string; rules?: AvailabilityRulesInput | null; sync?: boolean; timeoutMs?: number } = {},
): Promise<GoogleWorld> {
  const w = await makeWorld(options.start ?? "2026-03-02T12:00:00Z");
  const now = () => w.clock.now;
  const fake = await startFakeGoogle({ ownerEmail: OWNER, timeZone: TZ, now });
  const box = new SecretBox(randomBytes(32));
  const google: GoogleClientConfig = {
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
    rootUrl: fake.url,
    tokenUrl: fake.tokenUrl,
    authUrl: fake.authUrl,
    timeoutMs: options.timeoutMs ?? 2_000,
  };
  const db = w.app.ledger.db;
  const registry = createProviderRegistry({ db, secretBox: box, google, now });
  const { service, syncDeps } = googleBackedService(w, registry);
  const logger = syncDeps.logger;
  const refreshToken = fake.issueRefreshToken();
  const attached = await attachGoogleAccount({
    db,
    secretBox: box,
    google,
    now,
    logger,
    ownerEmail: OWNER,
    refreshToken,
    calendars: [{ externalId: "primary", calendarType: "work" }],
    sync: false,
    registry,
  });
  const calendarId = attached.calendars[0]!.id;
  if (options.rules) {
    await setCalendarRules(db, calendarId, options.rules, { replace: true, now: w.clock.now });
  }
  const gw: GoogleWorld = {
    w,
    fake,
    box,
    google,
    registry,
    service,
    syncDeps,
    calendarId,
    ownerId: attached.owner.id,
    refreshToken,
    random: () => 0.5,
    async call(caller, name, args) {
      const tool = findTool(name);
      if (!tool) throw new Error(`no tool ${name}`);
      try {
        const res = await executeTool(service, tool, caller, args);
        return JSON.parse(res.json) as Record<string, any>;
      } catch (err) {
        if (err instanceof OpenavailError) return { isError: true, ...err.toJSON() };
        throw err;
      }
    },
    sync: () => syncCalendar(syncDeps, calendarId),
    drain: () => drainOutbox({ ...syncDeps, random: () => gw.random() }),
    calendar: () =>
      db.selectFrom("calendars").selectAll().where("id", "=", calendarId).executeTakeFirstOrThrow(),
    advance(ms) {
      w.clock.now += ms;
    },
    async close() {
      await fake.close();
      await w.close();
    },
  };
  if (options.sync !== false) await gw.sync();
  return gw;
}

/** Working hours 09:00-17:00 Monday to Friday in New York. */
export const NY_NINE_TO_FIVE: AvailabilityRulesInput = {
  timezone: TZ,
  working_hours: {
    mon: { start: "09:00", end: "17:00" },
    tue: { start: "09:00", end: "17:00" },
    wed: { start: "09:00", end: "17:00" },
    thu: { start: "09:00", end: "17:00" },
    fri: { start: "09:00", end: "17:00" },
  },
};

/** Requests the fake received for the Calendar API or the token endpoint since `from`. */
export function requestsSince(fake: FakeGoogle, from: number): string[] {
  return fake.requests.slice(from).map((r) => `${r.method} ${r.path}`);
}

/** A stream that keeps what is written to it, and calls `onText` with everything so far. */
export function capture(onText?: (all: string) => void): Writable & { text(): string } {
  let all = "";
  const stream = new Writable({
    write(chunk, _enc, done) {
      all += String(chunk);
      onText?.(all);
      done();
    },
  });
  return Object.assign(stream, { text: () => all });
}
