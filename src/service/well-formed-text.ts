// One rule for every string of every input, on every transport: it must be valid Unicode text. A lone
// surrogate ("\ud800") survives JSON.parse and zod, but not UTF-8: SQLite stores it as U+FFFD while the
// response echoes it as sent, so what the caller was told was booked is not what was stored.
import { OpenavailError } from "./errors.js";

export const ILL_FORMED_TEXT = "must be valid Unicode text (no lone surrogates)";

/** With the u flag a surrogate pair is one code point, so only an unpaired surrogate matches. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * The dotted path of the first string in `value` (a value or an object key, at any depth) that is
 * not well-formed Unicode; "" when `value` itself is that string; undefined when there is none.
 */
export function illFormedTextPath(value: unknown): string | undefined {
  const stack: [unknown, string][] = [[value, ""]];
  while (stack.length > 0) {
    const [node, path] = stack.pop()!;
    if (typeof node === "string") {
      if (LONE_SURROGATE.test(node)) return path;
    } else if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) stack.push([node[i], join(path, String(i))]);
    } else if (node !== null && typeof node === "object") {
      const keys = Object.keys(node);
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i]!;
        if (LONE_SURROGATE.test(key)) return join(path, key);
        stack.push([(node as Record<string, unknown>)[key], join(path, key)]);
      }
    }
  }
  return undefined;
}

/** Throws a bad_request naming the first field of `value` that holds ill-formed text. */
export function requireWellFormedText(value: unknown, what: string): void {
  const path = illFormedTextPath(value);
  if (path === undefined) return;
  throw new OpenavailError("bad_request", `Invalid ${what}: ${path || what}: ${ILL_FORMED_TEXT}.`, {
    details: [{ field: path, message: ILL_FORMED_TEXT }],
  });
}

function join(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}
