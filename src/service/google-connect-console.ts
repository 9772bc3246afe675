// Connecting an owner's Google Calendar from the console: the same installed-app consent as
// `openavail connect google` (a loopback redirect on this machine, PKCE), started by an admin request
// that answers at once with the consent URL (console-consent.ts keeps the connect's state).
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { Database } from "../ledger/tables.js";
import type { SecretBox } from "../providers/secret-box.js";
import {
  type ConsoleConnect,
  consoleConsentStatus,
  ownerEmailOf,
  startConsoleConsent,
} from "./console-consent.js";
import { OpenavailError } from "./errors.js";
import { connectGoogle } from "./google-connect.js";
import type { GoogleClientConfig, ProviderRegistry } from "./provider-registry.js";

export type { ConsoleConnect };

export interface ConsoleConnectDeps {
  readonly db: Kysely<Database>;
  readonly secretBox: () => SecretBox;
  readonly google: GoogleClientConfig | null;
  readonly now: () => number;
  readonly logger: Logger;
  readonly registry: ProviderRegistry;
}

/** Starts the consent for `ownerEmail`; resolves with the consent URL as soon as there is one. */
export async function startConsoleConnect(
  deps: ConsoleConnectDeps,
  input: { owner_email?: unknown; calendar_type?: unknown },
): Promise<ConsoleConnect> {
  const google = deps.google;
  if (!google) {
    throw new OpenavailError(
      "bad_request",
      "No Google OAuth client is configured: set OPENAVAIL_GOOGLE_CLIENT_ID and OPENAVAIL_GOOGLE_CLIENT_SECRET, then restart.",
    );
  }
  const ownerEmail = ownerEmailOf(input);
  const calendarType =
    typeof input.calendar_type === "string" && input.calendar_type !== "" ? input.calendar_type : null;
  return startConsoleConsent(
    {
      label: "Google",
      idPrefix: "gco",
      ownerEmail,
      now: deps.now,
      onFailure: (err) =>
        deps.logger.warn({ err, owner: ownerEmail }, "Google connect from the console failed"),
    },
    (consent) =>
      connectGoogle({
        db: deps.db,
        secretBox: deps.secretBox(),
        google,
        now: deps.now,
        logger: deps.logger,
        registry: deps.registry,
        ownerEmail,
        calendars: calendarType ? [{ externalId: "primary", calendarType }] : [],
        ...consent,
      }),
  );
}

export function consoleConnectStatus(connectId: string): ConsoleConnect {
  return consoleConsentStatus(connectId, "Google");
}
