import type { Command } from 'commander';
import { systemCaller } from '../modules/auth/auth.ts';
import { getPlanActuals } from '../modules/planning/planning.service.ts';
import { resolveWorkspace } from '../modules/workspaces/workspaces.service.ts';
import { AppError } from '../shared/errors.ts';
import { type Cell, outputFormat, printReport } from './output.ts';
import { openStore } from './store.ts';

interface PlanVsActualOptions {
  plan: string;
  asOf?: string;
  weeks?: boolean;
  workspace?: string;
  json?: boolean;
  csv?: boolean;
  md?: boolean;
}

export function registerPlanVsActualReport(report: Command): void {
  report
    .command('plan-vs-actual')
    .description(
      'A saved plan against what happened: per stage (and per week with --weeks) actual, planned to date, pacing and the forecast for the period',
    )
    .requiredOption('--plan <id>', 'id of a saved plan (`tandem plan ... --save`)')
    .option('--as-of <datetime>', 'measure up to this moment (default now)')
    .option('--weeks', 'one row per stage and week instead of one per stage')
    .option('-w, --workspace <slug>', 'workspace slug (default: the first)')
    .option('--json', 'print JSON')
    .option('--csv', 'print CSV')
    .option('--md', 'print Markdown')
    .action(async (options: PlanVsActualOptions) => {
      const planId = Number(options.plan);
      if (!Number.isInteger(planId) || planId <= 0) {
        throw new AppError('VALIDATION_FAILED', `--plan: "${options.plan}" is not a plan id`);
      }
      const asOf = options.asOf ? new Date(options.asOf) : new Date();
      if (Number.isNaN(asOf.getTime()))
        throw new AppError('VALIDATION_FAILED', `--as-of: "${options.asOf}" is not a date`);
      const store = await openStore('report');
      try {
        const workspace = await resolveWorkspace(store.database.db, options.workspace);
        const actuals = await getPlanActuals(store.database.db, systemCaller(workspace.id), planId, asOf);
        printReport(outputFormat(options), actuals, () => {
          if (options.weeks) {
            const rows: Cell[][] = actuals.stages.flatMap((stage) =>
              stage.weeks.map((week) => [
                stage.stage,
                week.week_start,
                week.actual,
                week.actual_to_date,
                week.planned,
                week.planned_to_date,
                week.pacing,
                week.forecast,
              ]),
            );
            return {
              columns: [
                'stage',
                'week_start',
                'actual',
                'actual_to_date',
                'planned',
                'planned_to_date',
                'pacing',
                'forecast',
              ],
              rows,
            };
          }
          return {
            columns: ['stage', 'planned_total', 'planned_to_date', 'actual_to_date', 'pacing', 'forecast'],
            rows: actuals.stages.map((stage) => [
              stage.stage,
              stage.planned_total,
              stage.planned_to_date,
              stage.actual_to_date,
              stage.pacing,
              stage.forecast,
            ]),
          };
        });
      } finally {
        await store.close();
      }
    });
}
