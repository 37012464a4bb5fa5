import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { refreshJourneyRollups } from '../modules/attribution/journeys.service.ts';
import { buildApp } from '../server/app.ts';
import { startWorkers } from '../server/workers.ts';
import { ensureDemoOnFirstStart } from './first-start.ts';
import { openStore } from './store.ts';

export const WEB_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../web/dist');

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('Migrate, seed the demo company on first start, and serve the API and web app')
    .option('-p, --port <port>', 'port to listen on (PORT)', process.env.PORT ?? '3000')
    .option('--host <host>', 'interface to listen on (HOST)', process.env.HOST ?? 'localhost')
    .option('--no-demo', 'do not seed the demo company into an empty store')
    .action(async (options: { port: string; host: string; demo: boolean }) => {
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        console.error(`tandem start: --port must be a port number, not "${options.port}"`);
        process.exit(1);
      }
      const url = `http://${options.host === '0.0.0.0' ? 'localhost' : options.host}:${port}`;
      const store = await openStore('start', { url });
      const login = options.demo
        ? await ensureDemoOnFirstStart(store.database, {
            onGenerated: (summary) =>
              console.log(
                `Generated the demo company: ${summary.counts.leads?.toLocaleString('en-US')} leads, ` +
                  `${summary.counts.touchpoints?.toLocaleString('en-US')} touchpoints, ` +
                  `${summary.counts.opportunities?.toLocaleString('en-US')} opportunities.`,
              ),
          })
        : null;
      const app = await buildApp({
        database: store.database,
        logger: { level: process.env.LOG_LEVEL ?? 'warn' },
        webDir: WEB_DIR,
      });
      // SLA breach detection and notification delivery; safe with several instances on one database.
      const workers = startWorkers(store.database.db, {
        logger: { info: (message) => app.log.info(message), error: (message) => app.log.error(message) },
      });
      const shutdown = async (signal: string) => {
        console.log(`\n${signal}: shutting down`);
        await workers.stop();
        await app.close();
        await store.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void shutdown('SIGINT'));
      process.once('SIGTERM', () => void shutdown('SIGTERM'));
      await app.listen({ port, host: options.host });
      const address = app.server.address();
      const actualPort = typeof address === 'object' && address ? address.port : port;
      const shown = `http://${options.host === '0.0.0.0' ? 'localhost' : options.host}:${actualPort}`;
      console.log(
        `Tandem is running at ${shown} (store: ${store.database.kind}, ${store.database.location})`,
      );
      if (!existsSync(join(WEB_DIR, 'index.html'))) {
        console.log('The web app is not built; run `npm run build:web`. The API is served anyway.');
      }
      console.log(`API docs: ${shown}/docs`);
      if (login) console.log(`Sign in as ${login.email} with password ${login.password}`);
      // Bring the report rollups up to date now rather than on the first report someone opens.
      void warmUpRollups(store.database.db).catch((error: unknown) =>
        app.log.error(`Report rollups could not be brought up to date: ${String(error)}`),
      );
    });
}

async function warmUpRollups(db: Kysely<DB>): Promise<void> {
  const workspaces = await db.selectFrom('workspaces').select('id').orderBy('id').execute();
  for (const workspace of workspaces) await refreshJourneyRollups(db, workspace.id);
}
