import type { Command } from 'commander';
import { resolveReportPeriod } from '../modules/attribution/report-period.ts';
import { systemCaller } from '../modules/auth/auth.ts';
import { winLossQuery } from '../modules/winloss/winloss.schemas.ts';
import { getWinLoss } from '../modules/winloss/winloss.service.ts';
import { WIN_LOSS_DIMENSIONS } from '../modules/winloss/winloss.ts';
import { resolveWorkspace } from '../modules/workspaces/workspaces.service.ts';
import { type Cell, outputFormat, printReport } from './output.ts';
import { optionError } from './report-attribution.ts';
import { openStore } from './store.ts';

interface WinLossOptions {
  by: string;
  period?: string;
  from?: string;
  to?: string;
  section: string;
  workspace?: string;
  json?: boolean;
  csv?: boolean;
  md?: boolean;
}

const SECTIONS = ['groups', 'reasons', 'presence', 'mql-to-won'] as const;

export function registerWinLossReport(report: Command): void {
  report
    .command('win-loss')
    .description(
      'Win/loss of deals closed in the period: win rate, amounts and cycle of won against lost deals by a dimension, reasons, and the campaigns, touch types and content present in won against lost deals; by source also MQL-to-won conversion and days to close (JSON holds every section)',
    )
    .option('--by <dimension>', WIN_LOSS_DIMENSIONS.join(' | '), 'owner')
    .option('--period <period>', 'a year (2026), quarter (2026-Q3) or month (2026-07); default all time')
    .option('--from <date>', 'period start (with --to, instead of --period)')
    .option('--to <date>', 'period end, exclusive')
    .option('--section <section>', `table to print: ${SECTIONS.join(' | ')}`, 'groups')
    .option('-w, --workspace <slug>', 'workspace slug (default: the first)')
    .option('--json', 'print JSON')
    .option('--csv', 'print CSV')
    .option('--md', 'print Markdown')
    .action(async (options: WinLossOptions) => {
      const parsed = winLossQuery.safeParse({
        by: options.by,
        period: options.period,
        from: options.from,
        to: options.to,
      });
      if (!parsed.success) throw optionError(parsed.error.issues[0]);
      if (!(SECTIONS as readonly string[]).includes(options.section)) {
        throw optionError({ path: ['section'], message: `must be one of ${SECTIONS.join(', ')}` });
      }
      const store = await openStore('report');
      try {
        const workspace = await resolveWorkspace(store.database.db, options.workspace);
        const result = await getWinLoss(store.database.db, systemCaller(workspace.id), {
          by: parsed.data.by,
          ...resolveReportPeriod(parsed.data),
        });
        printReport(outputFormat(options), result, () => {
          if (options.section === 'reasons') {
            return {
              columns: ['status', 'reason', 'deals', 'amount', 'share'],
              rows: result.reasons.map((row): Cell[] => [
                row.status,
                row.reason ?? '(none)',
                row.deals,
                row.amount,
                row.share,
              ]),
            };
          }
          if (options.section === 'presence') {
            const sections = [
              ['campaign', result.presence.campaigns],
              ['touch type', result.presence.touch_types],
              ['content', result.presence.content],
            ] as const;
            return {
              columns: ['kind', 'item', 'won_with', 'lost_with', 'won_share', 'lost_share', 'difference'],
              rows: sections.flatMap(([kind, items]) =>
                items.map((item): Cell[] => [
                  kind,
                  item.label,
                  item.won_with,
                  item.lost_with,
                  item.won_share,
                  item.lost_share,
                  item.difference,
                ]),
              ),
            };
          }
          if (options.section === 'mql-to-won') {
            const cohort = result.mql_to_won;
            return {
              columns: [
                'source',
                'mqls',
                'won',
                'conversion_rate',
                'mean_days_to_close',
                'median_days_to_close',
              ],
              rows: cohort
                ? [...cohort.groups, cohort.overall].map((row, index, all): Cell[] => [
                    index === all.length - 1 ? 'all' : (row.source ?? '(none)'),
                    row.mqls,
                    row.won,
                    row.conversion_rate,
                    row.mean_days_to_close,
                    row.median_days_to_close,
                  ])
                : [],
            };
          }
          return {
            columns: [
              result.by,
              'won',
              'lost',
              'win_rate',
              'won_revenue',
              'avg_won_amount',
              'avg_lost_amount',
              'avg_won_cycle_days',
              'avg_lost_cycle_days',
            ],
            rows: [...result.groups, { ...result.overall, label: 'all' }].map((row): Cell[] => [
              row.label,
              row.won,
              row.lost,
              row.win_rate,
              row.won_revenue,
              row.avg_won_amount,
              row.avg_lost_amount,
              row.avg_won_cycle_days,
              row.avg_lost_cycle_days,
            ]),
          };
        });
      } finally {
        await store.close();
      }
    });
}
