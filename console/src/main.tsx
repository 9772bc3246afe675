// The console's shell: session check, hash routes, navigation. Each page is a module of its own.
import { type JSX, render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { AgentPage } from "./agent-page";
import { AgentsPage, NewAgentPage } from "./agents";
import { onSignedOut, restoreSession, signOut } from "./api";
import { CalendarPage } from "./calendar";
import { DecisionsPage } from "./decisions";
import { ConnectedAppsPage, ConsentPage } from "./oauth";
import { OwnersPage } from "./owners";
import { SignInPage } from "./sign-in";
import { WebhooksPage } from "./webhooks";

const NAV = [
  { href: "#/agents", label: "Agents" },
  { href: "#/calendar", label: "Calendar" },
  { href: "#/decisions", label: "Decisions" },
  { href: "#/owners", label: "Owners & rules" },
  { href: "#/webhooks", label: "Webhooks" },
  { href: "#/apps", label: "Connected apps" },
];

function currentRoute(): string {
  return window.location.hash.replace(/^#/, "") || "/agents";
}

function App() {
  const [route, setRoute] = useState(currentRoute());
  const [signedIn, setSignedIn] = useState<boolean | null>(null);

  useEffect(() => {
    const onHash = () => setRoute(currentRoute());
    window.addEventListener("hashchange", onHash);
    const off = onSignedOut(() => setSignedIn(false));
    restoreSession().then(setSignedIn, () => setSignedIn(false));
    return () => {
      window.removeEventListener("hashchange", onHash);
      off();
    };
  }, []);

  // Move focus to the new page's heading, so keyboard and screen reader users land on it.
  useEffect(() => {
    document.getElementById("page-title")?.focus();
  }, [route, signedIn]);

  if (signedIn === null) return <p class="loading">Loading…</p>;
  const link = /^\/link\/(cl_[A-Za-z0-9_-]+)$/.exec(route)?.[1];
  if (!signedIn || link) {
    return (
      <SignInPage
        link={link}
        onSignedIn={() => {
          setSignedIn(true);
          // The link page replaced its own address already (no hashchange): move on by hand.
          if (link) setRoute("/agents");
        }}
      />
    );
  }

  const [path, search = ""] = route.split("?");
  const params = new URLSearchParams(search);
  let page: JSX.Element;
  const agent = /^\/agents\/(agt_[0-9a-z]+)$/.exec(path ?? "")?.[1];
  const consent = /^\/oauth\/([A-Za-z0-9_%-]+)$/.exec(path ?? "")?.[1];
  if (path === "/agents/new") page = <NewAgentPage />;
  else if (agent) page = <AgentPage id={agent} />;
  else if (path === "/calendar") page = <CalendarPage params={params} />;
  else if (path === "/decisions") page = <DecisionsPage />;
  else if (path === "/owners") page = <OwnersPage />;
  else if (path === "/webhooks") page = <WebhooksPage />;
  else if (path === "/apps") page = <ConnectedAppsPage />;
  else if (consent) page = <ConsentPage uid={decodeURIComponent(consent)} />;
  else page = <AgentsPage />;

  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Openavail</span>
        <nav aria-label="Console">
          {NAV.map((n) => (
            <a key={n.href} href={n.href} aria-current={`#${path}`.startsWith(n.href) ? "page" : undefined}>
              {n.label}
            </a>
          ))}
        </nav>
        <button
          type="button"
          class="link-button"
          onClick={async () => {
            await signOut().catch(() => undefined);
            setSignedIn(false);
          }}
        >
          Sign out
        </button>
      </header>
      <main id="main">{page}</main>
    </>
  );
}

render(<App />, document.getElementById("app")!);
