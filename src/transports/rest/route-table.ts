// The routes this transport serves, as data: Hono routes are mounted from it, and a request whose path
// matches but whose method does not gets 405 with an `Allow` header instead of 404.
import type { HttpMethod } from "../../../tools/define-tool.js";

interface Entry {
  readonly method: HttpMethod;
  readonly path: string;
  readonly pattern: RegExp;
}

export class RouteTable {
  readonly #entries: Entry[] = [];

  /** Records a route; `path` uses `{name}` segments, as the registry's REST bindings do. */
  add(method: HttpMethod, path: string): void {
    const source = path
      .split("/")
      .map((seg) => (/^\{[a-z_]+\}$/.test(seg) ? "[^/]+" : seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
      .join("/");
    this.#entries.push({ method, path, pattern: new RegExp(`^${source}$`) });
  }

  /** Every method some route accepts at `pathname`, in a stable order; empty when no route matches. */
  allowedMethods(pathname: string): string[] {
    const methods = new Set<string>();
    for (const e of this.#entries) if (e.pattern.test(pathname)) methods.add(e.method);
    if (methods.has("GET")) methods.add("HEAD");
    return ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"].filter((m) => methods.has(m));
  }

  get routes(): readonly { method: HttpMethod; path: string }[] {
    return this.#entries.map(({ method, path }) => ({ method, path }));
  }
}

/** `/v1/holds/{hold_id}` -> `/v1/holds/:hold_id` (Hono's syntax). */
export function honoPath(path: string): string {
  return path.replace(/\{([a-z_]+)\}/g, ":$1");
}

/** The `{name}` segments of a path, in order. */
export function pathParams(path: string): string[] {
  return [...path.matchAll(/\{([a-z_]+)\}/g)].map((m) => m[1]!);
}
