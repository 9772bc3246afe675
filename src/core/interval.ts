// Interval algebra on epoch milliseconds. Every interval is half-open: [start, end).
// Set operations take *normalized* lists (sorted by start, non-overlapping, non-adjacent) and
// run in one linear sweep; `normalize` is the only place that sorts, and it copies first.

/** A half-open span of time `[start, end)` in epoch milliseconds; always `start < end`. */
export interface Interval {
  readonly start: number;
  readonly end: number;
}

/** The one constructor: refuses empty or inverted spans and non-integer instants. */
export function interval(start: number, end: number): Interval {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end)) {
    throw new RangeError(`interval bounds must be integer epoch milliseconds, got [${start}, ${end})`);
  }
  if (start >= end) throw new RangeError(`interval start must be before end, got [${start}, ${end})`);
  return { start, end };
}

/** True when the two half-open intervals share at least one instant (touching ends do not). */
export function overlaps(a: Interval, b: Interval): boolean {
  return a.start < b.end && b.start < a.end;
}

/** True when `outer` contains every instant of `inner`. */
export function contains(outer: Interval, inner: Interval): boolean {
  return outer.start <= inner.start && inner.end <= outer.end;
}

/** Sorts a copy by start and merges overlapping and touching intervals. O(n log n). */
export function normalize(intervals: readonly Interval[]): Interval[] {
  if (intervals.length === 0) return [];
  const sorted = [...intervals].sort((a, b) => a.start - b.start || a.end - b.end);
  const out: Interval[] = [];
  let curStart = sorted[0]!.start;
  let curEnd = sorted[0]!.end;
  for (let i = 1; i < sorted.length; i++) {
    const next = sorted[i]!;
    if (next.start <= curEnd) {
      if (next.end > curEnd) curEnd = next.end;
    } else {
      out.push({ start: curStart, end: curEnd });
      curStart = next.start;
      curEnd = next.end;
    }
  }
  out.push({ start: curStart, end: curEnd });
  return out;
}

/** Union of two normalized lists, normalized. Linear. */
export function union(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  let i = 0;
  let j = 0;
  let curStart = 0;
  let curEnd = Number.NEGATIVE_INFINITY;
  while (i < a.length || j < b.length) {
    const next = j >= b.length || (i < a.length && a[i]!.start <= b[j]!.start) ? a[i++]! : b[j++]!;
    if (next.start <= curEnd) {
      if (next.end > curEnd) curEnd = next.end;
    } else {
      if (curEnd !== Number.NEGATIVE_INFINITY) out.push({ start: curStart, end: curEnd });
      curStart = next.start;
      curEnd = next.end;
    }
  }
  if (curEnd !== Number.NEGATIVE_INFINITY) out.push({ start: curStart, end: curEnd });
  return out;
}

/** `a` minus `b`, both normalized; the result is normalized. Linear. */
export function subtract(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  let j = 0;
  for (const piece of a) {
    let start = piece.start;
    const end = piece.end;
    while (j < b.length && b[j]!.end <= start) j++;
    let k = j;
    while (k < b.length && b[k]!.start < end) {
      const cut = b[k]!;
      if (cut.start > start) out.push({ start, end: cut.start });
      if (cut.end > start) start = cut.end;
      if (start >= end) break;
      k++;
    }
    if (start < end) out.push({ start, end });
  }
  return out;
}

/** Intersection of two normalized lists, normalized. Linear. */
export function intersect(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    const start = Math.max(x.start, y.start);
    const end = Math.min(x.end, y.end);
    if (start < end) out.push({ start, end });
    if (x.end < y.end) i++;
    else j++;
  }
  return out;
}

/** Clips a normalized list to `range`. Linear. */
export function clip(list: readonly Interval[], range: Interval): Interval[] {
  return intersect(list, [range]);
}

/** True when `probe` overlaps any interval of the normalized list. O(log n). */
export function overlapsAny(list: readonly Interval[], probe: Interval): boolean {
  let lo = 0;
  let hi = list.length;
  // First interval whose end is after probe.start.
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]!.end <= probe.start) lo = mid + 1;
    else hi = mid;
  }
  return lo < list.length && list[lo]!.start < probe.end;
}

/** Total milliseconds covered by a normalized list. */
export function totalLength(list: readonly Interval[]): number {
  let sum = 0;
  for (const iv of list) sum += iv.end - iv.start;
  return sum;
}
