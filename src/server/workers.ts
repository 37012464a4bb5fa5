import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import {
  type DeliveryOptions,
  deliverDueNotifications,
} from '../modules/notifications/notifications.delivery.ts';
import { runSlaTick } from '../modules/sla/sla.tick.ts';

export interface WorkerLogger {
  info(message: string): void;
  error(message: string): void;
}

export interface WorkersOptions {
  /** Pause between rounds (default 5 s, TANDEM_WORKER_INTERVAL_MS). */
  intervalMs?: number;
  /** The clock (tests drive it; default the real time). */
  now?: () => Date;
  delivery?: Omit<DeliveryOptions, 'now'>;
  logger?: WorkerLogger;
}

export interface Workers {
  /** One round now: breach detection, then notification delivery until nothing is due. */
  runOnce(): Promise<void>;
  /** Stops the loop and waits for the round in progress to finish. */
  stop(): Promise<void>;
}

const MAX_DELIVERY_BATCHES_PER_ROUND = 40;

/**
 * The background work of a Tandem server: SLA breach detection and outbox delivery, in a
 * loop. Every app instance runs one; they share the work through the database (rows are
 * claimed with `for update skip locked`), so starting more instances never doubles an action.
 */
export function startWorkers(db: Kysely<DB>, options: WorkersOptions = {}): Workers {
  const intervalMs = options.intervalMs ?? Number(process.env.TANDEM_WORKER_INTERVAL_MS ?? 5000);
  const now = options.now ?? (() => new Date());
  const logger = options.logger ?? { info: () => {}, error: (message: string) => console.error(message) };
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let current: Promise<void> | null = null;

  const round = async (): Promise<void> => {
    try {
      const tick = await runSlaTick(db, now());
      const acted = Object.entries(tick.events);
      if (acted.length > 0) {
        logger.info(`SLA: ${acted.map(([kind, count]) => `${count} ${kind}`).join(', ')}`);
      }
    } catch (error) {
      logger.error(`SLA breach detection failed: ${error instanceof Error ? error.stack : String(error)}`);
    }
    try {
      const limit = options.delivery?.limit ?? 25;
      for (let batch = 0; batch < MAX_DELIVERY_BATCHES_PER_ROUND && !stopped; batch++) {
        const delivered = await deliverDueNotifications(db, { ...options.delivery, limit, now: now() });
        if (delivered.failed > 0)
          logger.error(`Notifications: ${delivered.failed} gave up after the last attempt`);
        if (delivered.claimed < limit) break;
      }
    } catch (error) {
      logger.error(`Notification delivery failed: ${error instanceof Error ? error.stack : String(error)}`);
    }
  };

  const runOnce = (): Promise<void> => {
    // Rounds never overlap within one process.
    current = (current ?? Promise.resolve()).then(round);
    return current;
  };

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      timer = null;
      void runOnce().finally(schedule);
    }, intervalMs);
    timer.unref();
  };
  schedule();

  return {
    runOnce,
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await current;
    },
  };
}
