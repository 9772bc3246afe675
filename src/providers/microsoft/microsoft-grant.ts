// What a Microsoft credential row seals: the app registration and identity platform the grant was
// made with, where Graph is, the account, and msal's token cache (which holds the refresh token).
import type { MicrosoftClient } from "./msal-tokens.js";

export interface MicrosoftGrant extends MicrosoftClient {
  /** Graph's origin when it is not https://graph.microsoft.com (a national cloud, or a test's fake). */
  readonly graphUrl?: string;
  /** msal's account key (`<oid>.<tid>`). */
  readonly homeAccountId: string;
  /** msal's serialized token cache. */
  readonly cache: string;
}

export function encodeMicrosoftGrant(grant: MicrosoftGrant): string {
  return JSON.stringify({ type: "microsoft", ...grant });
}

/** The grant in an opened credential; throws (without quoting it) on anything else. */
export function decodeMicrosoftGrant(plaintext: string): MicrosoftGrant {
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(plaintext) as Record<string, unknown>;
  } catch {
    throw new Error("sealed Microsoft grant is not JSON");
  }
  const { type, clientId, tenant, loginUrl, graphUrl, homeAccountId, cache } = data;
  const optional = (v: unknown) => v === undefined || typeof v === "string";
  if (
    type !== "microsoft" ||
    typeof clientId !== "string" ||
    typeof homeAccountId !== "string" ||
    typeof cache !== "string" ||
    !optional(tenant) ||
    !optional(loginUrl) ||
    !optional(graphUrl)
  ) {
    throw new Error("sealed Microsoft grant lacks its client, account or token cache");
  }
  return {
    clientId,
    homeAccountId,
    cache,
    ...(typeof tenant === "string" ? { tenant } : {}),
    ...(typeof loginUrl === "string" ? { loginUrl } : {}),
    ...(typeof graphUrl === "string" ? { graphUrl } : {}),
  };
}
