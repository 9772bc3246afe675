// The arbiter reads meeting classes by own key only: an incumbent or challenger whose class is an
// Object.prototype member name ("constructor", "toString", ...) has no rank unless the policy defines
// a class by that name. Before, policy.classes["constructor"] answered Object's constructor function:
// no rank, never preemptible, so a booking stored with that class could never be displaced.
import { describe, expect, it } from "vitest";
import { type ArbiterPolicy, type BusyItem, displaceable } from "../../src/core/arbiter.js";
import { policyFrom } from "../../src/service/policy.js";

const HOUR = 3_600_000;
const NOW = Date.parse("2026-03-09T16:00:00Z");
const PROTO_NAMES = Object.getOwnPropertyNames(Object.prototype);

const item = (meetingClass: string): BusyItem => ({
  id: "bkg_incumbent",
  kind: "booking",
  start: NOW + 24 * HOUR,
  end: NOW + 25 * HOUR,
  agentId: "agt_incumbent",
  meetingClass,
  agentPriority: 0,
  createdAt: NOW - HOUR,
});

const request = (meetingClass: string) => ({
  slot: { start: NOW + 24 * HOUR, end: NOW + 25 * HOUR },
  meetingClass,
  agentId: "agt_challenger",
  agentPriority: 0,
  canPreempt: true,
  granularityMs: 15 * 60_000,
});

function policy(classes: Record<string, { rank: number; preemptible: boolean }>): ArbiterPolicy {
  const loaded = policyFrom(
    { default_class: Object.keys(classes)[0], classes: JSON.parse(JSON.stringify(classes)) },
    "test policy",
  );
  return loaded.arbiter;
}

describe("class names in the arbiter", () => {
  const plain = policy({
    internal_sync: { rank: 40, preemptible: true },
    exec: { rank: 90, preemptible: false },
  });

  it("an Object.prototype name is no class: it neither displaces nor ranks", () => {
    for (const name of PROTO_NAMES) {
      expect(plain.classes.has(name), name).toBe(false);
      // As challenger it has no rank to win with.
      expect(displaceable(item("internal_sync"), request(name), plain, NOW), name).toBe(false);
    }
  });

  it("a class the policy really calls constructor ranks and yields like any other", () => {
    const own = policy({
      constructor: { rank: 10, preemptible: true },
      exec: { rank: 90, preemptible: false },
    });
    expect(displaceable(item("constructor"), request("exec"), own, NOW)).toBe(true);
    expect(displaceable(item("exec"), request("constructor"), own, NOW)).toBe(false);
  });
});
