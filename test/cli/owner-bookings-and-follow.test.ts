// The owner's admin commands on the database (--db): `owner bookings|booking|cancel` over an agent's
// bookings (the agent is told of a cancellation, with the reason, and the decision is logged as
// owner_cancel_booking), and `decisions --follow`, which prints the latest decisions in order and then
// each new one until its stop signal aborts.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/run-cli.js";
import { OWNER_CANCEL_TOOL } from "../../src/service/owner-bookings.js";
import { makeWorld, NINE_TO_FIVE, type World } from "../helpers/world.js";
import { Capture, RAW_KEY } from "./cli-harness.js";

// Mon 2026-03-02 12:00Z = 07:00 in New York; Tuesday 10:00 there is 15:00Z and 16:00 in Berlin.
const CEO = "ceo@example.com";
const TUE_10 = "2026-03-03T15:00:00Z";

let w: World;
let sales: Awaited<ReturnType<World["addAgent"]>>;
let runs: { argv: readonly string[]; out: string; err: string }[];

beforeEach(async () => {
  w = await makeWorld("2026-03-02T12:00:00Z");
  await w.addOwner(CEO, "America/New_York", { timezone: "America/New_York", working_hours: NINE_TO_FIVE });
  sales = await w.addAgent({ name: "sales", defaultClass: "external_customer_call" });
  runs = [];
});
afterEach(async () => {
  for (const stop of following.splice(0)) await stop();
  for (const r of runs) expect(`${r.out}${r.err}`, r.argv.join(" ")).not.toMatch(RAW_KEY);
  await w?.close();
});

/** A Capture whose text can be waited for: `until` resolves once the text contains the needle. */
class Watched extends Capture {
  #waiting: { needle: string; found: () => void }[] = [];
  override _write(chunk: Buffer, enc: BufferEncoding, done: () => void): void {
    super._write(chunk, enc, done);
    this.#look();
  }
  until(needle: string): Promise<void> {
    return new Promise((found) => {
      this.#waiting.push({ needle, found });
      this.#look();
    });
  }
  #look(): void {
    this.#waiting = this.#waiting.filter((w) => {
      if (!this.text.includes(w.needle)) return true;
      w.found();
      return false;
    });
  }
}

const following: (() => Promise<number>)[] = [];

/**
 * Starts `decisions --follow` (in `args`) on the world's database. `until` waits for its output to
 * contain a text, and fails at once if the command ends first; `stop` aborts it and gives its exit code.
 */
function startFollow(...args: string[]) {
  const stdout = new Watched();
  const stderr = new Capture();
  const controller = new AbortController();
  const ctx = { env: {}, stdout, stderr };
  const running = runCli(["--db", w.dbPath, ...args], ctx, {
    now: () => w.clock.now,
    stop: controller.signal,
  });
  const ended = running.then((code) => {
    throw new Error(`${args.join(" ")} ended (exit ${code}) before printing that: ${stderr.text}`);
  });
  ended.catch(() => undefined);
  const stop = () => {
    controller.abort();
    return running;
  };
  following.push(stop);
  return { stdout, stderr, stop, until: (text: string) => Promise.race([stdout.until(text), ended]) };
}

/** Runs one admin command line on the world's database, with the world's clock. */
async function admin(...argv: string[]) {
  const stdout = new Capture();
  const stderr = new Capture();
  const line = ["--db", w.dbPath, ...argv];
  const code = await runCli(line, { env: {}, stdout, stderr }, { now: () => w.clock.now });
  const run = { argv: line, code, out: stdout.text, err: stderr.text };
  runs.push(run);
  return run;
}

async function adminJson(...argv: string[]) {
  const r = await admin("--json", ...argv);
  expect([r.code, r.err]).toEqual([0, ""]);
  return JSON.parse(r.out);
}

async function book(start = TUE_10, title = "Demo") {
  const made = await w.call(sales.caller, "create_booking", {
    owner_email: CEO,
    start,
    duration_minutes: 30,
    title,
  });
  expect(made.verdict).toBe("Accept");
  return { bookingId: made.booking.booking_id as string, decisionId: made.decision_id as string };
}

