// The owner console in real headless Chromium against a served world: sign-in (token and one-time
// link), an agent created with its key shown once and used over REST, disabled and refused; decisions
// made over MCP (HTTP and an `openavail mcp` process) appearing live; a preempted booking marked in the
// week view and cancelled from it; a rules edit previewed, saved and obeyed by the next
// check_availability; CSRF and missing sessions refused. Screenshots go to reports/console/.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAdminToken } from "../../src/service/admin-tokens.js";
import { createConsoleLink } from "../../src/service/console-sessions.js";
import { openSecretBox } from "../../src/service/provider-registry.js";
import { deliverDueWebhooks } from "../../src/service/webhooks/delivery.js";
import { type FakeGoogle, startFakeGoogle } from "../fakes/google-calendar.js";
import {
  type ConsoleServer,
  openPage,
  screenshots,
  serveConsole,
  signInWithToken,
} from "../helpers/console-browser.js";
import { openStdioSession } from "../helpers/mcp-stdio-session.js";
import { ledgerEnv, makeWorld, NINE_TO_FIVE, type World } from "../helpers/world.js";

// Mon 2026-03-02 12:00Z = 13:00 in Berlin, where the CEO works 09:00-17:00 Monday to Friday.
const CEO = "ceo@example.com";
const MCP_ENTRY = fileURLToPath(new URL("./mcp-cli-entry.ts", import.meta.url));
let w: World;
let c: ConsoleServer;
let adminToken: string;
let google: FakeGoogle;
let sales: Awaited<ReturnType<World["addAgent"]>>;
let exec: Awaited<ReturnType<World["addAgent"]>>;

beforeAll(async () => {
  w = await makeWorld("2026-03-02T12:00:00Z");
  await w.addOwner(CEO, "Europe/Berlin", { timezone: "Europe/Berlin", working_hours: NINE_TO_FIVE });
  sales = await w.addAgent({ name: "sales", defaultClass: "internal_sync" });
  exec = await w.addAgent({ name: "exec", defaultClass: "exec_meeting" });
  adminToken = (await createAdminToken(w.app.ledger.db, w.clock.now)).token;
  google = await startFakeGoogle({ ownerEmail: "gina@example.com", now: () => w.clock.now });
  c = await serveConsole(w, {
    webhookAllowPrivate: true,
    google: {
      clientId: google.clientId,
      clientSecret: google.clientSecret,
      authUrl: google.authUrl,
      tokenUrl: google.tokenUrl,
      rootUrl: google.url,
    },
  });
}, 60_000);
afterAll(async () => {
  await c?.close();
  await google?.close();
  await w?.close();
});

async function rest(method: string, path: string, key: string) {
  const res = await fetch(`${c.url}${path}`, { method, headers: { authorization: `Bearer ${key}` } });
  return res.status;
}

