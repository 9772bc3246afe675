// The exit statuses of `openavail`, one table so scripts can branch on them and --help can list them.
// A verdict is an answer, not an error: Accept and Preempt succeed (0); CounterPropose (3) and
// Reject (4) have their own codes so a script can offer alternatives or give up without parsing.

export const EXIT = {
  ok: 0,
  error: 1,
  usage: 2,
  counterPropose: 3,
  reject: 4,
  /** The reader of the output went away (`| head`): as a process that SIGPIPE ends (128 + 13). */
  readerGone: 141,
} as const;

/** The exit status a verdict maps to. */
export function exitForVerdict(verdict: string): number {
  if (verdict === "CounterPropose") return EXIT.counterPropose;
  if (verdict === "Reject") return EXIT.reject;
  return EXIT.ok;
}

/** Thrown after a command has printed its result, to end with a status other than 0. */
export class ExitStatus extends Error {
  constructor(readonly status: number) {
    super(`exit ${status}`);
    this.name = "ExitStatus";
  }
}

export const EXIT_STATUS_HELP = `Exit status:
  0  done (Accept or Preempt for a write)    3  CounterPropose: taken, see the alternatives
  1  error (refused request, server down)    4  Reject: not possible, see the reason code
  2  usage error (bad option or argument)   141  the output's reader went away (| head)`;