describe("owner bookings | booking", () => {
  it("lists an agent's bookings in the owner's zone (UTC without --owner), filtered by day and status", async () => {
    const { bookingId } = await book();
    const mine = await admin("owner", "bookings", "--owner", CEO);
    expect(mine.code).toBe(0);
    expect(mine.out).toMatch(
      new RegExp(
        `^WHEN \\(America/New_York\\) .*\\nTue 2026-03-03 10:00-10:30 +confirmed +Demo .*${bookingId}\\n$`,
      ),
    );
    expect((await admin("owner", "bookings")).out).toContain("Tue 2026-03-03 15:00-15:30");
    expect((await admin("owner", "bookings", "--tz", "Europe/Berlin")).out).toContain(
      "Tue 2026-03-03 16:00-16:30",
    );
    expect((await admin("owner", "bookings", "--owner", CEO, "--on", "tuesday")).out).toContain(bookingId);
    expect((await admin("owner", "bookings", "--owner", CEO, "--on", "wednesday")).out).toBe(
      "No bookings.\n",
    );
    expect((await admin("owner", "bookings", "--status", "cancelled")).out).toBe("No bookings.\n");

    const listed = await adminJson("owner", "bookings", "--owner", CEO, "--on", "2026-03-03");
    expect(listed).toEqual({
      bookings: [expect.objectContaining({ booking_id: bookingId })],
      next_cursor: null,
    });
    expect(listed.bookings[0]).toMatchObject({ agent_id: sales.agentId, start: TUE_10, status: "confirmed" });
  });

  it("shows one booking of any agent, in the owner's zone or --tz", async () => {
    const { bookingId } = await book();
    const shown = await admin("owner", "booking", bookingId);
    expect(shown.out).toBe(
      `booking ${bookingId} confirmed: "Demo"\n` +
        "  Tue 2026-03-03 10:00-10:30 (America/New_York), ceo@example.com work, class external_customer_call\n",
    );
    expect((await admin("owner", "booking", bookingId, "--tz", "Europe/Berlin")).out).toContain(
      "Tue 2026-03-03 16:00-16:30 (Europe/Berlin)",
    );
    const body = await adminJson("owner", "booking", bookingId);
    expect(body.booking).toMatchObject({ booking_id: bookingId, agent_id: sales.agentId, title: "Demo" });
  });
});

describe("owner cancel", () => {
  it("cancels, frees the slot, tells the booking's agent with the reason, and logs owner_cancel_booking", async () => {
    const { bookingId } = await book();
    const r = await admin("owner", "cancel", bookingId, "--reason", "I am on leave that day");
    expect([r.code, r.err]).toEqual([0, ""]);
    expect(r.out).toMatch(new RegExp(`^booking ${bookingId} cancelled: "Demo"\\n.*\\ndecision dec_\\w+\\n$`));

    // The agent's next call (here get_notifications) hands it the notification.
    const { notifications } = await w.call(sales.caller, "get_notifications", {});
    expect(notifications).toEqual([
      expect.objectContaining({
        type: "booking.cancelled",
        booking_id: bookingId,
        reason: "I am on leave that day",
      }),
    ]);
    expect(notifications[0].message).toContain(`The owner cancelled your booking ${bookingId}`);
    expect(notifications[0].message).toContain("I am on leave that day");
    const got = await w.call(sales.caller, "get_booking", { booking_id: bookingId });
    expect(got.booking.status).toBe("cancelled");

    const [latest] = await adminJson("decisions", "--limit", "1");
    expect(latest).toMatchObject({
      tool: OWNER_CANCEL_TOOL,
      agent_id: sales.agentId,
      key_prefix: "owner",
      owner_email: CEO,
      booking_id: bookingId,
      request: { booking_id: bookingId, reason: "I am on leave that day" },
    });
    expect(OWNER_CANCEL_TOOL).toBe("owner_cancel_booking");
    // The slot is free again for the agent.
    expect(
      (
        await w.call(sales.caller, "create_booking", {
          owner_email: CEO,
          start: TUE_10,
          duration_minutes: 30,
          title: "Again",
        })
      ).verdict,
    ).toBe("Accept");
  });

  it("a second cancel changes nothing and tells no one", async () => {
    const { bookingId } = await book();
    expect((await admin("owner", "cancel", bookingId, "--reason", "first")).code).toBe(0);
    await w.call(sales.caller, "get_notifications", {});
    const before = await adminJson("owner", "booking", bookingId);
    const again = await adminJson("owner", "cancel", bookingId, "--reason", "second");
    expect(again.booking).toEqual(before.booking);
    expect(await adminJson("owner", "booking", bookingId)).toEqual(before);
    expect((await w.call(sales.caller, "get_notifications", {})).notifications).toEqual([]);
  });

  it("a booking that does not exist is exit 1 naming it", async () => {
    const missing = await admin("owner", "cancel", "bkg_0000000000000000000a");
    expect([missing.code, missing.out]).toEqual([1, ""]);
    expect(missing.err).toBe("error: No booking bkg_0000000000000000000a.\n");
    const shown = await admin("owner", "booking", "nope");
    expect([shown.code, shown.out]).toEqual([1, ""]);
    expect(shown.err).toContain("booking_id");
    const bad = await admin("owner", "cancel", "nope");
    expect([bad.code, bad.out]).toEqual([1, ""]);
    expect(bad.err).toContain('"nope"');
  });

  it("a malformed id is exit 1 naming booking_id", async () => {
    const bad = await admin("owner", "cancel", "nope");
    expect(bad.code).toBe(1);
    expect(bad.err).toContain("booking_id");
  });
});

