// Newline-delimited input with a ceiling on one line. The SDK's stdio transport closes itself for
// good when a single message outgrows its buffer, which would end an agent's whole session over one
// bad request; lines over the ceiling are dropped here instead and reported, and the session goes on.
import { Transform } from "node:stream";

const NEWLINE = 0x0a;
/** Enough of a dropped line's start and end to find its JSON-RPC id. */
const EDGE_BYTES = 512;

export interface LineHooks {
  /** Sees every line (without its newline) before it is passed on; returning false drops it. */
  readonly onLine?: (line: Buffer) => boolean;
  /** Called once per dropped line, when it ends, with its first and last bytes. */
  readonly onOversize: (head: string, tail: string) => void;
}

/** Passes whole lines through; a line longer than `maxBytes` is discarded up to its newline. */
export function boundedLines(maxBytes: number, hooks: LineHooks): Transform {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let dropped: { head: string; tail: Buffer } | null = null;
  const pass = (stream: Transform, line: Buffer) => {
    if (hooks.onLine?.(line[line.length - 1] === NEWLINE ? line.subarray(0, -1) : line) === false) return;
    stream.push(line);
  };
  const endDropped = () => {
    if (dropped) hooks.onOversize(dropped.head, dropped.tail.toString("utf8"));
    dropped = null;
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      let from = 0;
      while (from < chunk.length) {
        const nl = chunk.indexOf(NEWLINE, from);
        const end = nl === -1 ? chunk.length : nl + 1;
        const piece = chunk.subarray(from, end);
        if (dropped) {
          dropped.tail = Buffer.concat([dropped.tail, piece]).subarray(-EDGE_BYTES);
        } else {
          pending.push(piece);
          pendingBytes += piece.length;
          if (pendingBytes > maxBytes + 1) {
            const whole = Buffer.concat(pending);
            dropped = {
              head: whole.subarray(0, EDGE_BYTES).toString("utf8"),
              tail: whole.subarray(-EDGE_BYTES),
            };
            pending = [];
            pendingBytes = 0;
          } else if (nl !== -1) {
            pass(this, Buffer.concat(pending));
            pending = [];
            pendingBytes = 0;
          }
        }
        if (nl !== -1) endDropped();
        from = end;
      }
      done();
    },
    flush(done) {
      endDropped();
      if (pendingBytes > 0) pass(this, Buffer.concat(pending));
      done();
    },
  });
}

const ID = String.raw`"id"\s*:\s*(-?\d+|"(?:[^"\\]|\\.)*")`;

/**
 * The id of a JSON-RPC request from the edges of its text: its first key-value pairs (before any
 * "params") or its last one (the object's final key), where clients put it. Null when not found.
 */
export function jsonRpcIdFromEdges(head: string, tail: string): string | number | null {
  const first = new RegExp(ID).exec(head);
  const params = head.indexOf('"params"');
  const fromHead = first && (params === -1 || first.index < params) ? first[1] : undefined;
  const fromTail = new RegExp(`${ID}\\s*\\}\\s*$`).exec(tail)?.[1];
  const raw = fromHead ?? fromTail;
  if (raw === undefined) return null;
  try {
    return JSON.parse(raw) as string | number;
  } catch {
    return null;
  }
}
