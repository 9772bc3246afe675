// Sign-in: an admin token typed in, or a one-time link (#/link/cl_...) used as the page opens.
import { useEffect, useState } from "preact/hooks";
import { signIn } from "./api";
import { ErrorNote, Field } from "./ui";

export function SignInPage({ link, onSignedIn }: { link: string | undefined; onSignedIn: () => void }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!link) return;
    setBusy(true);
    // The link's token is in the fragment: take it out of the address bar and history at once.
    history.replaceState(null, "", "#/agents");
    signIn({ link })
      .then(onSignedIn)
      .catch(setError)
      .finally(() => setBusy(false));
  }, [link]);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn({ admin_token: token.trim() });
      setToken("");
      onSignedIn();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" class="sign-in">
      <section class="page" aria-labelledby="page-title">
        <h1 id="page-title" tabIndex={-1}>
          Sign in to Openavail
        </h1>
        <p>
          Use an admin token (<code>openavail admin-token create</code>) or open a sign-in link from{" "}
          <code>openavail console-link</code>.
        </p>
        <ErrorNote error={error} />
        <form onSubmit={submit}>
          <Field
            label="Admin token"
            hint="adm_… — it stays in this form; the session is a cookie scripts cannot read."
          >
            <input
              type="password"
              name="admin_token"
              autoComplete="off"
              required
              value={token}
              onInput={(e) => setToken((e.target as HTMLInputElement).value)}
            />
          </Field>
          <button type="submit" disabled={busy}>
            {busy ? "Signing in…" : "Sign in"}
          </button>
        </form>
      </section>
    </main>
  );
}
