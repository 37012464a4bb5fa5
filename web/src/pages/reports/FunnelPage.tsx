import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { Link, useNavigate } from 'react-router';
import { api } from '../../api/client.ts';
import type { FunnelGroup, FunnelReport } from '../../api/types.ts';
import type { ChartOption } from '../../charts/echarts.ts';
import { ChartPanel } from '../../components/ChartPanel.tsx';
import { type Column, DataTable } from '../../components/DataTable.tsx';
import { ExportButton } from '../../components/ExportButton.tsx';
import { SelectField, TextField } from '../../components/Form.tsx';
import { KpiTile } from '../../components/KpiTile.tsx';
import { PageHeader, usePageTitle } from '../../components/PageHeader.tsx';
import { PeriodField } from '../../components/PeriodField.tsx';
import { ErrorState, LoadingState } from '../../components/States.tsx';
import { recordsLink } from '../../lib/drilldown.ts';
import { DASH, formatNumber, formatPercent } from '../../lib/format.ts';
import { currentQuarter, periodLabel } from '../../lib/periods.ts';
import { useUrlFilters } from '../../lib/url-state.ts';

type StageRow = FunnelGroup['stages'][number];
type Stage = StageRow['stage'];

const STAGE_NAMES: Record<Stage, string> = {
  lead: 'Lead',
  mql: 'MQL',
  sal: 'SAL',
  sql: 'SQL',
  opportunity: 'Opportunity',
  customer: 'Customer',
};

const DIMENSIONS = [
  { value: 'source', label: 'Source' },
  { value: 'campaign', label: 'Campaign' },
  { value: 'channel', label: 'Channel' },
  { value: 'owner', label: 'Owner' },
  { value: 'team', label: 'Team' },
  { value: 'segment', label: 'Segment' },
] as const;

/** The group key in the URL; the leads without a value form the "(none)" group. */
const NONE_KEY = '(none)';
const keyOf = (group: FunnelGroup) => group.key ?? NONE_KEY;

function days(value: number | null): string {
  return value === null ? DASH : `${formatNumber(Math.round(value * 10) / 10)} d`;
}

const LEAKS = [
  { key: 'stalled', label: 'Stalled' },
  { key: 'rejected', label: 'Rejected by sales' },
  { key: 'recycled', label: 'Recycled' },
  { key: 'disqualified', label: 'Disqualified' },
  { key: 'never_followed_up', label: 'Never followed up' },
] as const;

interface LeakRow {
  key: string;
  label: string;
  count: number;
  drilldown: string;
}

