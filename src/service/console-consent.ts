// A provider consent started from the console (Google, Microsoft): the admin request answers at once
// with the consent URL (a loopback redirect to this machine, PKCE), the connect finishes when the
// owner's browser comes back, and the console asks how it went by the connect's id. Kept per process,
// where the loopback listener lives too.
import { type IdPrefix, newId } from "../ledger/ids.js";
import { OpenavailError } from "./errors.js";
import type { ConnectResult } from "./provider-connect.js";

/** Connects remembered per process; the oldest go first. */
const MAX_REMEMBERED = 50;
const CONSENT_TIMEOUT_MS = 5 * 60_000;

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

/** By connect id, with the provider it is for (each provider's route finds only its own). */
const connects = new Map<string, { readonly label: string; readonly state: ConsoleConnect }>();

/** The owner email of a console request, refused by name when missing. */
export function ownerEmailOf(input: { owner_email?: unknown }): string {
  if (typeof input.owner_email !== "string" || input.owner_email === "") {
    throw new OpenavailError("bad_request", "owner_email is required.", {
      details: [{ field: "owner_email", message: "required" }],
    });
  }
  return input.owner_email.toLowerCase();
}

/**
 * Runs `connect` (which calls `onAuthUrl` once it has a consent URL, then waits for the browser) and
 * resolves with the connect's state as soon as there is a URL; a refusal before that is this
 * request's error. `label` names the provider in logs and errors.
 */
export async function startConsoleConsent(
  options: {
    readonly label: string;
    readonly idPrefix: IdPrefix;
    readonly ownerEmail: string;
    readonly now: () => number;
    readonly onFailure: (err: unknown) => void;
  },
  connect: (consent: {
    timeoutMs: number;
    onAuthUrl: (url: string, redirectUri: string) => void;
  }) => Promise<ConnectResult>,
): Promise<ConsoleConnect> {
  let announce: (url: string, redirect: string) => void = () => {};
  const announced = new Promise<{ url: string; redirect: string }>((resolve) => {
    announce = (url, redirect) => resolve({ url, redirect });
  });
  const done = connect({ timeoutMs: CONSENT_TIMEOUT_MS, onAuthUrl: announce });
  const first = await Promise.race([announced, done.then(() => null)]);
  if (first === null) throw new Error(`${options.label} connect finished before asking for consent`);
  const state: ConsoleConnect = {
    connect_id: newId(options.idPrefix),
    owner_email: options.ownerEmail,
    status: "waiting",
    auth_url: first.url,
    redirect_uri: first.redirect,
    expires_at: new Date(options.now() + CONSENT_TIMEOUT_MS).toISOString(),
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
      options.onFailure(err);
    },
  );
  connects.set(state.connect_id, { label: options.label, state });
  if (connects.size > MAX_REMEMBERED) connects.delete(connects.keys().next().value!);
  return state;
}

/** A connect started in this process, by id. */
export function consoleConsentStatus(connectId: string, label: string): ConsoleConnect {
  const state = connects.get(connectId);
  if (state?.label !== label) {
    throw new OpenavailError("not_found", `No ${label} connect ${connectId} in this server process.`, {
      details: [{ field: "connect_id", message: "no such connect" }],
    });
  }
  return state.state;
}
