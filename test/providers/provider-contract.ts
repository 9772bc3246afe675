// The behaviour every CalendarProvider shares, as one suite each provider's test file runs
// (the habit of hono's common.case.test.ts): `providerContract("local", ...)`, `("google", ...)`.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { BookingWrite, CalendarProvider } from "../../src/providers/calendar-provider.js";
import { ProviderError } from "../../src/providers/calendar-provider.js";

export interface ContractSubject {
  provider: CalendarProvider;
  calendar: { externalCalendarId: string; timeZone: string };
  close?: () => Promise<void>;
}

function booking(bookingId: string, start: string, end: string, title = "Intro call"): BookingWrite {
  return {
    bookingId,
    start: Date.parse(start),
    end: Date.parse(end),
    title,
    description: null,
    attendees: [{ email: "guest@example.com", name: null }],
    meetingClass: "sales",
    agentName: "sales-bot",
  };
}

export function providerContract(name: string, makeSubject: () => Promise<ContractSubject>): void {
  describe(`CalendarProvider contract: ${name}`, () => {
    let subject: ContractSubject;
    beforeEach(async () => {
      subject = await makeSubject();
    });
    afterEach(async () => {
      await subject.close?.();
    });

    it("names its kind", () => {
      expect(["local", "google"]).toContain(subject.provider.kind);
    });

    it("returns a sync token from a full sync, and accepts it back", async () => {
      const { calendar, provider } = subject;
      const first = await provider.sync({ ...calendar, syncToken: null });
      expect(first.nextSyncToken).toEqual(expect.any(String));
      expect(first.nextSyncToken.length).toBeGreaterThan(0);
      expect(first.fullResync).toBe(false);
      const second = await provider.sync({ ...calendar, syncToken: first.nextSyncToken });
      expect(second.fullResync).toBe(false);
      // Nothing changed in between.
      expect(second.events).toEqual([]);
    });

    it("upserts idempotently: the same booking id always maps to the same external event", async () => {
      const { calendar, provider } = subject;
      // 2026-03-10 10:00-10:30 New York
      const write = booking("bkg_contract_upsert", "2026-03-10T14:00:00Z", "2026-03-10T14:30:00Z");
      const first = await provider.upsertBooking(calendar, write);
      const again = await provider.upsertBooking(calendar, write);
      const moved = await provider.upsertBooking(calendar, {
        ...write,
        start: Date.parse("2026-03-10T15:00:00Z"),
        end: Date.parse("2026-03-10T15:30:00Z"),
      });
      expect(first.externalEventId.length).toBeGreaterThan(0);
      expect(again.externalEventId).toBe(first.externalEventId);
      expect(moved.externalEventId).toBe(first.externalEventId);
    });

    it("cancels idempotently, including a booking that was never written", async () => {
      const { calendar, provider } = subject;
      const write = booking("bkg_contract_cancel", "2026-03-11T14:00:00Z", "2026-03-11T15:00:00Z");
      await provider.upsertBooking(calendar, write);
      await expect(provider.cancelBooking(calendar, write.bookingId)).resolves.toBeUndefined();
      await expect(provider.cancelBooking(calendar, write.bookingId)).resolves.toBeUndefined();
      await expect(provider.cancelBooking(calendar, "bkg_contract_never_written")).resolves.toBeUndefined();
    });

    it("refuses a booking whose span is empty, as invalid", async () => {
      const { calendar, provider } = subject;
      const empty = booking("bkg_contract_empty", "2026-03-12T14:00:00Z", "2026-03-12T14:00:00Z");
      const err = await provider.upsertBooking(calendar, empty).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProviderError);
      expect((err as ProviderError).kind).toBe("invalid");
      expect((err as ProviderError).retryable).toBe(false);
    });

    it("lists calendars as {id, summary, primary, timeZone}", async () => {
      for (const cal of await subject.provider.listCalendars()) {
        expect(cal).toEqual({
          id: expect.any(String),
          summary: expect.any(String),
          primary: expect.any(Boolean),
          timeZone: expect.any(String),
        });
      }
    });
  });
}