export default function FunnelPage() {
  usePageTitle('Funnel');
  const navigate = useNavigate();
  const filters = useUrlFilters(['view', 'period', 'by', 'group', 'stalled_days', 'follow_up_days'] as const);
  const values = filters.values;
  const view = values.view === 'period' ? 'period' : 'cohort';
  const period = values.period || currentQuarter();
  const query = {
    view,
    period,
    by: values.by,
    stalled_days: values.stalled_days,
    follow_up_days: values.follow_up_days,
  };
  const report = useQuery({
    queryKey: ['funnel', query],
    queryFn: ({ signal }) => api<FunnelReport>('/reports/funnel', { query, signal }),
    placeholderData: keepPreviousData,
  });

  const data = report.data;
  const group: FunnelGroup | undefined =
    data && values.group
      ? (data.groups.find((candidate) => keyOf(candidate) === values.group) ?? data.total)
      : data?.total;
  const scopeLabel = `${periodLabel(period)}${group && group !== data?.total ? ` · ${group.label}` : ''}`;

  const stageColumns: Column<StageRow>[] = [
    { key: 'stage', header: 'Stage', cell: (row) => STAGE_NAMES[row.stage], csv: (row) => row.stage },
    {
      key: 'count',
      header: view === 'cohort' ? 'Reached' : 'Entered',
      align: 'right',
      cell: (row) => (
        <Link to={recordsLink(row.drilldown, `${STAGE_NAMES[row.stage]}: ${scopeLabel}`)}>
          {formatNumber(row.count)}
        </Link>
      ),
      csv: (row) => row.count,
    },
    {
      key: 'conversion',
      header: 'From previous stage',
      align: 'right',
      cell: (row) => formatPercent(row.conversion_from_previous),
      csv: (row) => row.conversion_from_previous,
    },
    {
      key: 'to_customer',
      header: 'To customer',
      align: 'right',
      cell: (row) => formatPercent(row.conversion_to_customer),
      csv: (row) => row.conversion_to_customer,
    },
    {
      key: 'median',
      header: 'Median days in stage',
      align: 'right',
      cell: (row) => days(row.median_days),
      csv: (row) => row.median_days,
    },
    {
      key: 'p75',
      header: '75th percentile days',
      align: 'right',
      cell: (row) => days(row.p75_days),
      csv: (row) => row.p75_days,
    },
  ];

  const funnelOption: ChartOption = useMemo(() => {
    const stages = group?.stages ?? [];
    return {
      tooltip: { trigger: 'item', formatter: '{b}: {c}' },
      series: [
        {
          type: 'funnel',
          sort: 'none',
          gap: 3,
          left: '5%',
          width: '65%',
          minSize: '8%',
          label: { show: true, position: 'right', formatter: '{b}: {c}', color: '#18212f' },
          labelLine: { show: true },
          data: stages.map((row) => ({ name: STAGE_NAMES[row.stage], value: row.count, stage: row.stage })),
        },
      ],
    };
  }, [group]);

  const leakRows: LeakRow[] = group
    ? [
        ...LEAKS.map((leak) => ({
          key: leak.key,
          label: leak.key === 'stalled' ? `Stalled over ${data?.stalled_days ?? 30} days` : leak.label,
          count: group.leakage[leak.key].count,
          drilldown: group.leakage[leak.key].drilldown,
        })),
        ...group.leakage.stalled.by_stage.map((row) => ({
          key: `stalled-${row.stage}`,
          label: `Stalled in ${STAGE_NAMES[row.stage]}`,
          count: row.count,
          drilldown: row.drilldown,
        })),
      ]
    : [];
  const leakColumns: Column<LeakRow>[] = [
    { key: 'label', header: 'Leak', cell: (row) => row.label, csv: (row) => row.label },
    {
      key: 'count',
      header: 'Leads',
      align: 'right',
      cell: (row) => (
        <Link to={recordsLink(row.drilldown, `${row.label}: ${scopeLabel}`)}>{formatNumber(row.count)}</Link>
      ),
      csv: (row) => row.count,
    },
  ];

  const stageOrder = (data?.total.stages ?? []).map((row) => row.stage);
  const groupColumns: Column<FunnelGroup>[] = [
    {
      key: 'label',
      header: DIMENSIONS.find((dimension) => dimension.value === values.by)?.label ?? 'Group',
      cell: (row) => row.label,
      csv: (row) => row.label,
    },
    ...stageOrder.map(
      (stage): Column<FunnelGroup> => ({
        key: stage,
        header: STAGE_NAMES[stage],
        align: 'right',
        cell: (row) => {
          const figure = row.stages.find((candidate) => candidate.stage === stage);
          return figure ? (
            <Link
              to={recordsLink(
                figure.drilldown,
                `${STAGE_NAMES[stage]}: ${periodLabel(period)} · ${row.label}`,
              )}
            >
              {formatNumber(figure.count)}
            </Link>
          ) : (
            DASH
          );
        },
        csv: (row) => row.stages.find((candidate) => candidate.stage === stage)?.count,
      }),
    ),
    {
      key: 'win',
      header: 'Lead to customer',
      align: 'right',
      cell: (row) => formatPercent(row.stages[0]?.conversion_to_customer ?? null),
      csv: (row) => row.stages[0]?.conversion_to_customer,
    },
    {
      key: 'focus',
      header: 'Funnel',
      cell: (row) =>
        values.group === keyOf(row) ? (
          <span className="muted small">Shown above</span>
        ) : (
          <button
            type="button"
            className="btn btn-small"
            onClick={() => filters.set({ group: keyOf(row) })}
            aria-label={`Show the funnel of ${row.label}`}
          >
            Show
          </button>
        ),
    },
  ];

  const groupOption: ChartOption = useMemo(() => {
    const groups = (data?.groups ?? []).slice(0, 12);
    return {
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 60, right: 20, top: 40, bottom: 70 },
      xAxis: {
        type: 'category',
        data: groups.map((row) => row.label),
        axisLabel: { rotate: 30, interval: 0, width: 110, overflow: 'truncate' },
      },
      yAxis: { type: 'value' },
      series: stageOrder.map((stage) => ({
        name: STAGE_NAMES[stage],
        type: 'bar',
        data: groups.map((row) => row.stages.find((candidate) => candidate.stage === stage)?.count ?? 0),
      })),
    };
  }, [data, stageOrder]);

  const first = group?.stages[0];
  const customers = group?.stages.find((row) => row.stage === 'customer');
  const mqls = group?.stages.find((row) => row.stage === 'mql');

  return (
    <>
      <PageHeader
        title="Funnel"
        description={
          view === 'cohort'
            ? 'Leads created in the period, followed forward: how many reached each stage, how fast, and where they leaked.'
            : 'Stage entries that happened in the period.'
        }
      />
      <form className="filters card" aria-label="Funnel filters" onSubmit={(event) => event.preventDefault()}>
        <SelectField
          label="View"
          value={view}
          onChange={(event) =>
            filters.set({ view: event.target.value === 'cohort' ? null : event.target.value })
          }
          options={[
            { value: 'cohort', label: 'Cohort (created in period)' },
            { value: 'period', label: 'Period (entries in period)' },
          ]}
        />
        <PeriodField value={period} onChange={(next) => filters.set({ period: next })} />
        <SelectField
          label="Break down by"
          placeholder="Nothing"
          value={values.by}
          onChange={(event) => filters.set({ by: event.target.value, group: null })}
          options={DIMENSIONS}
        />
        {data && data.groups.length > 0 ? (
          <SelectField
            label={`Only ${DIMENSIONS.find((dimension) => dimension.value === values.by)?.label.toLowerCase() ?? 'group'}`}
            placeholder="All"
            value={values.group}
            onChange={(event) => filters.set({ group: event.target.value })}
            options={data.groups.map((row) => ({ value: keyOf(row), label: row.label }))}
          />
        ) : null}
        <TextField
          label="Stalled after (days)"
          type="number"
          min={0}
          max={3650}
          defaultValue={values.stalled_days || '30'}
          key={`stalled-${values.stalled_days}`}
          onBlur={(event) =>
            filters.set({
              stalled_days: event.currentTarget.value === '30' ? null : event.currentTarget.value,
            })
          }
        />
        <TextField
          label="Follow-up within (days)"
          type="number"
          min={0}
          max={3650}
          defaultValue={values.follow_up_days || '7'}
          key={`follow-${values.follow_up_days}`}
          onBlur={(event) =>
            filters.set({
              follow_up_days: event.currentTarget.value === '7' ? null : event.currentTarget.value,
            })
          }
        />
      </form>
      {report.isPending ? (
        <LoadingState label="Loading the funnel" />
      ) : report.isError ? (
        <ErrorState
          error={report.error}
          title="Could not load the funnel"
          retry={() => void report.refetch()}
        />
      ) : group ? (
        <div aria-busy={report.isFetching}>
          <section className="kpi-grid" aria-label="Headline figures">
            <KpiTile
              label={view === 'cohort' ? 'Leads created' : 'Lead entries'}
              value={formatNumber(first?.count ?? 0)}
              to={first ? recordsLink(first.drilldown, `Leads: ${scopeLabel}`) : undefined}
            />
            <KpiTile
              label="MQLs"
              value={formatNumber(mqls?.count ?? 0)}
              to={mqls ? recordsLink(mqls.drilldown, `MQLs: ${scopeLabel}`) : undefined}
              detail={mqls ? `${formatPercent(mqls.conversion_from_previous)} of leads` : undefined}
            />
            <KpiTile
              label="Customers"
              value={formatNumber(customers?.count ?? 0)}
              to={customers ? recordsLink(customers.drilldown, `Customers: ${scopeLabel}`) : undefined}
              detail={first ? `${formatPercent(first.conversion_to_customer)} of leads` : undefined}
            />
            <KpiTile
              label="Never followed up"
              value={formatNumber(group.leakage.never_followed_up.count)}
              to={recordsLink(group.leakage.never_followed_up.drilldown, `Never followed up: ${scopeLabel}`)}
              detail={`No sales activity ${data?.follow_up_days ?? 7} days after hand-off`}
            />
          </section>
          <div className="report-grid">
            <ChartPanel
              title={`Funnel: ${scopeLabel}`}
              description="Click a stage to see its leads."
              option={funnelOption}
              columns={stageColumns}
              rows={group.stages}
              rowKey={(row) => row.stage}
              filename={`tandem-funnel-${period}`}
              height={340}
              onItemClick={(event) => {
                const row = group.stages[event.dataIndex];
                if (row) navigate(recordsLink(row.drilldown, `${STAGE_NAMES[row.stage]}: ${scopeLabel}`));
              }}
            />
            <section className="card" aria-labelledby="leakage-title">
              <div className="card-header">
                <h2 id="leakage-title">Leakage</h2>
                <ExportButton
                  filename={`tandem-funnel-leakage-${period}`}
                  columns={leakColumns}
                  rows={leakRows}
                />
              </div>
              <DataTable caption="Leakage" columns={leakColumns} rows={leakRows} rowKey={(row) => row.key} />
            </section>
          </div>
          <section className="card" aria-labelledby="stages-title">
            <div className="card-header">
              <h2 id="stages-title">Conversion and velocity</h2>
              <ExportButton
                filename={`tandem-funnel-stages-${period}`}
                columns={stageColumns}
                rows={group.stages}
              />
            </div>
            <DataTable
              caption="Conversion and velocity by stage"
              columns={stageColumns}
              rows={group.stages}
              rowKey={(row) => row.stage}
            />
          </section>
          {data?.by && data.groups.length > 0 ? (
            <ChartPanel
              title={`By ${data.by}`}
              description={
                data.groups.length > 12
                  ? 'The chart shows the first 12 groups; the table has them all.'
                  : undefined
              }
              option={groupOption}
              columns={groupColumns}
              rows={data.groups}
              rowKey={keyOf}
              filename={`tandem-funnel-by-${data.by}-${period}`}
              defaultView="table"
            />
          ) : null}
        </div>
      ) : null}
    </>
  );
}
