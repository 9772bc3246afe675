// Requests received on a stdio connection and not yet answered, so a session whose input has ended
// can let them finish before it closes (both protocol eras count their requests here).
export class PendingRequests {
  #pending = 0;
  #wake: (() => void) | undefined;

  received(): void {
    this.#pending++;
  }

  answered(): void {
    if (--this.#pending <= 0) this.#wake?.();
  }

  /** Resolves once every request received has been answered, or after `timeoutMs`. */
  idle(timeoutMs: number): Promise<void> {
    if (this.#pending <= 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      timer.unref();
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
