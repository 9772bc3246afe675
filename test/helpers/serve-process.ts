// `openavail serve` run as a child process: waiting for the URL it prints once it listens.
import type { ChildProcess } from "node:child_process";

const LISTENING = /listening on (http:\/\/127\.0\.0\.1:\d+)/;

/**
 * Resolves with the URL `child` (an `openavail serve`) prints once it listens, looked for in
 * `output()` (its stdout so far, collected by a "data" listener added before this call) whenever
 * more arrives. Rejects if the child exits first, or after `timeoutMs`.
 */
export function listeningUrl(child: ChildProcess, output: () => string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const settle = () => {
      clearTimeout(timer);
      child.stdout?.off("data", look);
      child.off("exit", exited);
    };
    const look = () => {
      const m = LISTENING.exec(output());
      if (!m) return;
      settle();
      resolve(m[1]!);
    };
    const exited = (code: number | null, signal: NodeJS.Signals | null) => {
      settle();
      reject(new Error(`serve exited early (${code ?? signal})`));
    };
    const timer = setTimeout(() => {
      settle();
      reject(new Error(`serve did not start within ${timeoutMs} ms`));
    }, timeoutMs);
    child.stdout?.on("data", look);
    child.once("exit", exited);
    look();
  });
}