describe("decisions", () => {
  it("lists newest first, or oldest first with --oldest-first", async () => {
    const made = [
      await book(TUE_10, "A"),
      await book("2026-03-03T16:00:00Z", "B"),
      await book("2026-03-03T17:00:00Z", "C"),
    ];
    const ids = made.map((m) => m.decisionId);
    expect((await adminJson("decisions")).map((d: any) => d.decision_id)).toEqual([...ids].reverse());
    expect((await adminJson("decisions", "--oldest-first")).map((d: any) => d.decision_id)).toEqual(ids);
  });

  it("--follow prints the latest in order, then each new decision, until stopped (exit 0)", async () => {
    const held = await w.call(sales.caller, "create_hold", {
      owner_email: CEO,
      start: TUE_10,
      duration_minutes: 30,
    });
    const releases: string[] = [];
    for (let i = 0; i < 21; i++)
      releases.push((await w.call(sales.caller, "release_hold", { hold_id: held.hold.hold_id })).decision_id);
    const follow = startFollow("--json", "decisions", "--follow", "--poll", "20");
    await follow.until(releases[20]!);
    const { decisionId } = await book("2026-03-04T15:00:00Z", "Later");
    await follow.until(decisionId);
    const { bookingId } = await book("2026-03-05T15:00:00Z", "Cancelled later");
    const cancel = await admin("owner", "cancel", bookingId, "--reason", "no");
    await follow.until(OWNER_CANCEL_TOOL);
    expect(await follow.stop()).toBe(0);
    expect(follow.stderr.text).toBe("");
    const lines = follow.stdout.text
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    // The latest 20 of the 22 earlier decisions, oldest first, then the new ones as they came.
    expect(lines.map((d) => d.decision_id).slice(0, 21)).toEqual([...releases.slice(1), decisionId]);
    expect(lines.slice(21).map((d) => d.tool)).toEqual(["create_booking", OWNER_CANCEL_TOOL]);
    expect(lines[22].decision_id).toBe(/decision (dec_\w+)/.exec(cancel.out)![1]);
    expect(lines.map((d) => d.seq)).toEqual([...lines.map((d) => d.seq)].sort((a, b) => a - b));
  });

  it("--follow in human form prints the header once, and exits 0 when stopped", async () => {
    const first = await book();
    const follow = startFollow("decisions", "--follow", "--poll", "20");
    await follow.until(first.decisionId);
    const next = await book("2026-03-04T15:00:00Z");
    await follow.until(next.decisionId);
    expect(await follow.stop()).toBe(0);
    const text = follow.stdout.text;
    expect(text.match(/^AT +VERDICT/gm)).toHaveLength(1);
    expect(text.indexOf(first.decisionId)).toBeLessThan(text.indexOf(next.decisionId));
  });

  it("--follow --limit 0 prints only decisions made after it started", async () => {
    const old = await book();
    const follow = startFollow("decisions", "--follow", "--limit", "0", "--poll", "20");
    await follow.until("waiting for new ones");
    const next = await book("2026-03-04T15:00:00Z");
    await follow.until(next.decisionId);
    expect(await follow.stop()).toBe(0);
    expect(follow.stdout.text).not.toContain(old.decisionId);
  });
});
