// The owner's consent against the fake identity platform, the test playing the browser: follows the
// consent URL (the fake answers with a redirect to the loopback server), and returns the grant.
import { startMicrosoftConsent } from "../../src/providers/microsoft/consent-loopback.js";
import type { FakeGraph } from "./microsoft-graph.js";

export async function consentOn(fake: FakeGraph) {
  const client = { clientId: fake.clientId, tenant: fake.tenant, loginUrl: fake.loginUrl };
  const consent = await startMicrosoftConsent(client, { loginHint: fake.ownerEmail, timeoutMs: 10_000 });
  const page = await fetch(consent.authUrl);
  if (page.status !== 200) throw new Error(`consent page answered ${page.status}`);
  return { client, grant: await consent.result, authUrl: consent.authUrl };
}
