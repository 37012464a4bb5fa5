import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import {
  DEFAULT_DEMO_SEED,
  DEMO_ADMIN_EMAIL,
  DEMO_PASSWORD,
  generateDemo,
} from '../modules/demo/demo.service.ts';
import { isDemoSizeName } from '../modules/demo/demo.ts';
import { DEFAULT_WORKSPACE_SLUG } from '../modules/workspaces/workspaces.service.ts';
import { renderTable } from './output.ts';
import { openStore } from './store.ts';

interface DemoCommandOptions {
  size: string;
  seed: string;
  workspace: string;
  name?: string;
  today?: string;
  reset?: boolean;
  json?: boolean;
}

function fail(message: string): never {
  console.error(`tandem demo: ${message}`);
  process.exit(1);
}

/** Parses --today: a calendar date, taken as UTC midnight. */
export function parseToday(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const date = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))) : null;
  if (!date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) {
    fail(`--today must be a date as YYYY-MM-DD, not "${value}"`);
  }
  return date;
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'Generate a deterministic demo company: users by role, accounts, campaigns with costs, leads with ' +
        'journeys, stage history, sales follow-ups and deals. The same --seed, --size and --today give ' +
        'the same data.',
    )
    .option('--size <size>', 's | m | l: about 10k, 250k or 2.5M leads', 's')
    .option('--seed <n>', 'seed of the generator (0 to 4294967295)', String(DEFAULT_DEMO_SEED))
    .option(
      '-w, --workspace <slug>',
      'workspace to generate into; created when missing',
      DEFAULT_WORKSPACE_SLUG,
    )
    .option('--name <name>', 'name of the workspace when it is created', 'Demo Company')
    .option(
      '--today <date>',
      'reference day YYYY-MM-DD: the history covers the 18 months before it (default: today, UTC)',
    )
    .option('--reset', "delete the workspace's data first (refused otherwise when it has leads)")
    .option('--json', 'print the summary as JSON')
    .action(async (options: DemoCommandOptions) => {
      if (!isDemoSizeName(options.size)) fail(`--size must be s, m or l, not "${options.size}"`);
      const seed = Number(options.seed);
      if (!/^\d+$/.test(options.seed) || seed > 0xffffffff) {
        fail(`--seed must be an integer from 0 to 4294967295, not "${options.seed}"`);
      }
      const today = parseToday(options.today);
      const store = await openStore('demo');
      const bar =
        options.size === 's'
          ? null
          : new cliProgress.SingleBar(
              {
                format: 'demo {bar} {percentage}% | {value}/{total} leads | {duration_formatted}',
                stream: process.stderr,
                hideCursor: true,
              },
              cliProgress.Presets.shades_classic,
            );
      try {
        bar?.start(1, 0);
        const summary = await generateDemo(store.database.db, {
          size: options.size,
          seed,
          today,
          workspace: { slug: options.workspace, name: options.name },
          reset: options.reset ?? false,
          onProgress: (done, total) => {
            bar?.setTotal(total);
            bar?.update(done);
          },
        });
        bar?.stop();
        if (!summary) return;
        if (options.json) {
          console.log(JSON.stringify(summary, null, 2));
          return;
        }
        console.log(
          `Demo company generated in workspace "${summary.workspace.slug}" (size ${summary.size}, seed ${summary.seed}, ` +
            `history up to ${summary.today}) in ${summary.seconds.toFixed(1)} s` +
            (summary.reset ? ` after deleting its previous data (${summary.reset}).` : '.'),
        );
        console.log(
          renderTable(
            ['rows', 'count'],
            Object.entries(summary.counts).map(([table, count]) => [table, count]),
            'table',
          ),
        );
        console.log(
          `Sign in as ${DEMO_ADMIN_EMAIL} with password ${DEMO_PASSWORD} (every demo user has it).`,
        );
      } finally {
        bar?.stop();
        await store.close();
      }
    });
}
