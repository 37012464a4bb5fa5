import type { Command } from 'commander';
import { systemCaller } from '../modules/auth/auth.ts';
import { scorecardQuery } from '../modules/scorecard/scorecard.schemas.ts';
import { getScorecard } from '../modules/scorecard/scorecard.service.ts';
import { resolveWorkspace } from '../modules/workspaces/workspaces.service.ts';
import { AppError } from '../shared/errors.ts';
import { type Cell, outputFormat, printReport } from './output.ts';
import { openStore } from './store.ts';

interface ScorecardOptions {
  period?: string;
  plan?: string;
  asOf?: string;
  workspace?: string;
  json?: boolean;
  csv?: boolean;
  md?: boolean;
}

export function registerScorecardReport(report: Command): void {
  report
    .command('scorecard')
    .description(
      'Joint KPI scorecard: goal progress, funnel volumes vs plan, acceptance, speed to lead, SLA compliance, marketing-sourced share, cost per won deal, ROI, win rate, cycle time, each against the previous period',
    )
    .option(
      '--period <period>',
      'a year (2026), quarter (2026-Q3) or month (2026-07); default the current quarter',
    )
    .option(
      '--plan <id>',
      'plan to measure funnel volumes against (default: the latest saved plan of the period)',
    )
    .option('--as-of <datetime>', 'measure up to this moment (default now)')
    .option('-w, --workspace <slug>', 'workspace slug (default: the first)')
    .option('--json', 'print JSON')
    .option('--csv', 'print CSV')
    .option('--md', 'print Markdown')
    .action(async (options: ScorecardOptions) => {
      const parsed = scorecardQuery.safeParse({
        period: options.period,
        plan_id: options.plan,
        as_of: options.asOf,
      });
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new AppError('VALIDATION_FAILED', `${String(issue?.path[0] ?? '')}: ${issue?.message}`);
      }
      const store = await openStore('report');
      try {
        const workspace = await resolveWorkspace(store.database.db, options.workspace);
        const scorecard = await getScorecard(store.database.db, systemCaller(workspace.id), parsed.data);
        printReport(outputFormat(options), scorecard, () => {
          const rows: Cell[][] = scorecard.kpis.map((entry) => [
            entry.key,
            entry.label,
            entry.unit,
            entry.value,
            entry.previous,
            entry.change,
            entry.relative_change,
            entry.target,
          ]);
          for (const stage of scorecard.funnel) {
            rows.push([
              `funnel_${stage.stage}`,
              `${stage.stage} (stage entries; target: planned to date)`,
              'count',
              stage.actual,
              stage.previous,
              stage.change,
              stage.previous > 0 ? stage.change / stage.previous : null,
              stage.plan ? stage.plan.planned_to_date : null,
            ]);
          }
          return {
            columns: [
              'kpi',
              'label',
              'unit',
              scorecard.period,
              scorecard.previous_period,
              'change',
              'relative_change',
              'target',
            ],
            rows,
          };
        });
      } finally {
        await store.close();
      }
    });
}
