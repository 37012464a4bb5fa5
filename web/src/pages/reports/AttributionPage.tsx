import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { Link } from 'react-router';
import { ATTRIBUTION_MODELS } from '../../../../src/modules/attribution/attribution.ts';
import { api } from '../../api/client.ts';
import type { AttributionComparison, AttributionMetric, AttributionModel } from '../../api/types.ts';
import type { ChartOption } from '../../charts/echarts.ts';
import { ChartPanel } from '../../components/ChartPanel.tsx';
import type { Column } from '../../components/DataTable.tsx';
import { SelectField, TextField } from '../../components/Form.tsx';
import { KpiTile } from '../../components/KpiTile.tsx';
import { PageHeader, usePageTitle } from '../../components/PageHeader.tsx';
import { PeriodField } from '../../components/PeriodField.tsx';
import { ErrorState, LoadingState } from '../../components/States.tsx';
import { MODEL_LABELS, MODEL_RULES } from '../../features/attribution.ts';
import { formatMoney, formatNumber } from '../../lib/format.ts';
import { periodLabel } from '../../lib/periods.ts';
import { useUrlFilters } from '../../lib/url-state.ts';

const METRICS: { value: AttributionMetric; label: string; money: boolean }[] = [
  { value: 'revenue', label: 'Won revenue', money: true },
  { value: 'conversions', label: 'Won deals', money: false },
  { value: 'pipeline', label: 'Pipeline created', money: true },
  { value: 'opportunities', label: 'Opportunities created', money: false },
];

type Row = AttributionComparison['rows'][number];

export default function AttributionPage() {
  usePageTitle('Attribution');
  const filters = useUrlFilters(['by', 'metric', 'period', 'half_life_days'] as const);
  const by = filters.values.by === 'campaign' ? 'campaign' : 'channel';
  const metric = METRICS.find((candidate) => candidate.value === filters.values.metric) ?? METRICS[0]!;
  const query = {
    by,
    metric: metric.value,
    period: filters.values.period,
    half_life_days: filters.values.half_life_days,
  };
  const report = useQuery({
    queryKey: ['attribution-compare', query],
    queryFn: ({ signal }) => api<AttributionComparison>('/reports/attribution/compare', { query, signal }),
    placeholderData: keepPreviousData,
  });
  const data = report.data;
  const models: AttributionModel[] = data?.models ?? [...ATTRIBUTION_MODELS];
  const format = (value: number | undefined) =>
    value === undefined
      ? '—'
      : metric.money
        ? formatMoney(value)
        : formatNumber(Math.round(value * 100) / 100);

  const columns: Column<Row>[] = [
    {
      key: 'label',
      header: by === 'channel' ? 'Channel' : 'Campaign',
      cell: (row) =>
        row.campaign_id !== null ? (
          <span>
            {row.label}
            {row.channel ? <span className="muted small"> · {row.channel}</span> : null}
          </span>
        ) : (
          row.label
        ),
      csv: (row) => row.label,
    },
    ...models.map(
      (model): Column<Row> => ({
        key: model,
        header: MODEL_LABELS[model],
        align: 'right',
        cell: (row) => <span data-model={model}>{format(row.models[model]?.[metric.value])}</span>,
        csv: (row) => row.models[model]?.[metric.value],
      }),
    ),
  ];

  const option: ChartOption = useMemo(() => {
    const rows = (data?.rows ?? []).slice(0, 10);
    return {
      tooltip: { trigger: 'axis' },
      legend: { top: 0, type: 'scroll' },
      grid: { left: 70, right: 20, top: 40, bottom: 70 },
      xAxis: {
        type: 'category',
        data: rows.map((row) => row.label),
        axisLabel: { rotate: 25, interval: 0, width: 120, overflow: 'truncate' },
      },
      yAxis: { type: 'value' },
      series: models.map((model) => ({
        name: MODEL_LABELS[model],
        type: 'bar',
        data: rows.map((row) => Math.round((row.models[model]?.[metric.value] ?? 0) * 100) / 100),
      })),
    };
  }, [data, models, metric.value]);

  return (
    <>
      <PageHeader
        title="Attribution"
        description="Who gets the credit for won deals and pipeline: every model side by side, so no single model decides the budget."
        actions={
          <Link className="btn" to="/funnel">
            Funnel
          </Link>
        }
      />
      <form
        className="filters card"
        aria-label="Attribution filters"
        onSubmit={(event) => event.preventDefault()}
      >
        <SelectField
          label="Credit"
          value={by}
          onChange={(event) =>
            filters.set({ by: event.target.value === 'channel' ? null : event.target.value })
          }
          options={[
            { value: 'channel', label: 'Channels' },
            { value: 'campaign', label: 'Campaigns' },
          ]}
        />
        <SelectField
          label="Figure"
          value={metric.value}
          onChange={(event) =>
            filters.set({ metric: event.target.value === 'revenue' ? null : event.target.value })
          }
          options={METRICS}
        />
        <PeriodField
          label="Period"
          value={filters.values.period}
          onChange={(period) => filters.set({ period })}
          allowAll="All time"
        />
        <TextField
          label="Time-decay half-life (days)"
          type="number"
          min={1}
          max={3650}
          defaultValue={filters.values.half_life_days || String(data?.half_life_days ?? 7)}
          key={`half-life-${filters.values.half_life_days}-${data?.half_life_days}`}
          onBlur={(event) =>
            event.currentTarget.value !== String(data?.half_life_days ?? 7) &&
            filters.set({ half_life_days: event.currentTarget.value })
          }
        />
      </form>
      {report.isPending ? (
        <LoadingState label="Running every attribution model" />
      ) : report.isError ? (
        <ErrorState
          error={report.error}
          title="Could not compute the attribution"
          retry={() => void report.refetch()}
        />
      ) : data ? (
        <div aria-busy={report.isFetching}>
          <section className="kpi-grid" aria-label="Totals">
            <KpiTile
              label="Won revenue"
              value={formatMoney(data.totals.revenue, { compact: true })}
              detail={`${formatNumber(data.totals.conversions)} deals`}
            />
            <KpiTile
              label="Pipeline created"
              value={formatMoney(data.totals.pipeline, { compact: true })}
              detail={`${formatNumber(data.totals.opportunities)} opportunities`}
            />
            <KpiTile
              label="Unattributed revenue"
              value={formatMoney(data.totals.unattributed_revenue, { compact: true })}
              detail={`${formatNumber(data.totals.unattributed_conversions)} deals with no touch before the win`}
            />
            <KpiTile
              label="Unattributed pipeline"
              value={formatMoney(data.totals.unattributed_pipeline, { compact: true })}
              detail={`${formatNumber(data.totals.unattributed_opportunities)} opportunities with no touch before`}
            />
          </section>
          <ChartPanel
            title={`${metric.label} by ${by}, every model side by side`}
            description={`${filters.values.period ? periodLabel(filters.values.period) : 'All time'}; each model's column adds up to the same total.`}
            option={option}
            columns={columns}
            rows={data.rows}
            rowKey={(row) => row.key}
            filename={`tandem-attribution-${by}-${metric.value}${filters.values.period ? `-${filters.values.period}` : ''}`}
            defaultView="table"
          />
          <details className="card definitions">
            <summary>How each model splits the credit</summary>
            <dl>
              {models.map((model) => (
                <div key={model}>
                  <dt>{MODEL_LABELS[model]}</dt>
                  <dd>{MODEL_RULES[model]}</dd>
                </div>
              ))}
            </dl>
          </details>
        </div>
      ) : null}
    </>
  );
}
