import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { systemCaller } from '../modules/auth/auth.ts';
import {
  type CreatePlanInput,
  createPlanBody,
  type PlanResult,
  ratesFileSchema,
} from '../modules/planning/planning.schemas.ts';
import { computePlan } from '../modules/planning/planning.service.ts';
import { resolveWorkspace } from '../modules/workspaces/workspaces.service.ts';
import { AppError } from '../shared/errors.ts';
import { type Cell, type OutputFormat, outputFormat, renderTable } from './output.ts';
import { openStore } from './store.ts';

interface PlanOptions {
  revenue?: string;
  period?: string;
  goal?: string;
  rates: string;
  historyFrom?: string;
  historyTo?: string;
  dealSize?: string;
  winRate?: string;
  sqlToOpportunity?: string;
  salToSql?: string;
  mqlToSal?: string;
  leadToMql?: string;
  marketingShare?: string;
  save?: boolean;
  name?: string;
  section: string;
  workspace?: string;
  json?: boolean;
  csv?: boolean;
  md?: boolean;
}

function numberOption(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isFinite(number))
    throw new AppError('VALIDATION_FAILED', `${flag}: "${value}" is not a number`);
  return number;
}

function readRatesFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new AppError('VALIDATION_FAILED', `--rates: cannot read ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new AppError('VALIDATION_FAILED', `--rates: ${path} is not JSON: ${(error as Error).message}`);
  }
  const result = ratesFileSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new AppError(
      'VALIDATION_FAILED',
      `--rates: ${path}: ${issue?.path.join('.') || '(file)'}: ${issue?.message ?? 'not valid'}`,
    );
  }
  return result.data;
}

/** The request the flags describe: the rates file first, flags over it. */
export function planInputFromOptions(options: PlanOptions): CreatePlanInput {
  const file = options.rates === 'historical' ? {} : readRatesFile(options.rates);
  const fileRates = (file.rates ?? {}) as Record<string, number>;
  const flagRates = Object.fromEntries(
    (
      [
        ['win_rate', options.winRate, '--win-rate'],
        ['sql_to_opportunity', options.sqlToOpportunity, '--sql-to-opportunity'],
        ['sal_to_sql', options.salToSql, '--sal-to-sql'],
        ['mql_to_sal', options.mqlToSal, '--mql-to-sal'],
        ['lead_to_mql', options.leadToMql, '--lead-to-mql'],
      ] as const
    )
      .map(([name, value, flag]) => [name, numberOption(value, flag)] as const)
      .filter(([, value]) => value !== undefined),
  );
  const rates = { ...fileRates, ...flagRates };
  const candidate = {
    ...file,
    ...(Object.keys(rates).length > 0 ? { rates } : {}),
    revenue: numberOption(options.revenue, '--revenue'),
    period: options.period,
    goal_id: numberOption(options.goal, '--goal'),
    history_from: options.historyFrom,
    history_to: options.historyTo,
    average_deal_size: numberOption(options.dealSize, '--deal-size') ?? file.average_deal_size,
    marketing_share: numberOption(options.marketingShare, '--marketing-share') ?? file.marketing_share,
    save: Boolean(options.save),
    name: options.name,
  };
  const parsed = createPlanBody.safeParse(
    Object.fromEntries(Object.entries(candidate).filter(([, value]) => value !== undefined)),
  );
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.join('.') ?? '';
    throw new AppError('VALIDATION_FAILED', `${path ? `${path}: ` : ''}${issue?.message ?? 'not valid'}`);
  }
  return parsed.data;
}

function money(value: number): string {
  return value.toFixed(2);
}

export function planSections(plan: PlanResult): Record<string, { columns: string[]; rows: Cell[][] }> {
  const marketing = plan.split.marketing.volumes;
  const sales = plan.split.sales.volumes;
  return {
    steps: {
      columns: ['stage', 'count', 'rate', 'rate_name', 'marketing_sourced', 'sales_sourced'],
      rows: plan.steps.map((step) => [
        step.stage,
        step.count,
        step.rate,
        step.rate_name,
        marketing[step.stage],
        sales[step.stage],
      ]),
    },
    channels: {
      columns: ['channel', 'share', 'leads', 'cost_per_lead', 'budget', 'source'],
      rows: [
        ...plan.channels.map((channel) => [
          channel.channel,
          channel.share,
          channel.leads,
          money(channel.cost_per_lead),
          money(channel.budget),
          channel.source,
        ]),
        ['total', null, plan.split.marketing.volumes.leads, null, money(plan.marketing_budget), null],
      ],
    },
    phasing: {
      columns: ['month', 'leads', 'mqls', 'sals', 'sqls', 'opportunities', 'deals'],
      rows: plan.phasing.months.map((month) => [
        month.month,
        month.leads,
        month.mqls,
        month.sals,
        month.sqls,
        month.opportunities,
        month.deals,
      ]),
    },
    assumptions: {
      columns: ['field', 'value', 'reason'],
      rows: plan.assumptions.map((assumption) => [assumption.field, assumption.value, assumption.reason]),
    },
  };
}

const SECTIONS = ['steps', 'channels', 'phasing', 'assumptions'] as const;

export function renderPlan(plan: PlanResult, format: Exclude<OutputFormat, 'json'>, section: string): string {
  const sections = planSections(plan);
  if (format === 'csv') {
    const chosen = section === 'all' ? 'steps' : section;
    const table = sections[chosen] as { columns: string[]; rows: Cell[][] };
    return renderTable(table.columns, table.rows, 'csv');
  }
  const header = [
    `Plan for ${plan.period} (${plan.period_start} to ${plan.period_end}, exclusive): revenue ${money(plan.revenue)}`,
    `average deal size ${money(plan.average_deal_size)}, win rate ${plan.win_rate.toFixed(4)}, ` +
      `${Math.round(plan.marketing_share * 1000) / 10}% marketing-sourced (${money(plan.split.marketing.revenue)})`,
    `history ${plan.sources.history_from} to ${plan.sources.history_to}: ${plan.sources.leads_reached} leads, ` +
      `${plan.sources.opportunities_closed} opportunities closed, ${plan.sources.won_deals} won` +
      (plan.id ? `; saved as plan ${plan.id}` : ''),
  ];
  const chosen = section === 'all' ? SECTIONS : [section];
  const parts = [format === 'md' ? header.map((line) => `${line}  `).join('\n') : header.join('\n')];
  for (const name of chosen) {
    const table = sections[name] as { columns: string[]; rows: Cell[][] };
    if (name === 'assumptions' && table.rows.length === 0) continue;
    parts.push(
      format === 'md'
        ? `### ${name}\n\n${renderTable(table.columns, table.rows, 'md')}`
        : `${name}:\n${renderTable(table.columns, table.rows, 'table')}`,
    );
  }
  return parts.join('\n\n');
}

