// Connecting an owner's CalDAV account (`openavail connect caldav`, or the console): the server URL,
// username and app password are checked by listing the account's calendars, then sealed as the
// credential's grant, and the chosen calendars attached and synced (provider-connect.ts).

import { encodeCalDavGrant } from "../providers/caldav/caldav-grant.js";
import { ProviderError } from "../providers/calendar-provider.js";
import { OpenavailError } from "./errors.js";
import { type AttachInput, attachProviderGrant, type ConnectResult } from "./provider-connect.js";
import { createProviderRegistry, type ProviderRegistry } from "./provider-registry.js";

export interface ConnectCalDavInput extends AttachInput {
  /** The server's, the account's or one calendar's URL (http or https). */
  readonly url: string;
  readonly username: string;
  /** The app password; never logged, stored only sealed. */
  readonly password: string;
  /** A new owner's time zone; default the calendar's own (its calendar-timezone), else UTC. */
  readonly timeZone?: string;
  /** The resolver for the first sync; default a fresh registry over `db`. */
  readonly registry?: ProviderRegistry;
  /** Per-request timeout in ms; default 10 000. */
  readonly timeoutMs?: number;
}

/** The URL the owner gave, refused by name unless it is http(s) without credentials in it. */
export function checkCalDavUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new OpenavailError("bad_request", `"${text}" is not a URL; give the CalDAV server's address.`, {
      details: [{ field: "url", message: "expected an http(s) URL" }],
    });
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new OpenavailError("bad_request", "The CalDAV URL must start with https:// (or http://).", {
      details: [{ field: "url", message: "expected an http(s) URL" }],
    });
  }
  if (url.username !== "" || url.password !== "") {
    throw new OpenavailError(
      "bad_request",
      "Put the username in --username and the password on stdin, not in the URL.",
      { details: [{ field: "url", message: "must not carry credentials" }] },
    );
  }
  return url.href;
}

/**
 * Checks the sign-in, stores it sealed and attaches the chosen calendars (by URL or display name;
 * default the calendar at the URL itself, or the account's first). A refused sign-in is `forbidden`.
 */
export async function connectCalDav(input: ConnectCalDavInput): Promise<ConnectResult> {
  const url = checkCalDavUrl(input.url);
  const username = input.username.trim();
  if (username === "") {
    throw new OpenavailError("bad_request", "username is required.", {
      details: [{ field: "username", message: "required" }],
    });
  }
  const { CalDavProvider } = await import("../providers/caldav/caldav-provider.js");
  const provider = new CalDavProvider({
    serverUrl: url,
    username,
    password: input.password,
    now: input.now,
    ...(input.timeoutMs === undefined ? {} : { timeoutMs: input.timeoutMs }),
  });
  let available: Awaited<ReturnType<typeof provider.listCalendars>>;
  try {
    available = await provider.listCalendars();
  } catch (err) {
    if (err instanceof ProviderError && err.kind === "auth_revoked") {
      throw new OpenavailError(
        "forbidden",
        `The CalDAV server at ${new URL(url).host} refused ${username} with that password; create an app password for Openavail and try again.`,
      );
    }
    if (err instanceof ProviderError) {
      throw new OpenavailError("bad_request", `Cannot reach the calendars at ${url}: ${err.message}.`, {
        details: [{ field: "url", message: err.kind }],
      });
    }
    throw err;
  }
  if (available.length === 0) {
    throw new OpenavailError(
      "not_found",
      `${username} has no event calendars at ${url}; give a calendar's own URL.`,
      { details: [{ field: "url", message: "no calendars" }] },
    );
  }
  const registry =
    input.registry ??
    createProviderRegistry({ db: input.db, secretBox: input.secretBox, google: null, now: input.now });
  return attachProviderGrant(
    input,
    {
      kind: "caldav",
      sealed: encodeCalDavGrant({ url, username, password: input.password }),
      account: `${username} on ${new URL(url).host}`,
      available,
      ...(input.timeZone === undefined ? {} : { ownerTimeZone: input.timeZone }),
    },
    registry,
  );
}