describe("the owner console", () => {
  it("serves its page under a CSP without inline script that no site may frame", async () => {
    const res = await fetch(`${c.url}/`);
    expect(res.status).toBe(200);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(await res.text()).not.toMatch(/<script(?![^>]*\bsrc=)/);
  });

  it("signs in with a one-time link once, and refuses it the second time", async () => {
    const { token } = await createConsoleLink(c.app.ledger.db, w.clock.now);
    const first = await openPage(c);
    await first.page.goto(`${c.url}/#/link/${token}`);
    await first.page.getByRole("heading", { name: "Agents", level: 1 }).waitFor();
    // The token left the address bar as the page used it.
    expect(first.page.url()).not.toContain(token);
    const cookies = await first.page.context().cookies();
    const session = cookies.find((k) => k.name === "openavail_session");
    expect(session).toMatchObject({ httpOnly: true, sameSite: "Strict" });
    // Nothing secret where scripts can read it: not in storage, not in a script-visible cookie.
    expect(await first.page.evaluate("JSON.stringify(localStorage) + document.cookie")).not.toContain("cs_");

    const again = await openPage(c);
    await again.page.goto(`${c.url}/#/link/${token}`);
    await again.page.getByRole("alert").getByText("used up or expired").waitFor();
    await first.page.context().close();
    await again.page.context().close();
  });

  it("creates an agent whose key is shown once, works over REST, and gets 401 once disabled", async () => {
    const { page, errors } = await openPage(c);
    await signInWithToken(page, c.url, adminToken);
    await screenshots(page, "agents");
    await page.getByRole("link", { name: "New agent" }).click();
    await page.getByRole("heading", { name: "New agent" }).waitFor();
    await page.getByLabel("Name", { exact: true }).fill("recruiting assistant");
    await page.getByRole("checkbox", { name: /Read events/ }).check();
    await page.getByRole("checkbox", { name: /All owners/ }).check();
    await screenshots(page, "new-agent");
    await page.getByRole("button", { name: "Create agent" }).click();
    await page.getByRole("heading", { name: "recruiting assistant" }).waitFor();

    await page.getByRole("button", { name: "Create key" }).click();
    const key = (await page.getByTestId("new-key").textContent())?.trim() ?? "";
    expect(key).toMatch(/^ak_[A-Za-z0-9_-]{49}$/);
    await screenshots(page, "agent-new-key");
    expect(await rest("GET", "/v1/me", key)).toBe(200);

    // Shown once: a reload of the agent page has the prefix only.
    await page.reload();
    await page.getByRole("heading", { name: "recruiting assistant" }).waitFor();
    expect(await page.content()).not.toContain(key);
    expect(await page.content()).toContain(key.slice(0, 11));

    await page.getByRole("button", { name: "Disable agent" }).click();
    await page.getByRole("button", { name: "Enable agent" }).waitFor();
    expect(await rest("GET", "/v1/me", key)).toBe(401);
    await screenshots(page, "agent-disabled");
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it("shows decisions made over MCP live: over HTTP and by an openavail mcp process on the same database", async () => {
    const { page, errors } = await openPage(c);
    await signInWithToken(page, c.url, adminToken);
    await page.getByRole("link", { name: "Decisions" }).click();
    await page.getByText("Updates: live").waitFor();

    const client = new Client({ name: "console-e2e", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${c.url}/mcp`), {
        requestInit: { headers: { Authorization: `Bearer ${sales.key}` } },
      }),
    );
    const res = (await client.callTool({
      name: "create_hold",
      arguments: { owner_email: CEO, start: "2026-03-04T10:00:00Z", duration_minutes: 30 },
    })) as CallToolResult;
    const decision = (res.structuredContent as { decision_id: string }).decision_id;
    await page.locator(`tr[data-decision="${decision}"]`).waitFor({ timeout: 5_000 });
    await client.close();

    const stdio = await openStdioSession(
      ["--import", "tsx", MCP_ENTRY, "mcp"],
      { OPENAVAIL_API_KEY: exec.key, ...ledgerEnv(w), OPENAVAIL_LOG_LEVEL: "silent" },
      process.cwd(),
    );
    try {
      const viaProcess = await stdio.call("check_availability", {
        owner_email: CEO,
        duration_minutes: 30,
        window: { start: "2027-03-01T00:00:00Z", end: "2027-03-02T00:00:00Z" },
        hold: false,
      });
      const id = (viaProcess.structuredContent as { decision_id: string }).decision_id;
      await page.locator(`tr[data-decision="${id}"]`).waitFor({ timeout: 5_000 });
    } finally {
      await stdio.close();
    }
    await page.locator(`tr[data-decision="${decision}"] button`).click();
    await page.getByText("Request").first().waitFor();
    await screenshots(page, "decisions");
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it("marks a preempted booking needs_reschedule in the week view, and cancels a booking from it", async () => {
    const low = await w.call(sales.caller, "create_booking", {
      owner_email: CEO,
      start: "2026-03-03T09:00:00Z",
      duration_minutes: 60,
      title: "Pipeline review",
    });
    expect(low.verdict).toBe("Accept");
    const high = await w.call(exec.caller, "create_booking", {
      owner_email: CEO,
      start: "2026-03-03T09:00:00Z",
      duration_minutes: 60,
      title: "Board prep",
    });
    expect(high.verdict).toBe("Preempt");

    const { page, errors } = await openPage(c);
    await signInWithToken(page, c.url, adminToken);
    await page.goto(`${c.url}/#/calendar?owner=${encodeURIComponent(CEO)}&date=2026-03-03`);
    const displaced = page.locator(`[data-item="${low.booking.booking_id}"]`);
    await displaced.waitFor();
    expect(await displaced.getAttribute("class")).toContain("needs");
    expect(await displaced.getAttribute("aria-label")).toContain("needs reschedule");
    // Wall time in Berlin: 09:00Z is 10:00 there.
    expect(await displaced.getAttribute("aria-label")).toMatch(/^10:00-11:00/);
    await displaced.click();
    await page.getByText(`Displaced by ${high.booking.booking_id}`).waitFor();
    await screenshots(page, "calendar");

    await page.locator(`[data-item="${high.booking.booking_id}"]`).click();
    await page.getByLabel("Reason (told to the agent)").fill("moved to Thursday");
    await page.getByRole("button", { name: "Cancel booking" }).click();
    await page.locator(`[data-item="${high.booking.booking_id}"]`).waitFor({ state: "detached" });
    const notes = await w.call(exec.caller, "get_notifications", {});
    expect(
      notes.notifications.map((n: { type: string; reason: string }) => [n.type, n.reason]),
    ).toContainEqual(["booking.cancelled", "moved to Thursday"]);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it("previews a rules edit, saves it, and the next check_availability obeys it", async () => {
    const { page, errors } = await openPage(c);
    await signInWithToken(page, c.url, adminToken);
    await page.getByRole("link", { name: "Owners & rules" }).click();
    const owner = page.getByRole("region", { name: CEO });
    await owner.getByRole("button", { name: "Edit rules" }).click();
    const count = page.getByTestId("preview-count");
    await count.waitFor();
    const before = await count.textContent();
    await page.getByLabel("Wednesday until").fill("10:00");
    // (The page's CSP forbids evaluating strings, so the wait is a locator, not waitForFunction.)
    await page
      .getByTestId("preview-count")
      .filter({ hasNotText: before ?? "" })
      .waitFor();
    await screenshots(page, "rules");
    await page.getByRole("button", { name: "Save rules" }).click();
    await page.getByText("Saved: the next availability check uses them.").waitFor();

    const check = await w.call(sales.caller, "check_availability", {
      owner_email: CEO,
      duration_minutes: 30,
      window: { start: "2026-03-03T23:00:00Z", end: "2026-03-04T23:00:00Z" },
      hold: false,
      max_slots: 100,
    });
    expect(check.slots.length).toBeGreaterThan(0);
    // Wednesday in Berlin now ends at 10:00 (09:00Z).
    for (const s of check.slots) expect(s.end <= "2026-03-04T09:00:00Z").toBe(true);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it("refuses a write without the CSRF token, and the admin API without a session", async () => {
    const { page } = await openPage(c);
    await signInWithToken(page, c.url, adminToken);
    const status = await page.evaluate(async () => {
      const res = await fetch("/v1/owners", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: "csrf@example.com" }),
      });
      return res.status;
    });
    expect(status).toBe(403);
    const stranger = await openPage(c);
    const anon = await stranger.page.request.get(`${c.url}/v1/agents`);
    expect(anon.status()).toBe(401);
    await stranger.page.goto(`${c.url}/`);
    await stranger.page.getByRole("heading", { name: "Sign in to Openavail" }).waitFor();
    await screenshots(stranger.page, "sign-in");
    await page.context().close();
    await stranger.page.context().close();
  });

  it("connects an owner's Google Calendar: consent in the browser, the calendar attached", async () => {
    await w.addOwner("gina@example.com", "UTC", null, "personal");
    const { page, errors } = await openPage(c);
    await signInWithToken(page, c.url, adminToken);
    await page.getByRole("link", { name: "Owners & rules" }).click();
    const owner = page.getByRole("region", { name: "gina@example.com" });
    await owner.getByRole("button", { name: /Connect Google Calendar/ }).click();
    const consent = owner.getByRole("link", { name: "Open Google's consent page" });
    const href = (await consent.getAttribute("href")) ?? "";
    expect(href.startsWith(google.authUrl)).toBe(true);
    // The owner follows the link: Google's (fake) consent redirects to this machine's loopback.
    const tab = await page.context().newPage();
    await tab.goto(href);
    await tab.getByText("connected").first().waitFor();
    await owner.getByText("Google Calendar connected.").waitFor();
    await owner.getByText("google, active").waitFor();
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it("creates an organisation-wide webhook, shows its secret once, and lists what it delivered", async () => {
    const got: string[] = [];
    const receiver = createServer((req, res) => {
      req.on("data", () => {});
      req.on("end", () => {
        got.push(String(req.headers["webhook-id"]));
        res.end("ok");
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    try {
      const { page, errors } = await openPage(c);
      await signInWithToken(page, c.url, adminToken);
      await page.getByRole("link", { name: "Webhooks" }).click();
      await page.getByLabel("URL").fill(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`);
      await page.getByRole("button", { name: "Create webhook" }).click();
      expect(await page.getByTestId("webhook-secret").textContent()).toMatch(/^whsec_/);
      await screenshots(page, "webhooks");
      const made = await w.call(sales.caller, "create_hold", {
        owner_email: CEO,
        start: "2026-03-05T09:00:00Z",
        duration_minutes: 30,
      });
      expect(made.verdict).toBe("Accept");
      const run = await deliverDueWebhooks({
        db: c.app.ledger.db,
        now: c.app.config.now,
        logger: c.app.logger,
        secretBox: () => openSecretBox({ dbPath: c.app.config.dbPath, secretKey: c.app.config.secretKey }),
        allowPrivate: true,
      });
      expect(run.delivered).toBeGreaterThan(0);
      await page.locator("tr[data-webhook] button.link-button").first().click();
      await page
        .getByRole("region", { name: /Deliveries of/ })
        .getByText("delivered")
        .first()
        .waitFor();
      expect(got.length).toBe(run.delivered);
      expect(errors).toEqual([]);
      await page.context().close();
    } finally {
      receiver.close();
    }
  });

  it("limits sign-in attempts per address", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await fetch(`${c.url}/console/session`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ admin_token: `adm_${"x".repeat(43)}` }),
      });
      statuses.push(res.status);
    }
    expect(statuses).toContain(401);
    expect(statuses.at(-1)).toBe(429);
  });
});
