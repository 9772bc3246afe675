// The arguments of tools/call requests exactly as the client sent them. The SDK's message schemas
// copy `arguments` key by key before any handler runs, which silently drops an own "__proto__" key
// that REST would refuse by name; each transport records the raw arguments as it reads a message,
// and the tools/call handler validates those, so both transports judge the same input.
export type RequestId = string | number;

/** Raw tools/call arguments by request id, bounded so unanswered ids cannot pile up. */
export class RawArguments {
  readonly #byId = new Map<RequestId, unknown>();
  readonly #limit: number;

  constructor(limit = 1_000) {
    this.#limit = limit;
  }

  /** Records the arguments of every tools/call request in a parsed message (or batch). */
  collect(message: unknown): void {
    for (const m of Array.isArray(message) ? message : [message]) {
      if (!m || typeof m !== "object") continue;
      const { method, id, params } = m as { method?: unknown; id?: unknown; params?: unknown };
      if (method !== "tools/call" || (typeof id !== "string" && typeof id !== "number")) continue;
      if (!params || typeof params !== "object" || !("arguments" in params)) continue;
      if (this.#byId.size >= this.#limit) {
        const oldest = this.#byId.keys().next();
        if (!oldest.done) this.#byId.delete(oldest.value);
      }
      this.#byId.set(id, (params as { arguments: unknown }).arguments);
    }
  }

  /** The raw arguments of request `id`, once; undefined when none were recorded. */
  take(id: RequestId): unknown {
    const args = this.#byId.get(id);
    this.#byId.delete(id);
    return args;
  }
}
