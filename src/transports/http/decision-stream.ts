// GET /v1/decisions/stream: the audit log as server-sent events, for the console's live decisions
// page and any script. It reads the ledger, not this process's memory, so decisions made by
// `openavail mcp` processes and other servers on the same database appear too, within one poll.
import type { Hono } from "hono";
import { getCookie } from "hono/cookie";
import { streamSSE } from "hono/streaming";
import type { z } from "zod";
import type { App } from "../../compose.js";
import { listDecisionViews } from "../../service/agents-admin.js";
import { SESSION_COOKIE } from "../../service/console-sessions.js";
import { badRequestFrom, OpenavailError } from "../../service/errors.js";
import { queryCoercer } from "../rest/query-params.js";
import type { RouteTable } from "../rest/route-table.js";
import { authenticateAdminRequest } from "./admin-auth.js";
import { durableOrFailure, ledgerInDoubt } from "./admin-routes.js";
import { DecisionsQuery } from "./admin-schemas.js";

/** How often the ledger is read for new decisions: the console's "within 2 s" with room to spare. */
export const STREAM_POLL_MS = 500;
const HEARTBEAT_MS = 15_000;
const MAX_STREAMS = 50;
const PAGE = 500;

const StreamQuery = DecisionsQuery.pick({
  owner: true,
  agent: true,
  verdict: true,
  reason: true,
  after_seq: true,
});

export function mountDecisionStream(hono: Hono, app: App, routes: RouteTable): void {
  const coerce = queryCoercer(StreamQuery);
  let open = 0;
  routes.add("GET", "/v1/decisions/stream");
  hono.get("/v1/decisions/stream", async (c) => {
    await authenticateAdminRequest(
      app.ledger.db,
      {
        authorization: c.req.header("authorization"),
        session: getCookie(c, SESSION_COOKIE),
        csrf: undefined,
        method: "GET",
      },
      app.config.now(),
    );
    const parsed = StreamQuery.safeParse(coerce(c.req.queries()));
    if (!parsed.success) throw badRequestFrom(parsed.error, "query");
    const q: z.output<typeof StreamQuery> = parsed.data;
    if (open >= MAX_STREAMS) {
      throw new OpenavailError(
        "rate_limited",
        `At most ${MAX_STREAMS} decision streams at once; close one.`,
        {
          retryAfter: 5,
        },
      );
    }
    // After a failed WAL fsync nothing read may be on disk; EventSource's reconnects get this too.
    if (app.ledger.walFlush?.failure) throw ledgerInDoubt("No decision is streamed");
    const resumeFrom = Number(c.req.header("last-event-id"));
    let seen = Number.isInteger(resumeFrom) && resumeFrom >= 0 ? resumeFrom : q.after_seq;
    open++;
    return streamSSE(c, async (stream) => {
      let closed = false;
      stream.onAbort(() => {
        closed = true;
      });
      try {
        // Without a starting point, the stream starts after the newest decision: only new ones.
        if (seen === undefined) {
          const [newest] = await listDecisionViews(app.ledger.db, { newest_first: true, limit: 1 });
          seen = newest?.seq ?? 0;
        }
        let quiet = 0;
        while (!closed) {
          const page = await listDecisionViews(app.ledger.db, {
            ...(q.owner !== undefined ? { owner_email: q.owner } : {}),
            ...(q.agent !== undefined ? { agent_id: q.agent } : {}),
            ...(q.verdict !== undefined ? { verdict: q.verdict } : {}),
            ...(q.reason !== undefined ? { reason_code: q.reason } : {}),
            after_seq: seen,
            limit: PAGE,
          });
          // A decision is shown once it is on disk, as its caller is answered: not from the WAL
          // before the flush of its group has returned (group-commit.ts). After a failed flush the
          // stream ends even with nothing to send: no decision would come again until a restart.
          if (await durableOrFailure(app)) {
            const refusal = ledgerInDoubt("These decisions may not be on disk");
            // Not "error": EventSource gives an event of that name to onerror, as a dropped line.
            await stream.writeSSE({ event: "ledger_in_doubt", data: JSON.stringify(refusal.toJSON()) });
            return;
          }
          for (const d of page) {
            await stream.writeSSE({ event: "decision", id: String(d.seq), data: JSON.stringify(d) });
            seen = d.seq;
          }
          if (page.length === PAGE) continue;
          quiet += STREAM_POLL_MS;
          if (quiet >= HEARTBEAT_MS) {
            quiet = 0;
            await stream.write(": keep-alive\n\n");
          }
          await stream.sleep(STREAM_POLL_MS);
        }
      } finally {
        open--;
      }
    });
  });
}
