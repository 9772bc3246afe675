// The interval algebra: table-driven cases for every function, then laws checked against a naive
// set-of-integers oracle on small ranges (each integer stands for one minute [k, k + 1)).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  clip,
  contains,
  type Interval,
  intersect,
  interval,
  normalize,
  overlaps,
  overlapsAny,
  subtract,
  totalLength,
  union,
} from "../../src/core/interval.js";

type Pair = [number, number];

/** Shorthand for a literal list of `[start, end)` pairs. */
const ivs = (...pairs: Pair[]): Interval[] => pairs.map(([s, e]) => interval(s, e));

describe("interval", () => {
  it("builds a half-open span", () => {
    expect(interval(0, 1)).toEqual({ start: 0, end: 1 });
    expect(interval(Date.parse("2026-03-09T14:00:00Z"), Date.parse("2026-03-09T15:00:00Z"))).toEqual({
      start: 1773064800000,
      end: 1773068400000,
    });
  });

  it.each([
    ["an empty span", 5, 5],
    ["an inverted span", 6, 5],
    ["a fractional start", 0.5, 5],
    ["a fractional end", 0, 5.5],
    ["NaN", Number.NaN, 5],
    ["an infinite end", 0, Number.POSITIVE_INFINITY],
    ["an unsafe integer", 0, 2 ** 53],
  ])("refuses %s", (_name, start, end) => {
    expect(() => interval(start, end)).toThrow(RangeError);
  });
});

describe("overlaps", () => {
  it.each<[string, Pair, Pair, boolean]>([
    ["disjoint", [0, 10], [20, 30], false],
    ["touching ends do not overlap", [0, 10], [10, 20], false],
    ["touching the other way", [10, 20], [0, 10], false],
    ["partial overlap", [0, 10], [5, 15], true],
    ["one inside the other", [0, 30], [10, 20], true],
    ["identical", [0, 10], [0, 10], true],
    ["sharing one millisecond", [0, 10], [9, 20], true],
  ])("%s", (_name, a, b, expected) => {
    expect(overlaps(interval(...a), interval(...b))).toBe(expected);
    expect(overlaps(interval(...b), interval(...a))).toBe(expected);
  });
});

describe("contains", () => {
  it.each<[string, Pair, Pair, boolean]>([
    ["itself", [0, 10], [0, 10], true],
    ["a strict inner span", [0, 10], [2, 8], true],
    ["an inner span sharing the start", [0, 10], [0, 5], true],
    ["an inner span sharing the end", [0, 10], [5, 10], true],
    ["a span sticking out at the end", [0, 10], [5, 11], false],
    ["a span sticking out at the start", [0, 10], [-1, 5], false],
    ["a disjoint span", [0, 10], [20, 30], false],
    ["a wider span", [2, 8], [0, 10], false],
  ])("%s", (_name, outer, inner, expected) => {
    expect(contains(interval(...outer), interval(...inner))).toBe(expected);
  });
});

describe("normalize", () => {
  it.each<[string, Interval[], Interval[]]>([
    ["empty", [], []],
    ["a single interval", ivs([0, 10]), ivs([0, 10])],
    ["unsorted disjoint", ivs([20, 30], [0, 10]), ivs([0, 10], [20, 30])],
    ["overlapping", ivs([0, 10], [5, 15]), ivs([0, 15])],
    ["touching intervals merge", ivs([10, 20], [0, 10]), ivs([0, 20])],
    ["nested", ivs([0, 30], [10, 20]), ivs([0, 30])],
    ["duplicates", ivs([0, 10], [0, 10]), ivs([0, 10])],
    ["a chain", ivs([40, 50], [0, 10], [5, 20], [20, 25], [30, 35]), ivs([0, 25], [30, 35], [40, 50])],
    ["same start, shorter last", ivs([0, 20], [0, 5]), ivs([0, 20])],
  ])("%s", (_name, input, expected) => {
    expect(normalize(input)).toEqual(expected);
  });

  it("never mutates its input", () => {
    const input = Object.freeze(ivs([20, 30], [0, 10], [5, 15]).map((iv) => Object.freeze(iv)));
    const copy = structuredClone([...input]);
    normalize(input);
    expect(input).toEqual(copy);
  });
});

