// Connecting CalDAV and Microsoft 365 calendars from the owner console, in real headless Chromium: the
// CalDAV form against a real Radicale (the password field emptied, the calendar listed as caldav), and
// the Microsoft sign-in followed in a tab to the fake identity platform and back to this machine.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppConfig } from "../../src/compose.js";
import { createAdminToken } from "../../src/service/admin-tokens.js";
import { type FakeGraph, startFakeGraph } from "../fakes/microsoft-graph.js";
import { type ConsoleServer, openPage, serveConsole, signInWithToken } from "../helpers/console-browser.js";
import { type Radicale, startRadicale } from "../helpers/radicale.js";
import { makeWorld, type World } from "../helpers/world.js";

let w: World;
let c: ConsoleServer;
let adminToken: string;
let radicale: Radicale;
let graph: FakeGraph;

beforeAll(async () => {
  w = await makeWorld("2026-03-02T12:00:00Z");
  await w.addOwner("cal@example.com", "UTC", null, "personal");
  await w.addOwner("mia@contoso.com", "UTC", null, "personal");
  adminToken = (await createAdminToken(w.app.ledger.db, w.clock.now)).token;
  radicale = await startRadicale({ username: "cal@example.com", password: "console-app-pw" });
  graph = await startFakeGraph({ ownerEmail: "mia@contoso.com", now: () => w.clock.now });
  // serve reads the app registration from OPENAVAIL_MICROSOFT_CLIENT_ID; here it is given directly.
  const microsoft = { clientId: graph.clientId, loginUrl: graph.loginUrl, graphUrl: graph.graphUrl };
  c = await serveConsole(w, { microsoft } as Partial<AppConfig>);
}, 60_000);
afterAll(async () => {
  await c?.close();
  await graph?.close();
  await radicale?.close();
  await w?.close();
});

describe("the console connects", () => {
  it("a CalDAV calendar with an app password", async () => {
    const calendarUrl = await radicale.makeCalendar("work", { displayName: "Work" });
    const { page, errors } = await openPage(c);
    await signInWithToken(page, c.url, adminToken);
    await page.getByRole("link", { name: "Owners & rules" }).click();
    const owner = page.getByRole("region", { name: "cal@example.com" });
    await owner.getByRole("button", { name: /Connect a CalDAV calendar/ }).click();
    const form = owner.getByRole("form", { name: /Connect a CalDAV calendar/ });
    await form.getByLabel("CalDAV URL").fill(calendarUrl);
    await form.getByLabel("App password").fill("console-app-pw");
    await form.getByLabel("Calendar type").fill("work");
    await form.getByRole("button", { name: "Connect" }).click();
    await owner.getByText("CalDAV calendar connected (work, created).").waitFor();
    await owner.getByText("caldav, active").waitFor();
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it("a Microsoft 365 calendar through the sign-in in the browser", async () => {
    const { page, errors } = await openPage(c);
    await signInWithToken(page, c.url, adminToken);
    await page.getByRole("link", { name: "Owners & rules" }).click();
    const owner = page.getByRole("region", { name: "mia@contoso.com" });
    await owner.getByRole("button", { name: /Connect Microsoft 365/ }).click();
    const link = owner.getByRole("link", { name: "Open Microsoft's sign-in page" });
    const href = (await link.getAttribute("href")) ?? "";
    expect(href.startsWith(`${graph.loginUrl}/common/oauth2/v2.0/authorize?`)).toBe(true);
    const tab = await page.context().newPage();
    await tab.goto(href);
    await tab.getByText("connected").first().waitFor();
    await owner.getByText("Microsoft 365 connected.").waitFor();
    await owner.getByText("microsoft, active").waitFor();
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
