// The page a browser sees when an OAuth sign-in stops (oidc-provider's renderError): what went
// wrong and what to do, with whatever the request carried escaped.
import type { KoaContextWithOIDC } from "oidc-provider";
import { describe, expect, it } from "vitest";
import { renderOAuthError } from "../../src/service/oauth/error-page.js";

async function render(out: { error?: string; error_description?: string }, clientId?: string) {
  const ctx = { type: "", body: "", oidc: { params: clientId === undefined ? {} : { client_id: clientId } } };
  await renderOAuthError(ctx as unknown as KoaContextWithOIDC, out);
  return ctx;
}

describe("the OAuth error page", () => {
  it("escapes what an error description quotes from the request", async () => {
    const ctx = await render({
      error: "invalid_request",
      error_description: `bad "state" <script>alert(1)</script>`,
    });
    expect(ctx.type).toBe("html");
    expect(ctx.body).not.toContain("<script>");
    expect(ctx.body).toContain("bad &quot;state&quot; &lt;script&gt;alert(1)&lt;/script&gt;");
    expect(ctx.body).toContain("Start the sign-in again from the app.");
  });

  it("names the code and, for an unknown client, how to register anew", async () => {
    const ctx = await render({ error: "invalid_client", error_description: "client is invalid" });
    expect(ctx.body).toContain("<code>invalid_client</code>");
    expect(ctx.body).toContain("registration the owner never approved lapses after 30 days");
  });

  it("for a client known by its metadata document, does not advise registering anew", async () => {
    const ctx = await render({ error: "invalid_client" }, "https://app.example/oauth/client.json");
    expect(ctx.body).toContain("metadata document at its client_id address");
    expect(ctx.body).not.toContain("lapses after 30 days");
  });

  it("still says something for an error without a code or description", async () => {
    const ctx = await render({});
    expect(ctx.body).toContain("<code>server_error</code>");
    expect(ctx.body).toContain("The sign-in to Openavail stopped");
  });
});
