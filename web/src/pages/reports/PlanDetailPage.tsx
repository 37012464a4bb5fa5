import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { Link, useParams } from 'react-router';
import { api } from '../../api/client.ts';
import type { PlanActuals, PlanResult, PlanStage } from '../../api/types.ts';
import type { ChartOption } from '../../charts/echarts.ts';
import { ChartPanel } from '../../components/ChartPanel.tsx';
import type { Column } from '../../components/DataTable.tsx';
import { SelectField } from '../../components/Form.tsx';
import { KpiTile } from '../../components/KpiTile.tsx';
import { PageHeader, usePageTitle } from '../../components/PageHeader.tsx';
import { EmptyState, ErrorState, LoadingState } from '../../components/States.tsx';
import { PlanChannels, PlanNotes, PlanPhasing, PlanWaterfall } from '../../features/plan.tsx';
import { PLAN_STAGE_LABELS, PLAN_STAGES_TOP_DOWN, stageEntriesDrilldown } from '../../features/reports.tsx';
import { recordsLink } from '../../lib/drilldown.ts';
import { DASH, formatDate, formatMoney, formatNumber, formatPercent } from '../../lib/format.ts';
import { periodLabel } from '../../lib/periods.ts';
import { useUrlFilters } from '../../lib/url-state.ts';

type StageActual = PlanActuals['stages'][number];
type Week = StageActual['weeks'][number];

function pacingClass(pacing: number | null): string | undefined {
  if (pacing === null) return undefined;
  return pacing >= 1 ? 'text-good' : pacing >= 0.85 ? 'text-warn' : 'text-bad';
}

function PlanVsActual({ actuals }: { actuals: PlanActuals }) {
  const filters = useUrlFilters(['stage'] as const);
  const rows = PLAN_STAGES_TOP_DOWN.map((stage) => actuals.stages.find((row) => row.stage === stage)).filter(
    (row): row is StageActual => row !== undefined,
  );
  const selected =
    rows.find((row) => row.stage === filters.values.stage) ??
    rows.find((row) => row.stage === 'mqls') ??
    rows[0];
  const columns: Column<StageActual>[] = [
    { key: 'stage', header: 'Stage', cell: (row) => PLAN_STAGE_LABELS[row.stage], csv: (row) => row.stage },
    {
      key: 'planned',
      header: 'Planned',
      align: 'right',
      cell: (row) => formatNumber(row.planned_total),
      csv: (row) => row.planned_total,
    },
    {
      key: 'planned_to_date',
      header: 'Planned to date',
      align: 'right',
      cell: (row) => formatNumber(Math.round(row.planned_to_date)),
      csv: (row) => row.planned_to_date,
    },
    {
      key: 'actual',
      header: 'Actual to date',
      align: 'right',
      cell: (row) => (
        <Link
          to={recordsLink(
            stageEntriesDrilldown(row.stage, actuals.window_start, actuals.as_of),
            `${PLAN_STAGE_LABELS[row.stage]} since ${formatDate(actuals.window_start)}`,
          )}
        >
          {formatNumber(row.actual_to_date)}
        </Link>
      ),
      csv: (row) => row.actual_to_date,
    },
    {
      key: 'pacing',
      header: 'Pacing',
      align: 'right',
      cell: (row) => (
        <span className={pacingClass(row.pacing)}>
          {row.pacing === null ? DASH : formatPercent(row.pacing, 0)}
        </span>
      ),
      csv: (row) => row.pacing,
    },
    {
      key: 'forecast',
      header: 'Forecast',
      align: 'right',
      cell: (row) => formatNumber(Math.round(row.forecast)),
      csv: (row) => row.forecast,
    },
  ];
  const weekColumns: Column<Week>[] = [
    {
      key: 'week',
      header: 'Week of',
      cell: (row) => formatDate(row.week_start),
      csv: (row) => row.week_start,
    },
    {
      key: 'planned',
      header: 'Planned',
      align: 'right',
      cell: (row) => formatNumber(Math.round(row.planned * 10) / 10),
      csv: (row) => row.planned,
    },
    {
      key: 'actual',
      header: 'Actual',
      align: 'right',
      cell: (row) => formatNumber(row.actual),
      csv: (row) => row.actual,
    },
    {
      key: 'planned_to_date',
      header: 'Planned to date',
      align: 'right',
      cell: (row) => formatNumber(Math.round(row.planned_to_date)),
      csv: (row) => row.planned_to_date,
    },
    {
      key: 'actual_to_date',
      header: 'Actual to date',
      align: 'right',
      cell: (row) => formatNumber(row.actual_to_date),
      csv: (row) => row.actual_to_date,
    },
    {
      key: 'pacing',
      header: 'Pacing',
      align: 'right',
      cell: (row) => (
        <span className={pacingClass(row.pacing)}>
          {row.pacing === null ? DASH : formatPercent(row.pacing, 0)}
        </span>
      ),
      csv: (row) => row.pacing,
    },
    {
      key: 'forecast',
      header: 'Forecast',
      align: 'right',
      cell: (row) => formatNumber(row.forecast === null ? null : Math.round(row.forecast)),
      csv: (row) => row.forecast,
    },
  ];
  const stageOption: ChartOption = useMemo(
    () => ({
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 60, right: 20, top: 40, bottom: 30 },
      xAxis: { type: 'category', data: rows.map((row) => PLAN_STAGE_LABELS[row.stage]) },
      yAxis: { type: 'value' },
      series: [
        { name: 'Planned to date', type: 'bar', data: rows.map((row) => Math.round(row.planned_to_date)) },
        { name: 'Actual to date', type: 'bar', data: rows.map((row) => row.actual_to_date) },
        { name: 'Forecast', type: 'bar', data: rows.map((row) => Math.round(row.forecast)) },
      ],
    }),
    [rows],
  );
  const weekOption: ChartOption = useMemo(
    () => ({
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 60, right: 20, top: 40, bottom: 30 },
      xAxis: { type: 'category', data: (selected?.weeks ?? []).map((row) => row.week_start) },
      yAxis: { type: 'value' },
      series: [
        {
          name: 'Planned to date',
          type: 'line',
          data: (selected?.weeks ?? []).map((row) => Math.round(row.planned_to_date)),
        },
        {
          name: 'Actual to date',
          type: 'line',
          data: (selected?.weeks ?? []).map((row) => row.actual_to_date),
        },
        {
          name: 'Forecast',
          type: 'line',
          lineStyle: { type: 'dashed' },
          data: (selected?.weeks ?? []).map((row) => row.forecast),
        },
      ],
    }),
    [selected],
  );
  return (
    <>
      <section className="kpi-grid" aria-label="Revenue against the goal">
        <KpiTile
          label="Won to date"
          value={formatMoney(actuals.revenue.won_to_date, { compact: true })}
          detail={`${formatNumber(actuals.revenue.won_deals_to_date)} deals`}
        />
        <KpiTile label="Goal" value={formatMoney(actuals.revenue.goal, { compact: true })} />
        <KpiTile
          label="Progress"
          value={formatPercent(actuals.revenue.progress)}
          detail={`As of ${formatDate(actuals.as_of)}`}
        />
      </section>
      <ChartPanel
        title="Plan vs actual by stage"
        description={`Stage entries from ${formatDate(actuals.window_start)} to ${formatDate(actuals.as_of)}. ${actuals.forecast_method}`}
        option={stageOption}
        columns={columns}
        rows={rows}
        rowKey={(row) => row.stage}
        filename={`tandem-plan-${actuals.plan_id}-actuals`}
        defaultView="table"
      />
      {selected ? (
        <ChartPanel
          title={`${PLAN_STAGE_LABELS[selected.stage]} week by week`}
          option={weekOption}
          columns={weekColumns}
          rows={selected.weeks}
          rowKey={(row) => row.week_start}
          filename={`tandem-plan-${actuals.plan_id}-${selected.stage}-weeks`}
          actions={
            <SelectField
              label="Stage"
              className="field-inline"
              value={selected.stage}
              onChange={(event) => filters.set({ stage: event.target.value as PlanStage }, { replace: true })}
              options={rows.map((row) => ({ value: row.stage, label: PLAN_STAGE_LABELS[row.stage] }))}
            />
          }
        />
      ) : null}
    </>
  );
}

