// Connecting an owner's Microsoft 365 / Outlook calendar (`openavail connect microsoft`): the
// consent (authorization code + PKCE through msal-node, a loopback redirect on this machine), msal's
// token cache sealed as the credential's grant, and the chosen calendars attached and synced
// (provider-connect.ts); from the CLI, or started by the console. Also where the Microsoft app
// registration is read from the environment.
import { ProviderError } from "../providers/calendar-provider.js";
import { encodeMicrosoftGrant, type MicrosoftGrant } from "../providers/microsoft/microsoft-grant.js";
import type { MicrosoftClient } from "../providers/microsoft/msal-tokens.js";
import { type ConsoleConnect, ownerEmailOf, startConsoleConsent } from "./console-consent.js";
import { OpenavailError } from "./errors.js";
import { type AttachInput, attachProviderGrant, type ConnectResult } from "./provider-connect.js";
import { createProviderRegistry, type ProviderRegistry } from "./provider-registry.js";

export const MICROSOFT_ENV = {
  clientId: "OPENAVAIL_MICROSOFT_CLIENT_ID",
  tenant: "OPENAVAIL_MICROSOFT_TENANT",
  loginUrl: "OPENAVAIL_MICROSOFT_LOGIN_URL",
  graphUrl: "OPENAVAIL_MICROSOFT_GRAPH_URL",
} as const;

/** The app registration and where Microsoft is: the client, and Graph's origin when not the default. */
export interface MicrosoftConfig extends MicrosoftClient {
  readonly graphUrl?: string;
}

/**
 * The app registration from OPENAVAIL_MICROSOFT_CLIENT_ID (explicit value wins), the tenant
 * (OPENAVAIL_MICROSOFT_TENANT, default `common`), and endpoint overrides OPENAVAIL_MICROSOFT_LOGIN_URL /
 * _GRAPH_URL (a national cloud, or a test's fake). null without a client id.
 */
export function microsoftConfigFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  explicit: { clientId?: string | undefined; tenant?: string | undefined } = {},
): MicrosoftConfig | null {
  const value = (v: string | undefined) => v?.trim() || undefined;
  const clientId = value(explicit.clientId) ?? value(env[MICROSOFT_ENV.clientId]);
  if (clientId === undefined) return null;
  const tenant = value(explicit.tenant) ?? value(env[MICROSOFT_ENV.tenant]);
  const loginUrl = value(env[MICROSOFT_ENV.loginUrl]);
  const graphUrl = value(env[MICROSOFT_ENV.graphUrl]);
  return {
    clientId,
    ...(tenant === undefined ? {} : { tenant }),
    ...(loginUrl === undefined ? {} : { loginUrl }),
    ...(graphUrl === undefined ? {} : { graphUrl }),
  };
}

export interface ConnectMicrosoftInput extends AttachInput {
  readonly microsoft: MicrosoftConfig;
  /** Called with the consent URL the owner must open (nothing is opened automatically). */
  readonly onAuthUrl: (authUrl: string, redirectUri: string) => void;
  /** How long to wait for the browser; default 5 minutes. */
  readonly timeoutMs?: number;
  /** A new owner's time zone; default UTC (Graph names zones the Windows way). */
  readonly timeZone?: string;
  readonly registry?: ProviderRegistry;
}

/** The whole connect: consent in the browser, then the grant stored and the calendars attached. */
export async function connectMicrosoft(input: ConnectMicrosoftInput): Promise<ConnectResult> {
  const { startMicrosoftConsent } = await import("../providers/microsoft/consent-loopback.js");
  const consent = await startMicrosoftConsent(input.microsoft, {
    loginHint: input.ownerEmail,
    ...(input.timeoutMs === undefined ? {} : { timeoutMs: input.timeoutMs }),
  });
  let tokens: Awaited<typeof consent.result>;
  try {
    input.onAuthUrl(consent.authUrl, consent.redirectUri);
    tokens = await consent.result;
  } finally {
    consent.close();
  }
  return attachMicrosoftGrant(input, {
    ...input.microsoft,
    homeAccountId: tokens.homeAccountId,
    cache: tokens.cache,
  });
}

/** Lists the account's calendars with the grant, then stores it and attaches the chosen calendars. */
export async function attachMicrosoftGrant(
  input: AttachInput & { readonly timeZone?: string; readonly registry?: ProviderRegistry },
  grant: MicrosoftGrant,
): Promise<ConnectResult> {
  const [{ GraphProvider }, { GraphTokens }] = await Promise.all([
    import("../providers/microsoft/graph-provider.js"),
    import("../providers/microsoft/msal-tokens.js"),
  ]);
  let latest = grant;
  const tokens = new GraphTokens(grant, grant, async (cache) => {
    latest = { ...latest, cache };
  });
  const graph = new GraphProvider({
    tokens,
    now: input.now,
    ...(grant.graphUrl === undefined ? {} : { graphUrl: grant.graphUrl }),
  });
  let available: Awaited<ReturnType<typeof graph.listCalendars>>;
  let account: string | null;
  try {
    available = await graph.listCalendars();
    account = await graph.accountEmail();
  } catch (err) {
    if (err instanceof ProviderError) {
      throw new OpenavailError(
        "bad_request",
        `Microsoft Graph refused to list the calendars: ${err.message}.`,
      );
    }
    throw err;
  }
  const registry =
    input.registry ??
    createProviderRegistry({ db: input.db, secretBox: input.secretBox, google: null, now: input.now });
  return attachProviderGrant(
    input,
    {
      kind: "microsoft",
      sealed: encodeMicrosoftGrant(latest),
      account,
      available,
      ...(input.timeZone === undefined ? {} : { ownerTimeZone: input.timeZone }),
    },
    registry,
  );
}

export interface MicrosoftConsoleDeps {
  readonly db: AttachInput["db"];
  readonly secretBox: () => AttachInput["secretBox"];
  readonly microsoft: MicrosoftConfig | null;
  readonly now: () => number;
  readonly logger: AttachInput["logger"];
  readonly registry: ProviderRegistry;
}

/** The console's start of a Microsoft connect: answers with the sign-in URL as soon as there is one. */
export async function startMicrosoftConsoleConnect(
  deps: MicrosoftConsoleDeps,
  input: { owner_email?: unknown; calendar_type?: unknown },
): Promise<ConsoleConnect> {
  const microsoft = deps.microsoft;
  if (microsoft === null) {
    throw new OpenavailError(
      "bad_request",
      `No Microsoft app registration is configured: set ${MICROSOFT_ENV.clientId}, then restart.`,
    );
  }
  const ownerEmail = ownerEmailOf(input);
  const calendarType =
    typeof input.calendar_type === "string" && input.calendar_type !== "" ? input.calendar_type : null;
  return startConsoleConsent(
    {
      label: "Microsoft",
      idPrefix: "gco",
      ownerEmail,
      now: deps.now,
      onFailure: (err) =>
        deps.logger.warn({ err, owner: ownerEmail }, "Microsoft connect from the console failed"),
    },
    (consent) =>
      connectMicrosoft({
        db: deps.db,
        secretBox: deps.secretBox(),
        microsoft,
        now: deps.now,
        logger: deps.logger,
        registry: deps.registry,
        ownerEmail,
        calendars: calendarType ? [{ externalId: "primary", calendarType }] : [],
        ...consent,
      }),
  );
}
