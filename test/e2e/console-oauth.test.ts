// The OAuth consent as the owner meets it, in real Chromium: a remote MCP client (the SDK's own
// client-side OAuth) sends the browser to the authorization URL, which lands on the console; the
// owner signs in, sees the client by name with the scopes it asks for, narrows them, picks the
// owner and class, approves, and the browser is sent back to the client with a code. The client
// then books. The Connected apps page lists it, and Revoke ends its token at once.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAdminToken } from "../../src/service/admin-tokens.js";
import { type ConsoleServer, openPage, screenshots, serveConsole } from "../helpers/console-browser.js";
import { MemoryOAuthClient } from "../helpers/oauth-client.js";
import { makeWorld, NINE_TO_FIVE, type World } from "../helpers/world.js";

const CEO = "ceo@example.com";
let w: World;
let c: ConsoleServer;
let adminToken: string;

beforeAll(async () => {
  w = await makeWorld(new Date().toISOString());
  await w.addOwner(CEO, "UTC", { working_hours: NINE_TO_FIVE });
  await w.addOwner("cto@example.com", "UTC");
  adminToken = (await createAdminToken(w.app.ledger.db, w.clock.now)).token;
  c = await serveConsole(w);
});
afterAll(async () => {
  await c?.close();
  await w?.close();
});

describe("the consent page", () => {
  it("signs the owner in, shows the client and its scopes, and approving lets the client book; revoking ends it", async () => {
    // The client's redirect URI is a real loopback server: the browser arriving there ends the owner's part.
    let callback: URL | undefined;
    const receiver = createServer((req, res) => {
      // Only the callback itself: the browser asks for /favicon.ico after it.
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      if (url.pathname === "/callback") callback = url;
      res.writeHead(200, { "content-type": "text/plain" }).end("signed in; you may close this tab");
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const redirectUri = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/callback`;
    const client = new MemoryOAuthClient({ name: "Claude (console test)", redirectUri });
    const transport = new StreamableHTTPClientTransport(new URL(`${c.url}/mcp`), { authProvider: client });
    await expect(new Client({ name: "remote", version: "1" }).connect(transport)).rejects.toThrow(
      UnauthorizedError,
    );

    const { page, errors } = await openPage(c);
    await page.goto(client.authorizationUrl!.href);
    await page.getByLabel("Admin token").fill(adminToken);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Claude (console test) wants to use your calendars" }).waitFor();
    await expect(
      page.getByRole("checkbox", { name: /View calendar availability/ }).isChecked(),
    ).resolves.toBe(true);
    await page.getByRole("checkbox", { name: /Read events/ }).uncheck();
    await page.getByRole("checkbox", { name: CEO }).check();
    await page.getByLabel("Default meeting class").selectOption("external_customer_call");
    await screenshots(page, "oauth-consent");
    await page.getByRole("button", { name: "Approve" }).click();
    await page.waitForURL(`${redirectUri}**`);
    receiver.close();
    expect(callback?.searchParams.get("code")).toBeTruthy();

    await transport.finishAuth(callback!.searchParams.get("code")!);
    expect(client.tokens()!.scope?.split(" ").sort()).toEqual([
      "create_bookings",
      "create_holds",
      "read_freebusy",
    ]);
    const mcp = new Client({ name: "remote", version: "1" });
    await mcp.connect(new StreamableHTTPClientTransport(new URL(`${c.url}/mcp`), { authProvider: client }));
    const d = new Date(w.clock.now + 7 * 86_400_000);
    while (d.getUTCDay() === 0 || d.getUTCDay() === 6) d.setUTCDate(d.getUTCDate() + 1);
    d.setUTCHours(10, 0, 0, 0);
    const booked = (await mcp.callTool({
      name: "create_booking",
      arguments: { owner_email: CEO, start: d.toISOString(), duration_minutes: 30, title: "From Claude" },
    })) as unknown as { structuredContent: { verdict: string; booking: { meeting_class: string } } };
    expect(booked.structuredContent.verdict).toBe("Accept");
    expect(booked.structuredContent.booking.meeting_class).toBe("external_customer_call");
    const other = (await mcp.callTool({
      name: "create_booking",
      arguments: { owner_email: "cto@example.com", start: d.toISOString(), duration_minutes: 30 },
    })) as { isError?: boolean };
    expect(other.isError).toBe(true);
    await mcp.close();

    await page.goto(`${c.url}/#/apps`);
    const row = page.getByRole("row", { name: /Claude \(console test\)/ });
    await row.getByText("active").waitFor();
    // Its token was just used: the row says when (App, Status, May, Connected, Last used).
    await page.getByRole("columnheader", { name: "Last used" }).waitFor();
    expect(await row.getByRole("cell").nth(4).textContent()).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    await screenshots(page, "oauth-apps");
    page.once("dialog", (dialog) => void dialog.accept());
    await row.getByRole("button", { name: "Revoke" }).click();
    await row.getByText("revoked").waitFor();
    const after = await fetch(`${c.url}/v1/me`, {
      headers: { authorization: `Bearer ${client.tokens()!.access_token}` },
    });
    expect(after.status).toBe(401);
    expect(errors).toEqual([]);
  });
});
