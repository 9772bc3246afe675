// The periodic work of a long-running process: keep provider mirrors fresh, drain the outbox to the
// providers, and expire holds (telling their agents) even when no decision comes along to do it.
// Each job runs on its own timer, never overlaps itself (the next run is scheduled when the current
// one ends), keeps no process alive (timers are unref'd), and stop() waits for runs in flight.
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { Database } from "../ledger/tables.js";
import { immediate } from "../ledger/transaction.js";
import type { SecretBox } from "../providers/secret-box.js";
import type { ProviderResolver } from "./calendar-sync.js";
import type { Caller } from "./caller.js";
import { syncAllCalendars } from "./mirror-refresh.js";
import { sweepExpiredOauthRows } from "./oauth/oauth-store.js";
import { drainOutbox } from "./outbox-worker.js";
import type { SchedulingService } from "./scheduling-service.js";
import { deliverDueWebhooks } from "./webhooks/delivery.js";

export interface BackgroundJobsDeps {
  readonly db: Kysely<Database>;
  readonly now: () => number;
  readonly logger: Logger;
  readonly providerFor: ProviderResolver;
  readonly service: SchedulingService;
  /** Sync of every active provider calendar; default 60 s. 0 switches the job off. */
  readonly syncIntervalMs?: number;
  /** Outbox drain; default 2 s. 0 switches the job off. */
  readonly outboxIntervalMs?: number;
  /** Hold-expiry sweep; default 15 s. 0 switches the job off. */
  readonly holdSweepIntervalMs?: number;
  /** Webhook deliveries; default every 100 ms. 0 switches the job off. */
  readonly webhookIntervalMs?: number;
  /** Opens webhook secrets for signing. */
  readonly secretBox?: () => SecretBox;
  readonly webhookAllowPrivate?: boolean;
  /** Jitter source for outbox backoff (tests pin it). */
  readonly random?: () => number;
}

export interface BackgroundJobs {
  /** Runs a job now (or, when it is running, once more right after), instead of at its next tick. */
  kick(job: "sync" | "outbox" | "holds" | "webhooks"): void;
  /** Stops every timer and resolves when the runs in flight have finished. */
  stop(): Promise<void>;
}

export function startBackgroundJobs(deps: BackgroundJobsDeps): BackgroundJobs {
  const syncDeps = { db: deps.db, now: deps.now, logger: deps.logger, providerFor: deps.providerFor };
  const jobs = {
    sync: startPeriodic("sync", deps.syncIntervalMs ?? 60_000, deps.logger, async () => {
      await syncAllCalendars(syncDeps);
    }),
    outbox: startPeriodic("outbox", deps.outboxIntervalMs ?? 2_000, deps.logger, async () => {
      // Drain in batches until nothing due is left, so a backlog clears within one tick.
      for (let batch = 0; batch < 20; batch++) {
        const r = await drainOutbox({
          ...syncDeps,
          durable: () => deps.service.durable(),
          ...(deps.random ? { random: deps.random } : {}),
        });
        if (r.done + r.retried + r.abandoned === 0) break;
      }
    }),
    holds: startPeriodic("holds", deps.holdSweepIntervalMs ?? 15_000, deps.logger, async () => {
      await sweepHolds(deps.service);
      // Expired OAuth codes, tokens and sessions are never read again; the same sweep drops them.
      await sweepExpiredOauthRows(deps.db, deps.now());
    }),
    webhooks: startPeriodic(
      "webhooks",
      deps.secretBox ? (deps.webhookIntervalMs ?? 100) : 0,
      deps.logger,
      async () => {
        for (let batch = 0; batch < 20; batch++) {
          const r = await deliverDueWebhooks({
            db: deps.db,
            now: deps.now,
            logger: deps.logger,
            secretBox: deps.secretBox!,
            allowPrivate: deps.webhookAllowPrivate ?? false,
            durable: () => deps.service.durable(),
            ...(deps.random ? { random: deps.random } : {}),
          });
          if (r.delivered + r.retried + r.failed === 0) break;
        }
      },
    ),
  };
  return {
    kick: (job) => jobs[job].kick(),
    stop: async () => {
      await Promise.all(Object.values(jobs).map((j) => j.stop()));
    },
  };
}

/** The caller of system work: it has no scopes and acts on no owner. */
const SYSTEM_CALLER: Caller = {
  agentId: "system",
  name: "openavail",
  description: "background jobs",
  priority: 0,
  defaultClass: null,
  scopes: new Set(),
  owners: new Set(),
  keyPrefix: null,
};

/**
 * Expires every hold past its `expires_at` and notifies its agent (hold.expired), in one write
 * transaction, through the service's own sweep so the notification is worded in one place.
 * Returns how many holds expired.
 */
export async function sweepHolds(service: SchedulingService): Promise<number> {
  return immediate(service.db, (trx) =>
    service.sweepExpiredHolds({
      trx,
      caller: SYSTEM_CALLER,
      now: service.now(),
      tool: "hold_sweep",
      decisions: [],
      startedAt: performance.now(),
    }),
  );
}

export interface Periodic {
  kick(): void;
  stop(): Promise<void>;
}

/**
 * Runs `job` every `intervalMs` (measured from the end of one run to the start of the next, so runs
 * never overlap), starting one interval from now. A throw is logged and the schedule goes on.
 * `intervalMs <= 0` gives a job that never runs.
 */
export function startPeriodic(
  name: string,
  intervalMs: number,
  logger: Logger,
  job: () => Promise<void>,
): Periodic {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = intervalMs <= 0;

  const schedule = (delay: number) => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(run, delay);
    timer.unref();
  };

  function run(): void {
    timer = undefined;
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      try {
        await job();
      } catch (err) {
        logger.error(
          { job: name, err: err instanceof Error ? err.message : String(err) },
          "background job failed",
        );
      }
    })().finally(() => {
      running = undefined;
      if (again) {
        again = false;
        schedule(0);
      } else {
        schedule(intervalMs);
      }
    });
  }

  schedule(intervalMs);
  return {
    kick: () => {
      if (stopped) return;
      if (running) again = true;
      else schedule(0);
    },
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}
