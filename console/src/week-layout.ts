// Where things go in the week grid: a span's top and height within one local day (by instants, so a
// DST day's 23 or 25 hours fill the same column), and side-by-side lanes for items that overlap.

/** The fields of a calendar item the layout reads. */
export interface Placed {
  readonly id: string;
  readonly start: string;
  readonly end: string;
}

export const WEEKDAY_KEYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
export const WEEKDAY_NAMES = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
export const ms = (iso: string) => Date.parse(iso);
export const hm = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));

export function shiftDate(date: string, days: number): string {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Top and height (in % of the day column) of [start, end) within one local day. */
export function place(start: number, end: number, day: { start: string; end: string }) {
  const d0 = ms(day.start);
  const d1 = ms(day.end);
  const a = Math.max(start, d0);
  const b = Math.min(end, d1);
  if (b <= a) return null;
  return { top: ((a - d0) / (d1 - d0)) * 100, height: ((b - a) / (d1 - d0)) * 100 };
}

/** Side-by-side lanes for the items of one day that overlap: each item's lane and the lanes of its cluster. */
export function lanes(
  items: readonly Placed[],
  day: { start: string; end: string },
): Map<string, { lane: number; of: number }> {
  const mine = items
    .filter((it) => place(ms(it.start), ms(it.end), day))
    .sort((a, b) => ms(a.start) - ms(b.start) || ms(b.end) - ms(a.end));
  const out = new Map<string, { lane: number; of: number }>();
  let cluster: { id: string; lane: number }[] = [];
  let ends: number[] = [];
  let clusterEnd = -Infinity;
  const close = () => {
    for (const c of cluster) out.set(c.id, { lane: c.lane, of: ends.length });
    cluster = [];
    ends = [];
  };
  for (const it of mine) {
    if (ms(it.start) >= clusterEnd) close();
    let lane = ends.findIndex((end) => end <= ms(it.start));
    if (lane === -1) lane = ends.push(0) - 1;
    ends[lane] = ms(it.end);
    clusterEnd = Math.max(clusterEnd, ms(it.end));
    cluster.push({ id: it.id, lane });
  }
  close();
  return out;
}
