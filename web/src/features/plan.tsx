import { useMemo } from 'react';
import type { PlanResult, PlanStage, RateName } from '../api/types.ts';
import type { ChartOption } from '../charts/echarts.ts';
import { ChartPanel } from '../components/ChartPanel.tsx';
import { type Column, DataTable } from '../components/DataTable.tsx';
import { DASH, formatDate, formatMoney, formatNumber, formatPercent, titleCase } from '../lib/format.ts';
import { PLAN_STAGE_LABELS, PLAN_STAGES_TOP_DOWN } from './reports.tsx';

export const RATE_LABELS: Record<RateName, string> = {
  win_rate: 'Win rate',
  sql_to_opportunity: 'SQL to opportunity',
  sal_to_sql: 'SAL to SQL',
  mql_to_sal: 'MQL to SAL',
  lead_to_mql: 'Lead to MQL',
};
export const RATE_ORDER: readonly RateName[] = [
  'lead_to_mql',
  'mql_to_sal',
  'sal_to_sql',
  'sql_to_opportunity',
  'win_rate',
];

interface StepRow {
  stage: PlanStage;
  count: number;
  marketing: number;
  sales: number;
  rateName: RateName | null;
  rate: number | null;
  source: string | null;
  basis: string | null;
}

function stepRows(plan: PlanResult): StepRow[] {
  return PLAN_STAGES_TOP_DOWN.map((stage) => {
    const step = plan.steps.find((candidate) => candidate.stage === stage);
    const rate = step?.rate_name
      ? plan.rates.find((candidate) => candidate.name === step.rate_name)
      : undefined;
    return {
      stage,
      count: step?.count ?? 0,
      marketing: plan.split.marketing.volumes[stage],
      sales: plan.split.sales.volumes[stage],
      rateName: step?.rate_name ?? null,
      rate: step?.rate ?? null,
      source: rate?.source ?? null,
      basis:
        rate && rate.numerator !== null && rate.denominator !== null
          ? `${formatNumber(rate.numerator)} of ${formatNumber(rate.denominator)}`
          : null,
    };
  });
}

/** The reverse waterfall, drawn from leads down to won deals. */
export function PlanWaterfall({ plan, filename }: { plan: PlanResult; filename: string }) {
  const rows = useMemo(() => stepRows(plan), [plan]);
  const columns: Column<StepRow>[] = [
    { key: 'stage', header: 'Stage', cell: (row) => PLAN_STAGE_LABELS[row.stage], csv: (row) => row.stage },
    {
      key: 'count',
      header: 'Needed',
      align: 'right',
      cell: (row) => <strong data-stage={row.stage}>{formatNumber(row.count)}</strong>,
      csv: (row) => row.count,
    },
    {
      key: 'marketing',
      header: 'Marketing-sourced',
      align: 'right',
      cell: (row) => formatNumber(row.marketing),
      csv: (row) => row.marketing,
    },
    {
      key: 'sales',
      header: 'Sales-sourced',
      align: 'right',
      cell: (row) => formatNumber(row.sales),
      csv: (row) => row.sales,
    },
    {
      key: 'rate',
      header: 'Converts onward at',
      align: 'right',
      cell: (row) => (row.rate === null ? DASH : formatPercent(row.rate)),
      csv: (row) => row.rate,
    },
    {
      key: 'source',
      header: 'Rate from',
      cell: (row) =>
        row.source ? (
          <span className={row.source === 'assumed' ? 'text-warn' : undefined}>
            {titleCase(row.source)}
            {row.basis ? <span className="muted small"> ({row.basis})</span> : null}
          </span>
        ) : (
          DASH
        ),
      csv: (row) => row.source,
    },
  ];
  const option: ChartOption = {
    tooltip: { trigger: 'item', formatter: '{b}: {c}' },
    series: [
      {
        type: 'funnel',
        sort: 'none',
        gap: 3,
        left: '5%',
        width: '65%',
        minSize: '10%',
        label: { show: true, position: 'right', formatter: '{b}: {c}', color: '#18212f' },
        labelLine: { show: true },
        data: rows.map((row) => ({ name: PLAN_STAGE_LABELS[row.stage], value: row.count })),
      },
    ],
  };
  return (
    <ChartPanel
      title="From leads to revenue"
      description={`${formatMoney(plan.revenue)} at an average won deal of ${formatMoney(plan.average_deal_size)}; every count rounded up.`}
      option={option}
      columns={columns}
      rows={rows}
      rowKey={(row) => row.stage}
      filename={filename}
      height={330}
      defaultView="table"
    />
  );
}

type ChannelRow = PlanResult['channels'][number];

