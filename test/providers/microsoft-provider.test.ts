// The real Microsoft Graph adapter and msal-node over HTTP against the fake Graph and identity
// platform: the consent with PKCE, delta sync, 410 resync, idempotent writes, Retry-After, invalid_grant.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GraphProvider } from "../../src/providers/microsoft/graph-provider.js";
import { GraphTokens } from "../../src/providers/microsoft/msal-tokens.js";
import { consentOn } from "../fakes/microsoft-consent.js";
import { type FakeGraph, startFakeGraph } from "../fakes/microsoft-graph.js";
import { providerFailure as failure, providerContract } from "./provider-contract.js";

const NOW = Date.parse("2026-03-01T12:00:00Z");
const TZ = "America/New_York";

async function providerOn(fake: FakeGraph, onChange?: (cache: string) => Promise<void>) {
  const { client, grant } = await consentOn(fake);
  const tokens = new GraphTokens(client, grant, onChange);
  return new GraphProvider({ tokens, graphUrl: fake.graphUrl, timeoutMs: 5_000, now: () => NOW });
}

providerContract("microsoft (fake Graph over HTTP)", async () => {
  const fake = await startFakeGraph();
  return {
    provider: await providerOn(fake),
    calendar: { externalCalendarId: fake.calendarId, timeZone: TZ },
    human: {
      addEvent: async (title, start, end) => {
        fake.human.addEvent(title, start, end);
      },
    },
    close: () => fake.close(),
  };
});

describe("GraphProvider", () => {
  let fake: FakeGraph;
  let calendar: { externalCalendarId: string; timeZone: string };
  beforeEach(async () => {
    fake = await startFakeGraph();
    calendar = { externalCalendarId: fake.calendarId, timeZone: TZ };
  });
  afterEach(async () => {
    await fake.close();
  });

  it("asks consent with PKCE S256 for Calendars.ReadWrite, offline, the owner pre-filled", async () => {
    const { grant } = await consentOn(fake);
    expect(Object.fromEntries(fake.lastAuthorize!)).toMatchObject({
      client_id: fake.clientId,
      code_challenge_method: "S256",
      login_hint: fake.ownerEmail,
      response_type: "code",
    });
    expect(fake.lastAuthorize!.get("scope")!.split(" ")).toEqual(
      expect.arrayContaining(["Calendars.ReadWrite", "User.Read", "offline_access"]),
    );
    expect(grant).toMatchObject({ homeAccountId: "oid-1.tid-1", username: fake.ownerEmail });
    // msal's cache holds the refresh token the fake issued: the grant is what gets sealed.
    expect(grant.cache).toContain(fake.refreshTokens.at(-1)!);
  });

  it("pages the delta, then reports only changes; a forgotten delta token lists all again", async () => {
    const provider = await providerOn(fake);
    for (const h of ["09", "10", "11"])
      fake.human.addEvent(`Meeting ${h}`, `2026-03-02T${h}:00:00Z`, `2026-03-02T${h}:30:00Z`);
    const full = await provider.sync({ ...calendar, syncToken: null });
    expect(full.events.map((e) => e.title).sort()).toEqual(["Meeting 09", "Meeting 10", "Meeting 11"]);
    const gone = fake.events()[0]!;
    fake.human.deleteEvent(gone.id);
    fake.human.addEvent("Lunch", "2026-03-02T17:00:00Z", "2026-03-02T18:00:00Z", { showAs: "free" });
    const next = await provider.sync({ ...calendar, syncToken: full.nextSyncToken });
    expect(next.fullResync).toBe(false);
    expect(next.events).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ externalId: gone.id, status: "cancelled", busy: false }),
        expect.objectContaining({ title: "Lunch", busy: false }),
      ]),
    );
    fake.forgetDeltaTokens();
    const again = await provider.sync({ ...calendar, syncToken: next.nextSyncToken });
    expect(again.fullResync).toBe(true);
    expect(again.events.map((e) => e.title).sort()).toEqual(["Lunch", "Meeting 10", "Meeting 11"]);
  });

  it("writes one event per booking, marked with the booking id, however often it is retried", async () => {
    const provider = await providerOn(fake);
    const write = {
      bookingId: "bkg_ms1",
      start: Date.parse("2026-03-03T15:00:00Z"),
      end: Date.parse("2026-03-03T15:30:00Z"),
      title: "Intro call",
      description: "Agenda",
      attendees: [{ email: "ana@example.com", name: "Ana" }],
      meetingClass: "sales",
      agentName: "bot",
    };
    const first = await provider.upsertBooking(calendar, write);
    await provider.upsertBooking(calendar, write);
    await provider.upsertBooking(calendar, {
      ...write,
      start: write.start + 3_600_000,
      end: write.end + 3_600_000,
    });
    expect(fake.events()).toMatchObject([
      { id: first.externalEventId, transactionId: "openavail-bkg_ms1", start: "2026-03-03T16:00:00.000Z" },
    ]);
    // Named in the body, not invited: Graph would mail every attendee of an event it creates.
    expect(fake.events()[0]!.body).toBe("Agenda\n\nAttendees: Ana <ana@example.com>");
    const page = await provider.sync({ ...calendar, syncToken: null });
    expect(page.events).toMatchObject([{ bookingId: "bkg_ms1", busy: true }]);
  });

  it("honours Retry-After on 429 and 503", async () => {
    const provider = await providerOn(fake);
    for (const [status, kind] of [
      [429, "rate_limited"],
      [503, "unavailable"],
    ] as const) {
      fake.fail(status, { retryAfterSeconds: 12 });
      const err = await failure(provider.sync({ ...calendar, syncToken: null }));
      expect([err.kind, err.status, err.retryAfterMs, err.retryable]).toEqual([kind, status, 12_000, true]);
    }
  });

  it("turns invalid_grant into auth_revoked, and re-seals the rotated refresh token", async () => {
    const seen: string[] = [];
    const { client, grant } = await consentOn(fake);
    const tokens = new GraphTokens(client, grant, async (cache) => {
      seen.push(cache);
    });
    await tokens.accessToken(true);
    expect(seen.at(-1)).toContain(fake.refreshTokens.at(-1)!);
    fake.revokeRefreshTokens();
    const provider = new GraphProvider({ tokens, graphUrl: fake.graphUrl, now: () => NOW });
    const err = await failure(tokens.accessToken(true));
    expect([err.kind, err.retryable]).toEqual(["auth_revoked", false]);
    expect(err.message).not.toMatch(/M\.R3_fake/);
    expect(provider.kind).toBe("microsoft");
  });
});
