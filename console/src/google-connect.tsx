// Connecting an owner's Google Calendar or Microsoft 365 calendar from the console: the server starts
// the consent and answers with the provider's page to open; this follows the connect until the grant
// arrives or fails.
import { useEffect, useState } from "preact/hooks";
import type { ConsoleConnect as Connect } from "../../src/service/console-consent.js";
import { api } from "./api";
import { ErrorNote } from "./ui";

/** Starts a Google Calendar connect for one owner and follows it until the grant arrives or fails. */
export function GoogleConnect({ owner, onConnected }: { owner: string; onConnected: () => void }) {
  return <ConsentConnect provider="google" name="Google Calendar" owner={owner} onConnected={onConnected} />;
}

/** The same for a Microsoft 365 / Outlook calendar. */
export function MicrosoftConnect({ owner, onConnected }: { owner: string; onConnected: () => void }) {
  return <ConsentConnect provider="microsoft" name="Microsoft 365" owner={owner} onConnected={onConnected} />;
}

function ConsentConnect({
  provider,
  name,
  owner,
  onConnected,
}: {
  provider: "google" | "microsoft";
  name: string;
  owner: string;
  onConnected: () => void;
}) {
  const [connect, setConnect] = useState<Connect | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    if (connect?.status !== "waiting") return;
    const timer = setInterval(async () => {
      try {
        const now = await api<Connect>("GET", `/v1/admin/${provider}/connect/${connect.connect_id}`);
        if (now.status !== "waiting") {
          setConnect(now);
          if (now.status === "connected") onConnected();
        }
      } catch (err) {
        setError(err);
      }
    }, 1000);
    return () => clearInterval(timer);
  }, [connect?.connect_id, connect?.status]);

  const start = async () => {
    setError(null);
    try {
      setConnect(await api<Connect>("POST", `/v1/admin/${provider}/connect`, { owner_email: owner }));
    } catch (err) {
      setError(err);
    }
  };

  return (
    <div class="google-connect">
      <ErrorNote error={error} />
      {connect?.status === "waiting" ? (
        <p role="status">
          <a href={connect.auth_url} target="_blank" rel="noopener noreferrer">
            {provider === "google" ? "Open Google's consent page" : "Open Microsoft's sign-in page"}
          </a>{" "}
          in a browser on the server's machine; this page follows along.
        </p>
      ) : connect?.status === "connected" ? (
        <p role="status">{name} connected.</p>
      ) : connect?.status === "failed" ? (
        <p role="alert">The connect failed: {connect.error}</p>
      ) : null}
      {connect?.status !== "waiting" && (
        <button type="button" onClick={start}>
          Connect {name} <span class="sr-only">for {owner}</span>
        </button>
      )}
    </div>
  );
}