export function PlanChannels({ plan, filename }: { plan: PlanResult; filename: string }) {
  const columns: Column<ChannelRow>[] = [
    { key: 'channel', header: 'Channel', cell: (row) => row.channel, csv: (row) => row.channel },
    {
      key: 'share',
      header: 'Share of leads',
      align: 'right',
      cell: (row) => formatPercent(row.share),
      csv: (row) => row.share,
    },
    {
      key: 'leads',
      header: 'Leads',
      align: 'right',
      cell: (row) => formatNumber(row.leads),
      csv: (row) => row.leads,
    },
    {
      key: 'cpl',
      header: 'Cost per lead',
      align: 'right',
      cell: (row) => formatMoney(row.cost_per_lead),
      csv: (row) => row.cost_per_lead,
    },
    {
      key: 'budget',
      header: 'Budget',
      align: 'right',
      cell: (row) => formatMoney(row.budget),
      csv: (row) => row.budget,
    },
    { key: 'source', header: 'From', cell: (row) => titleCase(row.source), csv: (row) => row.source },
  ];
  const option: ChartOption = {
    tooltip: { trigger: 'axis' },
    grid: { left: 120, right: 30, top: 10, bottom: 30 },
    xAxis: { type: 'value' },
    yAxis: { type: 'category', inverse: true, data: plan.channels.map((row) => row.channel) },
    series: [{ name: 'Budget', type: 'bar', data: plan.channels.map((row) => Math.round(row.budget)) }],
  };
  return (
    <ChartPanel
      title={`Marketing budget by channel: ${formatMoney(plan.marketing_budget)}`}
      description="Marketing-sourced leads split by the program mix, at each channel's cost per lead."
      option={option}
      columns={columns}
      rows={plan.channels}
      rowKey={(row) => row.channel}
      filename={filename}
      height={Math.max(160, plan.channels.length * 36 + 40)}
    />
  );
}

type MonthRow = PlanResult['phasing']['months'][number];

export function PlanPhasing({ plan, filename }: { plan: PlanResult; filename: string }) {
  const columns: Column<MonthRow>[] = [
    { key: 'month', header: 'Month', cell: (row) => row.month, csv: (row) => row.month },
    ...PLAN_STAGES_TOP_DOWN.map(
      (stage): Column<MonthRow> => ({
        key: stage,
        header: PLAN_STAGE_LABELS[stage],
        align: 'right',
        cell: (row) => formatNumber(row[stage]),
        csv: (row) => row[stage],
      }),
    ),
  ];
  const option: ChartOption = {
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 60, right: 20, top: 40, bottom: 30 },
    xAxis: { type: 'category', data: plan.phasing.months.map((row) => row.month) },
    yAxis: { type: 'value' },
    series: PLAN_STAGES_TOP_DOWN.map((stage) => ({
      name: PLAN_STAGE_LABELS[stage],
      type: 'bar',
      data: plan.phasing.months.map((row) => row[stage]),
    })),
  };
  return (
    <ChartPanel
      title="Month by month"
      description={plan.phasing.rule}
      option={option}
      columns={columns}
      rows={plan.phasing.months}
      rowKey={(row) => row.month}
      filename={filename}
      defaultView="table"
    />
  );
}

export function PlanNotes({ plan }: { plan: PlanResult }) {
  return (
    <section className="card" aria-labelledby="plan-notes-title">
      <h2 id="plan-notes-title">Where the numbers come from</h2>
      <p className="muted small">
        History from {formatDate(plan.sources.history_from)} to {formatDate(plan.sources.history_to)}:{' '}
        {formatNumber(plan.sources.leads_reached)} leads, {formatNumber(plan.sources.opportunities_closed)}{' '}
        closed opportunities, {formatNumber(plan.sources.won_deals)} won deals,{' '}
        {formatNumber(plan.sources.campaigns)} campaigns. Stage days:{' '}
        {Object.entries(plan.phasing.stage_days)
          .map(([stage, value]) => `${stage} ${formatNumber(Math.round(value * 10) / 10)}`)
          .join(', ')}
        .
      </p>
      {plan.assumptions.length > 0 ? (
        <DataTable
          caption="Assumptions"
          columns={[
            { key: 'field', header: 'Assumed', cell: (row) => titleCase(row.field) },
            {
              key: 'value',
              header: 'Value',
              align: 'right',
              cell: (row) => (row.value === null ? DASH : formatNumber(row.value)),
            },
            { key: 'reason', header: 'Why', cell: (row) => row.reason },
          ]}
          rows={plan.assumptions}
          rowKey={(row) => row.field}
        />
      ) : (
        <p className="small">Every rate came from history or was given; nothing was assumed.</p>
      )}
    </section>
  );
}
