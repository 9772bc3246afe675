// The page a browser sees when a sign-in cannot go on (oidc-provider's renderError): what went
// wrong in a sentence, and what to do about it. The provider's own page loads a web font from
// Google and says only "oops!". Every value is escaped: an error description can quote what the
// client sent.
import type { KoaContextWithOIDC } from "oidc-provider";

/** What to do, by OAuth error code, where the description alone does not say. */
const NEXT_STEP: Readonly<Record<string, string>> = {
  invalid_client:
    "This server does not know the app's registration: a registration the owner never approved lapses after 30 days. Remove Openavail from the app and add it again, so that it registers anew.",
  invalid_request: "Start the sign-in again from the app.",
  invalid_redirect_uri:
    "The app asked to return to an address it did not register; start again from the app.",
  access_denied: "The owner declined. Ask them to approve the app in the Openavail console.",
};

const DOCUMENT_CLIENT_STEP =
  "The app names itself by a metadata document at its client_id address, which could not be fetched or used here: check that the app is up to date, or ask its maker.";

const ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

export async function renderOAuthError(
  ctx: KoaContextWithOIDC,
  out: { readonly error?: string; readonly error_description?: string },
): Promise<void> {
  const code = out.error ?? "server_error";
  // A client known by its metadata document (an https client_id) never registered: its document
  // could not be fetched or used, and registering anew is not what would help.
  const clientId = (ctx.oidc?.params as { client_id?: unknown } | undefined)?.client_id;
  const next =
    (code === "invalid_client" || code === "invalid_client_metadata") &&
    typeof clientId === "string" &&
    /^https:\/\//i.test(clientId)
      ? DOCUMENT_CLIENT_STEP
      : NEXT_STEP[code];
  const lines = [out.error_description, next].filter((s): s is string => Boolean(s));
  ctx.type = "html";
  ctx.body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Openavail: sign-in stopped</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 3rem auto; padding: 0 1rem">
<h1 style="font-size: 1.4rem">The sign-in to Openavail stopped</h1>
${lines.map((line) => `<p>${escapeHtml(line)}</p>`).join("\n")}
<p><small>Error code: <code>${escapeHtml(code)}</code></small></p>
</body></html>`;
}
