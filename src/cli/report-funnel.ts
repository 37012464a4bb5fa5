import type { Command } from 'commander';
import { systemCaller } from '../modules/auth/auth.ts';
import { funnelQuery } from '../modules/funnel/funnel.schemas.ts';
import { getFunnel } from '../modules/funnel/funnel.service.ts';
import { FUNNEL_DIMENSIONS } from '../modules/funnel/funnel.ts';
import { resolveWorkspace } from '../modules/workspaces/workspaces.service.ts';
import { AppError } from '../shared/errors.ts';
import { type Cell, outputFormat, printReport } from './output.ts';
import { openStore } from './store.ts';

interface FunnelOptions {
  view: string;
  period?: string;
  from?: string;
  to?: string;
  by?: string;
  stalledDays: string;
  followUpDays: string;
  asOf?: string;
  workspace?: string;
  json?: boolean;
  csv?: boolean;
  md?: boolean;
}

export function registerFunnelReport(report: Command): void {
  report
    .command('funnel')
    .description(
      'Funnel: per stage the leads that reached it, conversion from the previous stage and to customer, median and p75 days in the stage, and leakage (stalled, rejected, recycled, disqualified, never followed up)',
    )
    .option(
      '--view <view>',
      'cohort (leads created in the window, followed forward) or period (stage entries in the window)',
      'cohort',
    )
    .option(
      '--period <period>',
      'a year (2026), quarter (2026-Q3) or month (2026-07); default the current quarter',
    )
    .option('--from <date>', 'window start (with --to, instead of --period)')
    .option('--to <date>', 'window end, exclusive')
    .option('--by <dimension>', `break down by ${FUNNEL_DIMENSIONS.join(' | ')}`)
    .option('--stalled-days <days>', 'a lead in its stage longer than this is stalled', '30')
    .option(
      '--follow-up-days <days>',
      'a handed-off lead without sales activity after this many days is never followed up',
      '7',
    )
    .option('--as-of <datetime>', 'the clock for stalled and never followed up (default now)')
    .option('-w, --workspace <slug>', 'workspace slug (default: the first)')
    .option('--json', 'print JSON (with a drill-down query for every figure)')
    .option('--csv', 'print CSV')
    .option('--md', 'print Markdown')
    .action(async (options: FunnelOptions) => {
      const parsed = funnelQuery.safeParse({
        view: options.view,
        period: options.period,
        from: options.from,
        to: options.to,
        by: options.by,
        stalled_days: options.stalledDays,
        follow_up_days: options.followUpDays,
        as_of: options.asOf,
      });
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new AppError(
          'VALIDATION_FAILED',
          `--${String(issue?.path[0] ?? '').replaceAll('_', '-')}: ${issue?.message}`,
        );
      }
      const store = await openStore('report');
      try {
        const workspace = await resolveWorkspace(store.database.db, options.workspace);
        const funnel = await getFunnel(store.database.db, systemCaller(workspace.id), parsed.data);
        printReport(outputFormat(options), funnel, () => {
          const rows: Cell[][] = [];
          for (const group of [funnel.total, ...funnel.groups]) {
            for (const stage of group.stages) {
              const stalled = group.leakage.stalled.by_stage.find((entry) => entry.stage === stage.stage);
              rows.push([
                group.label,
                stage.stage,
                stage.count,
                stage.conversion_from_previous,
                stage.conversion_to_customer,
                stage.median_days,
                stage.p75_days,
                stalled?.count ?? null,
                null,
                null,
                null,
                null,
              ]);
            }
            rows.push([
              group.label,
              'leakage',
              null,
              null,
              null,
              null,
              null,
              group.leakage.stalled.count,
              group.leakage.rejected.count,
              group.leakage.recycled.count,
              group.leakage.disqualified.count,
              group.leakage.never_followed_up.count,
            ]);
          }
          return {
            columns: [
              funnel.by ?? 'group',
              'stage',
              'count',
              'conversion',
              'to_customer',
              'median_days',
              'p75_days',
              'stalled',
              'rejected',
              'recycled',
              'disqualified',
              'never_followed_up',
            ],
            rows,
          };
        });
      } finally {
        await store.close();
      }
    });
}
