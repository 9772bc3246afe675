// `openavail decisions`: the append-only audit log, newest first, as a table, a JSON array or JSONL
// for export; `--follow` then keeps printing each decision as it is committed, until interrupted.
import type { Command } from "commander";
import type { Kysely } from "kysely";
import { Instant } from "../../../schemas/time.js";
import type { Database } from "../../ledger/tables.js";
import { VERDICTS } from "../../service/admin-inputs.js";
import type { DecisionView } from "../../service/admin-views.js";
import { listDecisionViews } from "../../service/agents-admin.js";
import { OpenavailError } from "../../service/errors.js";
import { type AdminEnv, globals, table, UsageError, wholeNumber, withLedger } from "./admin-env.js";

const PAGE = 1000;
const FOLLOW_FIRST = 20;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const COLUMNS = ["AT", "VERDICT", "REASON", "TOOL", "AGENT", "OWNER", "BOOKING/HOLD", "DECISION"];

interface DecisionsOptions {
  owner?: string;
  agent?: string;
  since?: string;
  verdict?: string;
  limit?: number;
  jsonl?: boolean;
  oldestFirst?: boolean;
  follow?: boolean;
  poll: number;
}

type Filter = Record<string, unknown>;

export function registerDecisionsCommand(program: Command, env: AdminEnv): void {
  program
    .command("decisions")
    .description("Read the audit log of arbitrated requests, newest first.")
    .option("--owner <email>", "only decisions on this owner")
    .option("--agent <agent_id>", "only decisions of this agent (agt_...)")
    .option(
      "--since <when>",
      "only decisions at or after an RFC 3339 instant, a date, or an age like 30m, 24h, 7d",
    )
    .option("--verdict <verdict>", `only this verdict: ${VERDICTS.join(", ")}`)
    .option(
      "--limit <n>",
      `at most this many decisions (default: all; ${FOLLOW_FIRST} with --follow)`,
      wholeNumber,
    )
    .option("--oldest-first", "in the order they were made")
    .option("--jsonl", "one JSON object per line, for export")
    .option("--follow", "print the latest in order, then each new decision as it is made, until Ctrl-C")
    .option(
      "--poll <ms>",
      "with --follow: how often to look for new decisions (default 1000)",
      wholeNumber,
      1000,
    )
    .action(async (opts: DecisionsOptions, cmd: Command) => {
      if (opts.limit !== undefined && opts.limit < (opts.follow ? 0 : 1))
        throw new UsageError(`--limit must be ${opts.follow ? "0 (only new decisions)" : "1"} or more`);
      if (opts.poll < 10) throw new UsageError("--poll must be 10 ms or more");
      const since = opts.since !== undefined ? parseSince(opts.since, env.now()) : undefined;
      const filter: Filter = {
        ...(opts.owner !== undefined ? { owner_email: opts.owner } : {}),
        ...(opts.agent !== undefined ? { agent_id: opts.agent } : {}),
        ...(since !== undefined ? { since } : {}),
        ...(opts.verdict !== undefined ? { verdict: opts.verdict } : {}),
      };
      const print = printer(env, opts, globals(cmd).json === true);
      await withLedger(
        env,
        cmd,
        async (db) => {
          const newest = !opts.oldestFirst;
          const limit = opts.limit ?? (opts.follow ? FOLLOW_FIRST : Number.POSITIVE_INFINITY);
          // JSONL export streams page by page; --follow shows its first rows in order, like tail -f.
          const stream = opts.jsonl && !opts.follow ? print.rows : undefined;
          const listed = await listAll(db, filter, limit, newest, stream);
          if (!stream) print.rows(opts.follow && newest ? [...listed].reverse() : listed, true);
          if (opts.follow) {
            // Follow from the newest decision in the log, not the newest listed: with a filter or
            // --limit 0 those differ, and nothing already made is news.
            const [newestAll] = await listDecisionViews(db, { newest_first: true, limit: 1 });
            await follow(env, db, filter, newestAll?.seq ?? 0, opts.poll, print.rows);
          }
        },
        { mustExist: true },
      );
    });
}

/**
 * Up to `limit` decisions in the order asked for, page by page. With `stream`, each page is printed as
 * it is read, so an export of a large log never sits in memory whole.
 */
