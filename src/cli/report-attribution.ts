import type { Command } from 'commander';
import { attributionQuery, compareQuery } from '../modules/attribution/attribution.schemas.ts';
import {
  ATTRIBUTION_METRICS,
  compareAttribution,
  getAttribution,
} from '../modules/attribution/attribution.service.ts';
import { ATTRIBUTION_MODELS } from '../modules/attribution/attribution.ts';
import { resolveReportPeriod } from '../modules/attribution/report-period.ts';
import { systemCaller } from '../modules/auth/auth.ts';
import { resolveWorkspace } from '../modules/workspaces/workspaces.service.ts';
import { AppError } from '../shared/errors.ts';
import { type Cell, outputFormat, printReport } from './output.ts';
import { openStore } from './store.ts';

interface AttributionOptions {
  model: string;
  by: string;
  period?: string;
  from?: string;
  to?: string;
  metric: string;
  halfLifeDays?: string;
  workspace?: string;
  json?: boolean;
  csv?: boolean;
  md?: boolean;
}

/** Turns a zod failure into the option it came from: `--half-life-days: ...`. */
export function optionError(issue: { path: PropertyKey[]; message: string } | undefined): AppError {
  return new AppError(
    'VALIDATION_FAILED',
    `--${String(issue?.path[0] ?? '').replaceAll('_', '-')}: ${issue?.message}`,
  );
}

export function registerAttributionReport(report: Command): void {
  report
    .command('attribution')
    .description(
      'Attribution per channel or campaign: won deals and revenue (touches before the win) and opportunities and pipeline (touches before the creation) credited under a model, or every model side by side (--model all)',
    )
    .requiredOption('--model <model>', `${ATTRIBUTION_MODELS.join(' | ')} | all`)
    .option('--by <dimension>', 'channel | campaign', 'channel')
    .option('--period <period>', 'a year (2026), quarter (2026-Q3) or month (2026-07); default all time')
    .option('--from <date>', 'period start (with --to, instead of --period)')
    .option('--to <date>', 'period end, exclusive')
    .option(
      '--metric <metric>',
      `${ATTRIBUTION_METRICS.join(' | ')}: rows are sorted by it; with --model all, the figure shown`,
      'revenue',
    )
    .option('--half-life-days <days>', 'time_decay: days after which a touch counts half as much', '7')
    .option('-w, --workspace <slug>', 'workspace slug (default: the first)')
    .option('--json', 'print JSON')
    .option('--csv', 'print CSV')
    .option('--md', 'print Markdown')
    .action(async (options: AttributionOptions) => {
      const common = {
        by: options.by,
        period: options.period,
        from: options.from,
        to: options.to,
        metric: options.metric,
        half_life_days: options.halfLifeDays,
      };
      const all = options.model === 'all';
      const model = all ? null : attributionQuery.shape.model.safeParse(options.model);
      if (model && !model.success)
        throw optionError({ path: ['model'], message: model.error.issues[0]?.message ?? 'is not a model' });
      const parsed = compareQuery.safeParse(common);
      if (!parsed.success) throw optionError(parsed.error.issues[0]);
      const query = {
        by: parsed.data.by,
        metric: parsed.data.metric,
        halfLifeDays: parsed.data.half_life_days,
        ...resolveReportPeriod(parsed.data),
      };
      const store = await openStore('report');
      try {
        const workspace = await resolveWorkspace(store.database.db, options.workspace);
        const caller = systemCaller(workspace.id);
        if (all) {
          const comparison = await compareAttribution(store.database.db, caller, query);
          printReport(outputFormat(options), comparison, () => ({
            columns: [comparison.by, ...comparison.models],
            rows: comparison.rows.map((row): Cell[] => [
              row.label,
              ...comparison.models.map((model) => row.models[model][comparison.metric]),
            ]),
          }));
          return;
        }
        const chosen = model?.data ?? 'linear';
        const result = await getAttribution(store.database.db, caller, chosen, query);
        printReport(outputFormat(options), result, () => ({
          columns: [
            result.by,
            'conversions',
            'revenue',
            'opportunities',
            'pipeline',
            ...(chosen === 'markov' ? ['removal_effect_won', 'removal_effect_pipeline'] : []),
          ],
          rows: [
            ...result.rows.map((row): Cell[] => [
              row.label,
              row.conversions,
              row.revenue,
              row.opportunities,
              row.pipeline,
              ...(chosen === 'markov' ? [row.removal_effect_won, row.removal_effect_pipeline] : []),
            ]),
            [
              '(no touch before)',
              result.totals.unattributed_conversions,
              result.totals.unattributed_revenue,
              result.totals.unattributed_opportunities,
              result.totals.unattributed_pipeline,
            ],
            [
              'total',
              result.totals.conversions,
              result.totals.revenue,
              result.totals.opportunities,
              result.totals.pipeline,
            ],
          ],
        }));
      } finally {
        await store.close();
      }
    });
}
