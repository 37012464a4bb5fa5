import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { Link } from 'react-router';
import { api } from '../../api/client.ts';
import type { Scorecard } from '../../api/types.ts';
import { useMe } from '../../app/auth.tsx';
import { PLANNERS } from '../../app/nav.ts';
import type { ChartOption } from '../../charts/echarts.ts';
import { ChartPanel } from '../../components/ChartPanel.tsx';
import type { Column } from '../../components/DataTable.tsx';
import { KpiTile } from '../../components/KpiTile.tsx';
import { PageHeader, usePageTitle } from '../../components/PageHeader.tsx';
import { PeriodField } from '../../components/PeriodField.tsx';
import { ProgressBar } from '../../components/ProgressBar.tsx';
import { EmptyState, ErrorState, LoadingState } from '../../components/States.tsx';
import {
  formatByUnit,
  kpiTrend,
  PLAN_STAGE_LABELS,
  PLAN_STAGES_TOP_DOWN,
  stageEntriesDrilldown,
} from '../../features/reports.tsx';
import { recordsLink } from '../../lib/drilldown.ts';
import { DASH, formatDate, formatMoney, formatNumber, formatPercent } from '../../lib/format.ts';
import { currentQuarter, periodLabel } from '../../lib/periods.ts';
import { useUrlFilters } from '../../lib/url-state.ts';

type FunnelRow = Scorecard['funnel'][number];

/** The records behind each KPI, or the report that breaks it down, for the scorecard's window. */
function kpiLink(key: string, scorecard: Scorecard): string | undefined {
  const day = (moment: string) => moment.slice(0, 10);
  const closed = `closed_from=${day(scorecard.window.from)}&closed_to=${day(scorecard.window.to)}`;
  const period = `period=${scorecard.period}`;
  switch (key) {
    case 'won_revenue':
    case 'goal_progress':
      return `/deals?status=won&${closed}`;
    case 'win_rate':
    case 'cycle_time_median_days':
      return `/win-loss?${period}`;
    case 'mql_to_sal_acceptance':
      return `/funnel?view=period&${period}`;
    case 'speed_to_lead_median_hours':
    case 'speed_to_lead_within_1h':
    case 'sla_compliance':
      return `/sla?from=${day(scorecard.window.from)}&to=${day(scorecard.window.to)}`;
    case 'marketing_sourced_won_revenue':
    case 'sales_sourced_won_revenue':
    case 'marketing_sourced_pipeline_share':
    case 'marketing_sourced_bookings_share':
    case 'cost_per_won_deal':
    case 'marketing_roi':
      return `/campaigns?${period}`;
    default:
      return undefined;
  }
}

function GoalProgress({ scorecard }: { scorecard: Scorecard }) {
  const won = scorecard.kpis.find((kpi) => kpi.key === 'won_revenue')?.value ?? 0;
  if (!scorecard.goal) {
    return (
      <section className="card goal-card" aria-labelledby="goal-title">
        <h2 id="goal-title">Revenue goal</h2>
        <p className="muted">
          No revenue goal is set for {periodLabel(scorecard.period)}. Won so far:{' '}
          <strong>{formatMoney(won)}</strong>.
        </p>
      </section>
    );
  }
  const progress = scorecard.goal.revenue > 0 ? won / scorecard.goal.revenue : 0;
  return (
    <section className="card goal-card" aria-labelledby="goal-title">
      <div className="card-header">
        <h2 id="goal-title">Revenue goal {periodLabel(scorecard.period)}</h2>
        <span className="muted small">
          {scorecard.complete ? 'Period complete' : `Measured to ${formatDate(scorecard.as_of)}`}
        </span>
      </div>
      <div className="goal-figures">
        <span className="goal-won">{formatMoney(won)}</span>
        <span className="muted">of {formatMoney(scorecard.goal.revenue)}</span>
        <strong>{formatPercent(progress)}</strong>
      </div>
      <ProgressBar label="Goal progress" fraction={progress} />
      <p className="muted small">
        Marketing-sourced target {formatMoney(scorecard.goal.marketing_sourced_revenue)} (
        {formatPercent(scorecard.goal.marketing_share)}), sales-sourced{' '}
        {formatMoney(scorecard.goal.sales_sourced_revenue)}.
      </p>
    </section>
  );
}