describe("union", () => {
  it.each<[string, Interval[], Interval[], Interval[]]>([
    ["both empty", [], [], []],
    ["one empty", ivs([0, 10]), [], ivs([0, 10])],
    ["the other empty", [], ivs([0, 10]), ivs([0, 10])],
    ["interleaved", ivs([0, 10], [20, 30]), ivs([10, 20], [40, 50]), ivs([0, 30], [40, 50])],
    ["overlapping", ivs([0, 10]), ivs([5, 15]), ivs([0, 15])],
    ["disjoint, b first", ivs([20, 30]), ivs([0, 10]), ivs([0, 10], [20, 30])],
    ["b covers several of a", ivs([0, 5], [10, 15], [20, 25]), ivs([3, 22]), ivs([0, 25])],
    ["negative instants", ivs([-20, -10]), ivs([-10, 0]), ivs([-20, 0])],
  ])("%s", (_name, a, b, expected) => {
    expect(union(a, b)).toEqual(expected);
  });
});

describe("subtract", () => {
  it.each<[string, Interval[], Interval[], Interval[]]>([
    ["nothing from nothing", [], ivs([0, 10]), []],
    ["nothing to take away", ivs([0, 10]), [], ivs([0, 10])],
    ["a hole in the middle", ivs([0, 30]), ivs([10, 20]), ivs([0, 10], [20, 30])],
    ["the head", ivs([0, 30]), ivs([-5, 10]), ivs([10, 30])],
    ["the tail", ivs([0, 30]), ivs([20, 40]), ivs([0, 20])],
    ["everything", ivs([0, 30]), ivs([-5, 40]), []],
    ["exactly itself", ivs([0, 30]), ivs([0, 30]), []],
    ["touching cuts remove nothing", ivs([10, 20]), ivs([0, 10], [20, 30]), ivs([10, 20])],
    ["one cut across two pieces", ivs([0, 10], [20, 30]), ivs([5, 25]), ivs([0, 5], [25, 30])],
    [
      "many cuts in one piece",
      ivs([0, 100]),
      ivs([10, 20], [30, 40], [50, 60]),
      ivs([0, 10], [20, 30], [40, 50], [60, 100]),
    ],
    ["a cut that ends inside the next piece", ivs([0, 10], [12, 20]), ivs([5, 15]), ivs([0, 5], [15, 20])],
  ])("%s", (_name, a, b, expected) => {
    expect(subtract(a, b)).toEqual(expected);
  });
});

describe("intersect", () => {
  it.each<[string, Interval[], Interval[], Interval[]]>([
    ["with nothing", ivs([0, 10]), [], []],
    ["disjoint", ivs([0, 10]), ivs([20, 30]), []],
    ["touching", ivs([0, 10]), ivs([10, 20]), []],
    ["overlapping", ivs([0, 10]), ivs([5, 15]), ivs([5, 10])],
    ["one long against many short", ivs([0, 100]), ivs([10, 20], [30, 40]), ivs([10, 20], [30, 40])],
    [
      "interleaved",
      ivs([0, 10], [20, 30], [40, 50]),
      ivs([5, 25], [45, 60]),
      ivs([5, 10], [20, 25], [45, 50]),
    ],
  ])("%s", (_name, a, b, expected) => {
    expect(intersect(a, b)).toEqual(expected);
    expect(intersect(b, a)).toEqual(expected);
  });
});

describe("clip", () => {
  it.each<[string, Interval[], Pair, Interval[]]>([
    ["inside the range", ivs([10, 20]), [0, 30], ivs([10, 20])],
    ["cut at both ends", ivs([0, 10], [20, 40]), [5, 30], ivs([5, 10], [20, 30])],
    ["outside the range", ivs([0, 10]), [10, 20], []],
  ])("%s", (_name, list, range, expected) => {
    expect(clip(list, interval(...range))).toEqual(expected);
  });
});

describe("overlapsAny", () => {
  const list = ivs([10, 20], [30, 40], [50, 60]);
  it.each<[string, Pair, boolean]>([
    ["before everything", [0, 10], false],
    ["in a gap, touching both sides", [20, 30], false],
    ["after everything", [60, 70], false],
    ["the first interval", [15, 16], true],
    ["the middle interval", [39, 45], true],
    ["the last interval", [55, 100], true],
    ["spanning a gap", [19, 31], true],
    ["covering everything", [0, 100], true],
  ])("%s", (_name, probe, expected) => {
    expect(overlapsAny(list, interval(...probe))).toBe(expected);
  });

  it("is false on an empty list", () => {
    expect(overlapsAny([], interval(0, 1))).toBe(false);
  });
});

describe("totalLength", () => {
  it.each<[string, Interval[], number]>([
    ["empty", [], 0],
    ["one hour", ivs([0, 3_600_000]), 3_600_000],
    ["several", ivs([0, 10], [20, 25], [30, 31]), 16],
  ])("%s", (_name, list, expected) => {
    expect(totalLength(list)).toBe(expected);
  });
});

// ---- Laws, against a naive oracle: a list of intervals as the set of integers it covers. ----

const RANGE = 40;