async function listAll(
  db: Kysely<Database>,
  filter: Filter,
  limit: number,
  newestFirst: boolean,
  stream?: (page: DecisionView[]) => void,
): Promise<DecisionView[]> {
  const collected: DecisionView[] = [];
  let cursor: number | undefined;
  let left = limit;
  while (left > 0) {
    const page = await listDecisionViews(db, {
      ...filter,
      newest_first: newestFirst,
      ...(cursor !== undefined ? (newestFirst ? { before_seq: cursor } : { after_seq: cursor }) : {}),
      limit: Math.min(PAGE, left),
    });
    if (stream) stream(page);
    else collected.push(...page);
    left -= page.length;
    const last = page[page.length - 1];
    if (!last || page.length < PAGE) break;
    cursor = last.seq;
  }
  return collected;
}

/** Prints each decision committed after `afterSeq`, oldest first, until the stop signal. */
async function follow(
  env: AdminEnv,
  db: Kysely<Database>,
  filter: Filter,
  afterSeq: number,
  pollMs: number,
  print: (rows: DecisionView[]) => void,
): Promise<void> {
  const stop = env.stop ?? interrupted();
  let seen = afterSeq;
  while (!stop.aborted) {
    const page = await listDecisionViews(db, { ...filter, after_seq: seen, limit: PAGE });
    if (page.length > 0) {
      print(page);
      seen = page[page.length - 1]!.seq;
      if (page.length === PAGE) continue;
    }
    await pause(pollMs, stop);
  }
}

function printer(env: AdminEnv, opts: DecisionsOptions, asJson: boolean) {
  const { stdout } = env.ctx;
  let headed = false;
  return {
    /** `first`: the listing before --follow, which says so when it is empty. */
    rows(rows: DecisionView[], first = false): void {
      if (opts.jsonl) {
        for (const d of rows) stdout.write(`${JSON.stringify(d)}\n`);
      } else if (asJson && !opts.follow) {
        stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      } else if (asJson) {
        for (const d of rows) stdout.write(`${JSON.stringify(d)}\n`);
      } else if (rows.length === 0) {
        if (first)
          stdout.write(
            opts.follow
              ? "No decisions yet; waiting for new ones (Ctrl-C stops).\n"
              : "No decisions match.\n",
          );
      } else {
        const text = table(COLUMNS, rows.map(cells));
        // Under --follow the header is printed once; later rows line up with it only roughly.
        stdout.write(`${headed ? text.slice(text.indexOf("\n") + 1) : text}\n`);
        headed = opts.follow === true;
      }
    },
  };
}

function cells(d: DecisionView): unknown[] {
  return [
    d.at,
    d.verdict,
    d.reason_code,
    d.tool,
    d.agent_id,
    d.owner_email,
    d.booking_id ?? d.hold_id,
    d.decision_id,
  ];
}

function interrupted(): AbortSignal {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  return controller.signal;
}

function pause(ms: number, stop: AbortSignal): Promise<void> {
  return new Promise((done) => {
    const timer = setTimeout(finish, ms);
    function finish() {
      clearTimeout(timer);
      stop.removeEventListener("abort", finish);
      done();
    }
    stop.addEventListener("abort", finish, { once: true });
  });
}

/** An RFC 3339 instant, a YYYY-MM-DD date (UTC midnight), or an age back from now (30m, 24h, 7d). */
export function parseSince(value: string, now: number): number {
  const age = /^(\d+)([mhd])$/.exec(value.trim());
  if (age) return now - Number(age[1]) * UNIT_MS[age[2] as keyof typeof UNIT_MS];
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const ms = Date.parse(`${value}T00:00:00Z`);
    if (!Number.isNaN(ms)) return ms;
  }
  if (Instant.safeParse(value).success) return Date.parse(value);
  throw new OpenavailError(
    "bad_request",
    `Invalid --since "${value}": expected an RFC 3339 instant (2026-03-01T00:00:00Z), a date (2026-03-01) or an age (30m, 24h, 7d).`,
    { details: [{ field: "since", message: "expected an instant, a date or an age like 24h" }] },
  );
}