export default function ScorecardPage() {
  usePageTitle('Scorecard');
  const me = useMe();
  // Reports other than the deals list are for the roles that plan; SDRs get the figures only.
  const linkFor = (key: string, scorecard: Scorecard) => {
    const link = kpiLink(key, scorecard);
    return link && (PLANNERS.includes(me.role) || link.startsWith('/deals')) ? link : undefined;
  };
  const filters = useUrlFilters(['period', 'plan_id'] as const);
  const period = filters.values.period || currentQuarter();
  const scorecard = useQuery({
    queryKey: ['scorecard', period, filters.values.plan_id],
    queryFn: ({ signal }) =>
      api<Scorecard>('/reports/scorecard', { query: { period, plan_id: filters.values.plan_id }, signal }),
    placeholderData: keepPreviousData,
  });

  const data = scorecard.data;
  const funnelRows = useMemo(
    () =>
      data
        ? PLAN_STAGES_TOP_DOWN.map((stage) => data.funnel.find((row) => row.stage === stage)).filter(
            (row): row is FunnelRow => row !== undefined,
          )
        : [],
    [data],
  );

  const columns: Column<FunnelRow>[] = useMemo(
    () => [
      { key: 'stage', header: 'Stage', cell: (row) => PLAN_STAGE_LABELS[row.stage], csv: (row) => row.stage },
      {
        key: 'actual',
        header: 'This period',
        align: 'right',
        cell: (row) =>
          data ? (
            <Link
              to={recordsLink(
                stageEntriesDrilldown(row.stage, data.window.from, data.window.to),
                `${PLAN_STAGE_LABELS[row.stage]} in ${periodLabel(data.period)}`,
              )}
            >
              {formatNumber(row.actual)}
            </Link>
          ) : (
            formatNumber(row.actual)
          ),
        csv: (row) => row.actual,
      },
      {
        key: 'previous',
        header: 'Previous period',
        align: 'right',
        cell: (row) =>
          data ? (
            <Link
              to={recordsLink(
                stageEntriesDrilldown(row.stage, data.previous_window.from, data.previous_window.to),
                `${PLAN_STAGE_LABELS[row.stage]} in ${periodLabel(data.previous_period)}`,
              )}
            >
              {formatNumber(row.previous)}
            </Link>
          ) : (
            formatNumber(row.previous)
          ),
        csv: (row) => row.previous,
      },
      {
        key: 'change',
        header: 'Change',
        align: 'right',
        cell: (row) => (row.change > 0 ? `+${formatNumber(row.change)}` : formatNumber(row.change)),
        csv: (row) => row.change,
      },
      {
        key: 'planned_total',
        header: 'Plan (period)',
        align: 'right',
        cell: (row) => formatNumber(row.plan?.planned_total),
        csv: (row) => row.plan?.planned_total,
      },
      {
        key: 'planned_to_date',
        header: 'Plan to date',
        align: 'right',
        cell: (row) => (row.plan ? formatNumber(Math.round(row.plan.planned_to_date)) : DASH),
        csv: (row) => row.plan?.planned_to_date,
      },
      {
        key: 'pacing',
        header: 'Pacing',
        align: 'right',
        cell: (row) => {
          const pacing = row.plan?.pacing;
          if (pacing === null || pacing === undefined) return DASH;
          return (
            <span className={pacing >= 1 ? 'text-good' : pacing >= 0.85 ? 'text-warn' : 'text-bad'}>
              {formatPercent(pacing, 0)}
            </span>
          );
        },
        csv: (row) => row.plan?.pacing,
      },
      {
        key: 'forecast',
        header: 'Forecast',
        align: 'right',
        cell: (row) => (row.plan ? formatNumber(Math.round(row.plan.forecast)) : DASH),
        csv: (row) => row.plan?.forecast,
      },
    ],
    [data],
  );

  const option: ChartOption = useMemo(
    () => ({
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 60, right: 20, top: 40, bottom: 30 },
      xAxis: { type: 'category', data: funnelRows.map((row) => PLAN_STAGE_LABELS[row.stage]) },
      yAxis: { type: 'value' },
      series: [
        { name: 'This period', type: 'bar', data: funnelRows.map((row) => row.actual) },
        { name: 'Previous period', type: 'bar', data: funnelRows.map((row) => row.previous) },
        ...(funnelRows.some((row) => row.plan)
          ? [
              {
                name: 'Plan to date',
                type: 'bar',
                data: funnelRows.map((row) => (row.plan ? Math.round(row.plan.planned_to_date) : null)),
              },
            ]
          : []),
      ],
    }),
    [funnelRows],
  );

  return (
    <>
      <PageHeader
        title="Scorecard"
        description="The joint numbers of sales and marketing, against the previous period."
        actions={
          <PeriodField value={period} onChange={(next) => filters.set({ period: next, plan_id: null })} />
        }
      />
      {scorecard.isPending ? (
        <LoadingState label="Loading the scorecard" />
      ) : scorecard.isError ? (
        <ErrorState
          error={scorecard.error}
          title="Could not load the scorecard"
          retry={() => void scorecard.refetch()}
        />
      ) : data ? (
        <div aria-busy={scorecard.isFetching}>
          <GoalProgress scorecard={data} />
          <section aria-label="Key figures" className="kpi-grid">
            {data.kpis
              .filter((kpi) => kpi.key !== 'goal_progress' || data.goal)
              .map((kpi) => (
                <KpiTile
                  key={kpi.key}
                  label={kpi.label}
                  value={formatByUnit(kpi.value, kpi.unit, { compact: true })}
                  to={linkFor(kpi.key, data)}
                  trend={kpiTrend(kpi, periodLabel(data.previous_period))}
                  detail={
                    <span title={kpi.definition}>
                      {kpi.target !== null
                        ? `Target ${formatByUnit(kpi.target, kpi.unit, { compact: true })} · `
                        : ''}
                      was {formatByUnit(kpi.previous, kpi.unit, { compact: true })}
                    </span>
                  }
                />
              ))}
          </section>
          {funnelRows.length === 0 ? (
            <EmptyState title="No funnel figures for this period" />
          ) : (
            <ChartPanel
              title="Funnel volumes against the plan"
              description={
                data.plan_id
                  ? `Stage entries in ${periodLabel(data.period)} against saved plan ${data.plan_id}.`
                  : `Stage entries in ${periodLabel(data.period)}. Save a plan for this period to see pacing.`
              }
              option={option}
              columns={columns}
              rows={funnelRows}
              rowKey={(row) => row.stage}
              filename={`tandem-scorecard-funnel-${period}`}
            />
          )}
          <details className="card definitions">
            <summary>How each figure is computed</summary>
            <dl>
              {data.kpis.map((kpi) => (
                <div key={kpi.key}>
                  <dt>{kpi.label}</dt>
                  <dd>{kpi.definition}</dd>
                </div>
              ))}
            </dl>
          </details>
        </div>
      ) : null}
    </>
  );
}
