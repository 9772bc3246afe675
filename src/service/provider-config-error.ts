// The one error for a failure of Openavail's own provider configuration (as opposed to the provider's).

/**
 * A failure of Openavail's own configuration (no Google OAuth client, a secret key that does not open
 * the stored token). Deliberately not a ProviderError: the calendar is not marked needs_reconnect
 * (the grant itself is fine), and a queued write stays queued, retried with backoff, until the
 * operator fixes the configuration.
 */
export class ProviderConfigError extends Error {
  override readonly name = "ProviderConfigError";
}
