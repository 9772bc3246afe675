// Connecting an owner's Google Calendar from the console: the same installed-app consent as
// `openavail connect google` (a loopback redirect on this machine, PKCE), started by an admin request
// that answers at once with the consent URL; the grant is stored and the calendar attached when the
// owner's browser comes back. The console asks how it went with the connect's id.
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import { newId } from "../ledger/ids.js";
import type { Database } from "../ledger/tables.js";
import type { SecretBox } from "../providers/secret-box.js";
import { OpenavailError } from "./errors.js";
import { connectGoogle } from "./google-connect.js";
import type { GoogleClientConfig, ProviderRegistry } from "./provider-registry.js";

const CONSENT_TIMEOUT_MS = 5 * 60_000;
/** Connects remembered per process (the loopback listener lives here too); the oldest go first. */
const MAX_REMEMBERED = 50;

export interface ConsoleConnect {
  readonly connect_id: string;
  readonly owner_email: string;
  status: "waiting" | "connected" | "failed";
  readonly auth_url: string;
  readonly redirect_uri: string;
  readonly expires_at: string;
  error: string | null;
  /** The calendars attached, once connected. */
  calendars: string[];
}

export interface ConsoleConnectDeps {
  readonly db: Kysely<Database>;
  readonly secretBox: () => SecretBox;
  readonly google: GoogleClientConfig | null;
  readonly now: () => number;
  readonly logger: Logger;
  readonly registry: ProviderRegistry;
}

const connects = new Map<string, ConsoleConnect>();

/** Starts the consent for `ownerEmail`; resolves with the consent URL as soon as there is one. */
export async function startConsoleConnect(
  deps: ConsoleConnectDeps,
  input: { owner_email?: unknown; calendar_type?: unknown },
): Promise<ConsoleConnect> {
  if (!deps.google) {
    throw new OpenavailError(
      "bad_request",
      "No Google OAuth client is configured: set OPENAVAIL_GOOGLE_CLIENT_ID and OPENAVAIL_GOOGLE_CLIENT_SECRET, then restart.",
    );
  }
  if (typeof input.owner_email !== "string" || input.owner_email === "") {
    throw new OpenavailError("bad_request", "owner_email is required.", {
      details: [{ field: "owner_email", message: "required" }],
    });
  }
  const ownerEmail = input.owner_email.toLowerCase();
  const calendarType =
    typeof input.calendar_type === "string" && input.calendar_type !== "" ? input.calendar_type : null;
  let announce: (url: string, redirect: string) => void = () => {};
  const announced = new Promise<{ url: string; redirect: string }>((resolve) => {
    announce = (url, redirect) => resolve({ url, redirect });
  });
  const done = connectGoogle({
    db: deps.db,
    secretBox: deps.secretBox(),
    google: deps.google,
    now: deps.now,
    logger: deps.logger,
    registry: deps.registry,
    ownerEmail,
    calendars: calendarType ? [{ externalId: "primary", calendarType }] : [],
    timeoutMs: CONSENT_TIMEOUT_MS,
    onAuthUrl: announce,
  });
  // A refusal before the consent page (a bad calendar type) is this request's error.
  const first = await Promise.race([announced, done.then(() => null)]);
  if (first === null) throw new Error("connect finished before asking for consent");
  const state: ConsoleConnect = {
    connect_id: newId("gco"),
    owner_email: ownerEmail,
    status: "waiting",
    auth_url: first.url,
    redirect_uri: first.redirect,
    expires_at: new Date(deps.now() + CONSENT_TIMEOUT_MS).toISOString(),
    error: null,
    calendars: [],
  };
  done.then(
    (result) => {
      state.status = "connected";
      state.calendars = result.calendars.map((c) => c.id);
    },
    (err: unknown) => {
      state.status = "failed";
      state.error = err instanceof Error ? err.message : String(err);
      deps.logger.warn({ err, owner: ownerEmail }, "Google connect from the console failed");
    },
  );
  connects.set(state.connect_id, state);
  if (connects.size > MAX_REMEMBERED) connects.delete(connects.keys().next().value!);
  return state;
}

export function consoleConnectStatus(connectId: string): ConsoleConnect {
  const state = connects.get(connectId);
  if (!state) {
    throw new OpenavailError("not_found", `No Google connect ${connectId} in this server process.`, {
      details: [{ field: "connect_id", message: "no such connect" }],
    });
  }
  return state;
}
