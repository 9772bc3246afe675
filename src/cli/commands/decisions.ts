// `openavail decisions`: the append-only audit log, as a table, a JSON array or JSONL for export.
import type { Command } from "commander";
import { Instant } from "../../../schemas/time.js";
import { type DecisionView, listDecisionViews, VERDICTS } from "../../service/agents-admin.js";
import { OpenavailError } from "../../service/errors.js";
import { type AdminEnv, globals, table, wholeNumber, withLedger } from "./admin-env.js";

const PAGE = 1000;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

interface DecisionsOptions {
  owner?: string;
  agent?: string;
  since?: string;
  verdict?: string;
  limit?: number;
  jsonl?: boolean;
}

export function registerDecisionsCommand(program: Command, env: AdminEnv): void {
  program
    .command("decisions")
    .description("Read the audit log of arbitrated requests, oldest first.")
    .option("--owner <email>", "only decisions on this owner")
    .option("--agent <agent_id>", "only decisions of this agent (agt_...)")
    .option(
      "--since <when>",
      "only decisions at or after an RFC 3339 instant, a date, or an age like 30m, 24h, 7d",
    )
    .option("--verdict <verdict>", `only this verdict: ${VERDICTS.join(", ")}`)
    .option("--limit <n>", "at most this many decisions (default: all)", wholeNumber)
    .option("--jsonl", "one JSON object per line, for export")
    .action(async (opts: DecisionsOptions, cmd: Command) => {
      const since = opts.since !== undefined ? parseSince(opts.since, env.now()) : undefined;
      const asJson = globals(cmd).json === true;
      const { stdout } = env.ctx;
      const collected: DecisionView[] = [];
      await withLedger(
        env,
        cmd,
        async (db) => {
          let afterSeq: number | undefined;
          let left = opts.limit ?? Number.POSITIVE_INFINITY;
          while (left > 0) {
            const page = await listDecisionViews(db, {
              ...(opts.owner !== undefined ? { owner_email: opts.owner } : {}),
              ...(opts.agent !== undefined ? { agent_id: opts.agent } : {}),
              ...(since !== undefined ? { since } : {}),
              ...(opts.verdict !== undefined ? { verdict: opts.verdict } : {}),
              ...(afterSeq !== undefined ? { after_seq: afterSeq } : {}),
              limit: Math.min(PAGE, left),
            });
            // JSONL streams page by page, so an export of a large log never sits in memory whole.
            if (opts.jsonl) for (const d of page) stdout.write(`${JSON.stringify(d)}\n`);
            else collected.push(...page);
            left -= page.length;
            const last = page[page.length - 1];
            if (!last || page.length < PAGE) break;
            afterSeq = last.seq;
          }
        },
        { mustExist: true },
      );
      if (opts.jsonl) return;
      if (asJson) {
        stdout.write(`${JSON.stringify(collected, null, 2)}\n`);
        return;
      }
      stdout.write(
        collected.length === 0
          ? "No decisions match.\n"
          : `${table(
              ["AT", "VERDICT", "REASON", "TOOL", "AGENT", "OWNER", "BOOKING/HOLD", "DECISION"],
              collected.map((d) => [
                d.at,
                d.verdict,
                d.reason_code,
                d.tool,
                d.agent_id,
                d.owner_email,
                d.booking_id ?? d.hold_id,
                d.decision_id,
              ]),
            )}\n`,
      );
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
