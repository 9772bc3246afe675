// The behaviour every CalendarProvider shares, as one suite each provider's test file runs
// (the habit of hono's common.case.test.ts): `providerContract("local", ...)`, `("google", ...)`,
// `("microsoft", ...)`, `("caldav", ...)`. Each run prints one summary line per provider.
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import type { BookingWrite, CalendarProvider, ProviderEvent } from "../../src/providers/calendar-provider.js";
import { ProviderError } from "../../src/providers/calendar-provider.js";

/** What the calendar's human owner can do on the provider side, when the provider has one. */
export interface HumanSide {
  /** Adds a timed event as the owner's own calendar app would; resolves when the provider has it. */
  addEvent(title: string, start: string, end: string): Promise<void>;
}

export interface ContractSubject {
  provider: CalendarProvider;
  calendar: { externalCalendarId: string; timeZone: string };
  /** Absent for `local`, whose calendar is the ledger itself. */
  human?: HumanSide;
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

/** The ProviderError `promise` rejects with (failing the test when it resolves or throws anything else). */
export async function providerFailure(promise: Promise<unknown>): Promise<ProviderError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  return err as ProviderError;
}

/** Keyed by externalId: the last report of each event in a page. */
const latest = (events: readonly ProviderEvent[]) => new Map(events.map((e) => [e.externalId, e]));

export function providerContract(name: string, makeSubject: () => Promise<ContractSubject>): void {
  const tally = { passed: 0, failed: 0, skipped: 0 };
  // Each case counts itself, so the run prints how this provider fared (vitest shows test output).
  // `remote`: the case needs a calendar kept elsewhere (every provider but `local`).
  const test = (title: string, body: (s: ContractSubject) => Promise<void>, remote = false) =>
    it(title, async (ctx) => {
      if (remote && subject.human === undefined) {
        tally.skipped++;
        ctx.skip();
        return;
      }
      try {
        await body(subject);
        tally.passed++;
      } catch (err) {
        tally.failed++;
        throw err;
      }
    });
  let subject: ContractSubject;

  describe(`CalendarProvider contract: ${name}`, () => {
    beforeEach(async () => {
      subject = await makeSubject();
    });
    afterEach(async () => {
      await subject.close?.();
    });
    afterAll(() => {
      const total = tally.passed + tally.failed;
      const skipped = tally.skipped > 0 ? `, ${tally.skipped} not applicable` : "";
      console.log(`provider contract: ${name}: ${tally.passed}/${total} passed${skipped}`);
    });

    test("names its kind", async ({ provider }) => {
      expect(["local", "google", "microsoft", "caldav"]).toContain(provider.kind);
    });

    test("returns a sync token from a full sync, and accepts it back", async ({ calendar, provider }) => {
      const first = await provider.sync({ ...calendar, syncToken: null });
      expect(first.nextSyncToken).toEqual(expect.any(String));
      expect(first.nextSyncToken.length).toBeGreaterThan(0);
      expect(first.fullResync).toBe(false);
      const second = await provider.sync({ ...calendar, syncToken: first.nextSyncToken });
      expect(second.fullResync).toBe(false);
      // Nothing changed in between.
      expect(second.events).toEqual([]);
    });

    test("upserts idempotently: the same booking id always maps to the same external event", async ({
      calendar,
      provider,
    }) => {
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

    test("cancels idempotently, including a booking that was never written", async ({
      calendar,
      provider,
    }) => {
      const write = booking("bkg_contract_cancel", "2026-03-11T14:00:00Z", "2026-03-11T15:00:00Z");
      await provider.upsertBooking(calendar, write);
      await expect(provider.cancelBooking(calendar, write.bookingId)).resolves.toBeUndefined();
      await expect(provider.cancelBooking(calendar, write.bookingId)).resolves.toBeUndefined();
      await expect(provider.cancelBooking(calendar, "bkg_contract_never_written")).resolves.toBeUndefined();
    });

    test("refuses a booking whose span is empty, as invalid", async ({ calendar, provider }) => {
      const empty = booking("bkg_contract_empty", "2026-03-12T14:00:00Z", "2026-03-12T14:00:00Z");
      const err = await provider.upsertBooking(calendar, empty).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProviderError);
      expect((err as ProviderError).kind).toBe("invalid");
      expect((err as ProviderError).retryable).toBe(false);
    });

    test("lists calendars as {id, summary, primary, timeZone}", async ({ provider }) => {
      for (const cal of await provider.listCalendars()) {
        expect(cal).toEqual({
          id: expect.any(String),
          summary: expect.any(String),
          primary: expect.any(Boolean),
          timeZone: expect.any(String),
        });
      }
    });

    test(
      "reports the owner's new event in the next incremental sync: busy, at its time, no booking",
      async ({ calendar, provider, human }) => {
        const first = await provider.sync({ ...calendar, syncToken: null });
        // 2026-03-13 09:00-10:00 New York
        await human!.addEvent("Dentist", "2026-03-13T13:00:00Z", "2026-03-13T14:00:00Z");
        const next = await provider.sync({ ...calendar, syncToken: first.nextSyncToken });
        expect(next.fullResync).toBe(false);
        const dentist = next.events.filter((e) => e.title === "Dentist");
        expect(dentist).toEqual([
          expect.objectContaining({
            start: Date.parse("2026-03-13T13:00:00Z"),
            end: Date.parse("2026-03-13T14:00:00Z"),
            busy: true,
            status: "confirmed",
            allDay: false,
            bookingId: null,
          }),
        ]);
      },
      true,
    );

    test(
      "reports a booking's own event with its booking id, then its deletion once cancelled",
      async ({ calendar, provider }) => {
        const start = await provider.sync({ ...calendar, syncToken: null });
        const write = booking("bkg_contract_mirror", "2026-03-16T14:00:00Z", "2026-03-16T14:30:00Z");
        await provider.upsertBooking(calendar, write);
        const written = await provider.sync({ ...calendar, syncToken: start.nextSyncToken });
        const mine = [...latest(written.events).values()].filter((e) => e.bookingId === write.bookingId);
        expect(mine).toEqual([
          expect.objectContaining({ start: write.start, end: write.end, busy: true, title: "Intro call" }),
        ]);
        await provider.cancelBooking(calendar, write.bookingId);
        const gone = await provider.sync({ ...calendar, syncToken: written.nextSyncToken });
        const after = latest(gone.events).get(mine[0]!.externalId);
        expect(after).toMatchObject({ status: "cancelled", busy: false });
      },
      true,
    );
  });
}
