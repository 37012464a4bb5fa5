import type { Command } from 'commander';
import { resolveReportPeriod } from '../modules/attribution/report-period.ts';
import { systemCaller } from '../modules/auth/auth.ts';
import {
  campaignReportQuery,
  campaignResultsQuery,
} from '../modules/campaign-reports/campaign-reports.schemas.ts';
import {
  CAMPAIGN_SORT_FIELDS,
  type CampaignFigures,
  getCampaignReport,
  getCampaignResults,
} from '../modules/campaign-reports/campaign-reports.service.ts';
import { resolveWorkspace } from '../modules/workspaces/workspaces.service.ts';
import { AppError } from '../shared/errors.ts';
import { type Cell, outputFormat, printReport } from './output.ts';
import { optionError } from './report-attribution.ts';
import { openStore } from './store.ts';

interface CampaignsOptions {
  by: string;
  period?: string;
  from?: string;
  to?: string;
  sort: string;
  channel?: string;
  status?: string;
  id?: string;
  workspace?: string;
  json?: boolean;
  csv?: boolean;
  md?: boolean;
}

const FIGURES: (keyof CampaignFigures)[] = [
  'cost',
  'leads',
  'mqls',
  'sqls',
  'opportunities',
  'pipeline',
  'won_deals',
  'won_revenue',
  'cost_per_lead',
  'cost_per_mql',
  'cost_per_opportunity',
  'cost_per_won_deal',
  'roi',
  'influenced_opportunities',
  'influenced_pipeline',
  'influenced_won_deals',
  'influenced_won_revenue',
];

export function registerCampaignsReport(report: Command): void {
  report
    .command('campaigns')
    .description(
      'Campaign results per campaign or channel: cost, sourced leads, MQLs, SQLs, opportunities, pipeline and won revenue, cost per lead / MQL / opportunity / won deal, ROI, influenced pipeline; every campaign, failures included. --id gives one campaign month by month.',
    )
    .option('--by <dimension>', 'campaign | channel', 'campaign')
    .option('--period <period>', 'a year (2026), quarter (2026-Q3) or month (2026-07); default all time')
    .option('--from <date>', 'period start (with --to, instead of --period)')
    .option('--to <date>', 'period end, exclusive')
    .option('--sort <field>', `${CAMPAIGN_SORT_FIELDS.join(' | ')}; prefix - for descending`, '-won_revenue')
    .option('--channel <channel>', 'only this channel')
    .option('--status <status>', 'only campaigns in this status (planned | active | completed | cancelled)')
    .option('--id <id>', "one campaign's results page")
    .option('-w, --workspace <slug>', 'workspace slug (default: the first)')
    .option('--json', 'print JSON')
    .option('--csv', 'print CSV')
    .option('--md', 'print Markdown')
    .action(async (options: CampaignsOptions) => {
      const period = { period: options.period, from: options.from, to: options.to };
      const store = await openStore('report');
      try {
        const workspace = await resolveWorkspace(store.database.db, options.workspace);
        const caller = systemCaller(workspace.id);
        if (options.id !== undefined) {
          const id = Number(options.id);
          if (!Number.isInteger(id) || id <= 0)
            throw new AppError('VALIDATION_FAILED', `--id: "${options.id}" is not a campaign id`);
          const parsed = campaignResultsQuery.safeParse(period);
          if (!parsed.success) throw optionError(parsed.error.issues[0]);
          const results = await getCampaignResults(
            store.database.db,
            caller,
            id,
            resolveReportPeriod(parsed.data),
          );
          printReport(outputFormat(options), results, () => ({
            columns: [
              'month',
              'leads',
              'mqls',
              'sqls',
              'opportunities',
              'pipeline',
              'won_deals',
              'won_revenue',
              'influenced_opportunities',
              'influenced_pipeline',
            ],
            rows: [
              ...results.months.map((month): Cell[] => [
                month.month,
                month.leads,
                month.mqls,
                month.sqls,
                month.opportunities,
                month.pipeline,
                month.won_deals,
                month.won_revenue,
                month.influenced_opportunities,
                month.influenced_pipeline,
              ]),
              [
                `total (cost ${results.figures.cost}, ROI ${results.figures.roi ?? '-'})`,
                results.figures.leads,
                results.figures.mqls,
                results.figures.sqls,
                results.figures.opportunities,
                results.figures.pipeline,
                results.figures.won_deals,
                results.figures.won_revenue,
                results.figures.influenced_opportunities,
                results.figures.influenced_pipeline,
              ],
            ],
          }));
          return;
        }
        const parsed = campaignReportQuery.safeParse({
          ...period,
          by: options.by,
          sort: options.sort,
          channel: options.channel,
          status: options.status,
        });
        if (!parsed.success) throw optionError(parsed.error.issues[0]);
        const result = await getCampaignReport(store.database.db, caller, {
          by: parsed.data.by,
          sort: parsed.data.sort,
          channel: parsed.data.channel,
          status: parsed.data.status,
          ...resolveReportPeriod(parsed.data),
        });
        printReport(outputFormat(options), result, () => ({
          columns: [result.by, ...(result.by === 'campaign' ? ['channel'] : ['campaigns']), ...FIGURES],
          rows: [
            ...result.rows.map((row): Cell[] => [
              row.label,
              result.by === 'campaign' ? row.channel : row.campaigns,
              ...FIGURES.map((field) => row[field]),
            ]),
            ['all campaigns', result.totals.campaigns, ...FIGURES.map((field) => result.totals[field])],
          ],
        }));
      } finally {
        await store.close();
      }
    });
}