export function registerPlanCommand(program: Command): void {
  program
    .command('plan')
    .description(
      'Work a revenue goal back into deals, opportunities, SQLs, SALs, MQLs and leads, channels, budget and a month-by-month plan',
    )
    .option('--revenue <amount>', 'revenue goal (or --goal)')
    .option('--period <period>', 'period: 2026, 2026-Q3 or 2026-07 (or --goal)')
    .option('--goal <id>', 'plan for a saved goal (its revenue, period and marketing share)')
    .option(
      '--rates <historical|file>',
      'historical (from the workspace history) or a JSON file with any of: rates {win_rate, sql_to_opportunity, sal_to_sql, mql_to_sal, lead_to_mql}, average_deal_size, stage_days, program_mix, marketing_share; what it leaves out comes from history',
      'historical',
    )
    .option(
      '--history-from <date>',
      'history window start, YYYY-MM-DD (default: 12 months before --history-to)',
    )
    .option(
      '--history-to <date>',
      'history window end, exclusive (default: the period start, or the first day of this month if earlier)',
    )
    .option('--deal-size <amount>', 'average won deal size (overrides the file and history)')
    .option('--win-rate <rate>', 'opportunity -> won rate, 0..1')
    .option('--sql-to-opportunity <rate>', 'SQL -> opportunity rate, 0..1')
    .option('--sal-to-sql <rate>', 'SAL -> SQL rate, 0..1')
    .option('--mql-to-sal <rate>', 'MQL -> SAL rate, 0..1')
    .option('--lead-to-mql <rate>', 'lead -> MQL rate, 0..1')
    .option('--marketing-share <share>', 'share sourced by marketing, 0..1 (default: the goal, else 0.45)')
    .option('--save', 'save the plan (for `tandem report plan-vs-actual --plan ID`)')
    .option('--name <name>', 'name of the saved plan')
    .option(
      '--section <name>',
      `table to print: all | ${SECTIONS.join(' | ')} (CSV prints one; default steps)`,
      'all',
    )
    .option('-w, --workspace <slug>', 'workspace slug (default: the first)')
    .option('--json', 'print JSON')
    .option('--csv', 'print CSV')
    .option('--md', 'print Markdown')
    .action(async (options: PlanOptions) => {
      if (options.section !== 'all' && !(SECTIONS as readonly string[]).includes(options.section)) {
        throw new AppError('VALIDATION_FAILED', `--section: must be all or one of ${SECTIONS.join(', ')}`);
      }
      const input = planInputFromOptions(options);
      const store = await openStore('plan');
      try {
        const workspace = await resolveWorkspace(store.database.db, options.workspace);
        const plan = await computePlan(store.database.db, systemCaller(workspace.id), input);
        const format = outputFormat(options);
        console.log(
          format === 'json' ? JSON.stringify(plan, null, 2) : renderPlan(plan, format, options.section),
        );
      } finally {
        await store.close();
      }
    });
}