/** Raw intervals on [0, RANGE): any order, may overlap or touch. */
const rawList = fc.array(
  fc
    .tuple(fc.integer({ min: 0, max: RANGE - 1 }), fc.integer({ min: 1, max: 12 }))
    .map(([s, len]) => interval(s, Math.min(RANGE, s + len))),
  { maxLength: 8 },
);
const normList = rawList.map(normalize);

function points(list: readonly Interval[]): Set<number> {
  const out = new Set<number>();
  for (const iv of list) for (let k = iv.start; k < iv.end; k++) out.add(k);
  return out;
}

/** The normalized list covering exactly `set`, built minute by minute. */
function fromPoints(set: Set<number>): Interval[] {
  const out: Interval[] = [];
  let start = -1;
  for (let k = 0; k <= RANGE; k++) {
    if (set.has(k) && start < 0) start = k;
    if (!set.has(k) && start >= 0) {
      out.push({ start, end: k });
      start = -1;
    }
  }
  return out;
}

function isNormalized(list: readonly Interval[]): boolean {
  return list.every((iv, i) => iv.start < iv.end && (i === 0 || list[i - 1]!.end < iv.start));
}

/** The integers of [0, RANGE) for which `keep` holds. */
const setOf = (keep: (k: number) => boolean) => new Set([...Array(RANGE).keys()].filter(keep));

describe("interval laws (fast-check, against a set-of-integers oracle)", () => {
  it("normalize is sorted, disjoint, non-adjacent, covers the same set and is idempotent", () => {
    fc.assert(
      fc.property(rawList, (raw) => {
        const n = normalize(raw);
        expect(isNormalized(n)).toBe(true);
        expect(n).toEqual(fromPoints(points(raw)));
        expect(normalize(n)).toEqual(n);
      }),
    );
  });

  it("union is normalize(concat), commutative, associative and the set union", () => {
    fc.assert(
      fc.property(normList, normList, normList, (a, b, c) => {
        const ab = union(a, b);
        expect(isNormalized(ab)).toBe(true);
        expect(ab).toEqual(normalize([...a, ...b]));
        expect(union(b, a)).toEqual(ab);
        expect(union(union(a, b), c)).toEqual(union(a, union(b, c)));
        const pa = points(a);
        const pb = points(b);
        expect(ab).toEqual(fromPoints(setOf((k) => pa.has(k) || pb.has(k))));
      }),
    );
  });

  it("subtract and intersect are the set difference and intersection", () => {
    fc.assert(
      fc.property(normList, normList, (a, b) => {
        const pa = points(a);
        const pb = points(b);
        const diff = subtract(a, b);
        const both = intersect(a, b);
        expect(isNormalized(diff)).toBe(true);
        expect(isNormalized(both)).toBe(true);
        expect(diff).toEqual(fromPoints(setOf((k) => pa.has(k) && !pb.has(k))));
        expect(both).toEqual(fromPoints(setOf((k) => pa.has(k) && pb.has(k))));
        expect(intersect(b, a)).toEqual(both);
      }),
    );
  });

  it("(a − b) ∩ b = ∅, (a − b) ∪ (a ∩ b) = a, and the measures add up", () => {
    fc.assert(
      fc.property(normList, normList, (a, b) => {
        const diff = subtract(a, b);
        const both = intersect(a, b);
        expect(intersect(diff, b)).toEqual([]);
        expect(union(diff, both)).toEqual(a);
        expect(totalLength(diff) + totalLength(both)).toBe(totalLength(a));
        expect(totalLength(union(a, b))).toBe(totalLength(a) + totalLength(b) - totalLength(both));
        expect(totalLength(a)).toBe(points(a).size);
      }),
    );
  });

  it("clip is the intersection with one range", () => {
    fc.assert(
      fc.property(
        normList,
        fc.integer({ min: 0, max: RANGE - 1 }),
        fc.integer({ min: 1, max: RANGE }),
        (a, s, len) => {
          const range = interval(s, s + len);
          const pa = points(a);
          expect(clip(a, range)).toEqual(fromPoints(setOf((k) => pa.has(k) && k >= s && k < s + len)));
        },
      ),
    );
  });

  it("overlapsAny agrees with a linear scan", () => {
    fc.assert(
      fc.property(
        normList,
        fc.integer({ min: -2, max: RANGE }),
        fc.integer({ min: 1, max: 10 }),
        (a, s, len) => {
          const probe = interval(s, s + len);
          const pa = points(a);
          let expected = false;
          for (let k = s; k < s + len; k++) if (pa.has(k)) expected = true;
          expect(overlapsAny(a, probe)).toBe(expected);
          expect(overlapsAny(a, probe)).toBe(a.some((iv) => overlaps(iv, probe)));
        },
      ),
    );
  });
});
