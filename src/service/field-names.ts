// The field names an input schema knows at a path, and the nearest of them to a misspelt one, so an
// unknown field can be answered with "did you mean ...?" instead of only "remove it".
import type { z } from "zod";

interface Def {
  readonly type: string;
  readonly innerType?: z.ZodType;
  readonly element?: z.ZodType;
  readonly in?: z.ZodType;
  readonly shape?: Record<string, z.ZodType>;
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** The object fields `schema` accepts at `path` (array indexes step into elements); [] when none. */
export function knownFieldsAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let node: z.ZodType | undefined = schema;
  for (let i = 0; node !== undefined; ) {
    const def = defOf(node);
    if (
      def.type === "optional" ||
      def.type === "nullable" ||
      def.type === "default" ||
      def.type === "prefault"
    ) {
      node = def.innerType;
    } else if (def.type === "pipe") {
      node = def.in;
    } else if (i === path.length) {
      return def.type === "object" && def.shape ? Object.keys(def.shape) : [];
    } else if (def.type === "array") {
      node = def.element;
      i++;
    } else if (def.type === "object" && def.shape) {
      const key = String(path[i++]);
      node = Object.hasOwn(def.shape, key) ? def.shape[key] : undefined;
    } else {
      return [];
    }
  }
  return [];
}

/**
 * The candidate closest to `name` by edit distance (case-insensitive), when close enough to be a
 * likely slip: at most a third of the longer name's length, or one is contained in the other.
 */
export function nearestName(name: string, candidates: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const c = candidate.toLowerCase();
    const d = c.includes(lower) || lower.includes(c) ? 1 : distance(lower, c);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  if (best === undefined) return undefined;
  return bestDistance <= Math.max(2, Math.ceil(Math.max(name.length, best.length) / 3)) ? best : undefined;
}

/** Levenshtein distance, one row at a time. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(
        previous[j]! + 1,
        row[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = row;
  }
  return previous[b.length]!;
}
