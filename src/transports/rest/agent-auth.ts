// `Authorization: Bearer ak_...` to a Caller, through the app's authenticate (which also rate-limits).
import type { App } from "../../compose.js";
import type { Caller } from "../../service/caller.js";
import { OpenavailError } from "../../service/errors.js";
import { requireAudience } from "../../service/oauth/access-tokens.js";

/** The token of a `Bearer` Authorization header; undefined when the header is absent. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined || header.trim() === "") return undefined;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  if (!match) {
    throw new OpenavailError(
      "unauthorized",
      "Send the key as Authorization: Bearer ak_... (other authorization schemes are not accepted).",
    );
  }
  return match[1]!;
}

/**
 * Authenticates an agent request; an admin token gets `forbidden`, since it is not an agent. An OAuth
 * access token must be bound to `resource()`, the /mcp URL of the server the request reached.
 * `provisional` only for a request that runs a tool (see App.authenticate).
 */
export async function authenticateAgent(
  app: App,
  authorization: string | undefined,
  resource: () => string,
  options: { readonly provisional?: boolean } = {},
): Promise<Caller> {
  const token = bearerToken(authorization);
  if (token?.startsWith("adm_")) {
    throw new OpenavailError(
      "forbidden",
      "An admin token only works on the admin routes (/v1/agents, /v1/owners, /v1/calendars, /v1/decisions); agent routes need an agent key (ak_...).",
    );
  }
  const caller = await app.authenticate(token, options);
  requireAudience(caller, resource);
  return caller;
}