export default function PlanDetailPage() {
  const params = useParams();
  const id = Number(params.id);
  const plan = useQuery({
    queryKey: ['plan', id],
    queryFn: () => api<PlanResult>(`/plans/${id}`),
    enabled: id > 0,
  });
  const actuals = useQuery({
    queryKey: ['plan', id, 'actuals'],
    queryFn: () => api<PlanActuals>(`/plans/${id}/actuals`),
    enabled: id > 0,
  });
  usePageTitle(plan.data?.name ?? 'Plan');
  if (!(id > 0)) return <EmptyState title={`"${params.id}" is not a plan id`} />;
  if (plan.isPending) return <LoadingState label="Loading the plan" />;
  if (plan.isError)
    return (
      <ErrorState error={plan.error} title="Could not load the plan" retry={() => void plan.refetch()} />
    );
  const data = plan.data;
  return (
    <>
      <p className="breadcrumbs">
        <Link to="/plans">Saved plans</Link> <span aria-hidden="true">/</span> {data.name}
      </p>
      <PageHeader
        title={data.name ?? `Plan ${data.id}`}
        description={`${formatMoney(data.revenue)} in ${periodLabel(data.period)}, ${formatPercent(data.marketing_share)} marketing-sourced. Saved ${formatDate(data.created_at)}.`}
      />
      {actuals.isPending ? (
        <LoadingState label="Measuring the plan against actuals" />
      ) : actuals.isError ? (
        <ErrorState
          error={actuals.error}
          title="Could not measure the plan"
          retry={() => void actuals.refetch()}
        />
      ) : (
        <PlanVsActual actuals={actuals.data} />
      )}
      <PlanWaterfall plan={data} filename={`tandem-plan-${data.id}`} />
      {data.channels.length > 0 ? (
        <PlanChannels plan={data} filename={`tandem-plan-${data.id}-channels`} />
      ) : null}
      <PlanPhasing plan={data} filename={`tandem-plan-${data.id}-months`} />
      <PlanNotes plan={data} />
    </>
  );
}
