import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { Link } from 'react-router';
import { WIN_LOSS_DIMENSIONS } from '../../../../src/modules/winloss/winloss.ts';
import { api } from '../../api/client.ts';
import type { WinLoss } from '../../api/types.ts';
import type { ChartOption } from '../../charts/echarts.ts';
import { ChartPanel } from '../../components/ChartPanel.tsx';
import { type Column, DataTable } from '../../components/DataTable.tsx';
import { ExportButton } from '../../components/ExportButton.tsx';
import { SelectField } from '../../components/Form.tsx';
import { KpiTile } from '../../components/KpiTile.tsx';
import { PageHeader, usePageTitle } from '../../components/PageHeader.tsx';
import { PeriodField } from '../../components/PeriodField.tsx';
import { ErrorState, LoadingState } from '../../components/States.tsx';
import { DASH, formatMoney, formatNumber, formatPercent, titleCase } from '../../lib/format.ts';
import { periodLabel } from '../../lib/periods.ts';
import { useUrlFilters } from '../../lib/url-state.ts';

type Dimension = (typeof WIN_LOSS_DIMENSIONS)[number];
type Group = WinLoss['groups'][number];
type Presence = WinLoss['presence']['campaigns'][number];
type ReasonRow = WinLoss['reasons'][number];

/** The deals-list filter that selects a group's deals, where the list can filter on the same field. */
const DEAL_FILTER: Partial<Record<Dimension, string>> = {
  owner: 'owner_id',
  product: 'product_id',
  competitor: 'competitor',
  segment: 'segment',
};

const days = (value: number | null) => (value === null ? DASH : `${formatNumber(Math.round(value))} d`);

function PresenceTable({ title, rows }: { title: string; rows: Presence[] }) {
  const sorted = [...rows].sort((a, b) => (b.difference ?? -2) - (a.difference ?? -2));
  const columns: Column<Presence>[] = [
    { key: 'label', header: title, cell: (row) => row.label, csv: (row) => row.label },
    {
      key: 'won',
      header: 'In won deals',
      align: 'right',
      cell: (row) => formatPercent(row.won_share),
      csv: (row) => row.won_share,
    },
    {
      key: 'lost',
      header: 'In lost deals',
      align: 'right',
      cell: (row) => formatPercent(row.lost_share),
      csv: (row) => row.lost_share,
    },
    {
      key: 'difference',
      header: 'Difference',
      align: 'right',
      cell: (row) =>
        row.difference === null ? (
          DASH
        ) : (
          <span className={row.difference > 0 ? 'text-good' : row.difference < 0 ? 'text-bad' : undefined}>
            {row.difference > 0 ? '+' : ''}
            {(row.difference * 100).toFixed(1)} pts
          </span>
        ),
      csv: (row) => row.difference,
    },
    {
      key: 'counts',
      header: 'Won / lost deals',
      align: 'right',
      cell: (row) => `${row.won_with} / ${row.lost_with}`,
      csv: (row) => `${row.won_with}/${row.lost_with}`,
    },
  ];
  return (
    <section className="card" aria-label={`${title} in won and lost deals`}>
      <div className="card-header">
        <h2>{title} in won against lost deals</h2>
        <ExportButton
          filename={`tandem-win-loss-${title.toLowerCase().replaceAll(' ', '-')}`}
          columns={columns}
          rows={sorted}
        />
      </div>
      <DataTable
        caption={`${title} in won and lost deals`}
        columns={columns}
        rows={sorted.slice(0, 15)}
        rowKey={(row) => row.key}
        empty="Nothing recorded."
      />
    </section>
  );
}

export default function WinLossPage() {
  usePageTitle('Win/loss');
  const filters = useUrlFilters(['by', 'period'] as const);
  const by: Dimension = WIN_LOSS_DIMENSIONS.find((value) => value === filters.values.by) ?? 'owner';
  const query = { by, period: filters.values.period };
  const report = useQuery({
    queryKey: ['win-loss', query],
    queryFn: ({ signal }) => api<WinLoss>('/reports/win-loss', { query, signal }),
    placeholderData: keepPreviousData,
  });
  const data = report.data;
  const dealsLink = (status: 'won' | 'lost' | 'won,lost', group?: Group) => {
    const params = new URLSearchParams({ status });
    if (data?.from) params.set('closed_from', data.from.slice(0, 10));
    if (data?.to) params.set('closed_to', data.to.slice(0, 10));
    const field = DEAL_FILTER[by];
    if (group) {
      if (!field || group.key === null) return null;
      params.set(field, group.key);
    }
    return `/deals?${params.toString()}`;
  };
  const count = (value: number, link: string | null) =>
    link ? <Link to={link}>{formatNumber(value)}</Link> : formatNumber(value);

  const groupColumns: Column<Group>[] = [
    { key: 'label', header: titleCase(by), cell: (row) => row.label, csv: (row) => row.label },
    {
      key: 'won',
      header: 'Won',
      align: 'right',
      cell: (row) => count(row.won, dealsLink('won', row)),
      csv: (row) => row.won,
    },
    {
      key: 'lost',
      header: 'Lost',
      align: 'right',
      cell: (row) => count(row.lost, dealsLink('lost', row)),
      csv: (row) => row.lost,
    },
    {
      key: 'rate',
      header: 'Win rate',
      align: 'right',
      cell: (row) => formatPercent(row.win_rate),
      csv: (row) => row.win_rate,
    },
    {
      key: 'revenue',
      header: 'Won revenue',
      align: 'right',
      cell: (row) => formatMoney(row.won_revenue),
      csv: (row) => row.won_revenue,
    },
    {
      key: 'avg_won',
      header: 'Average won',
      align: 'right',
      cell: (row) => formatMoney(row.avg_won_amount),
      csv: (row) => row.avg_won_amount,
    },
    {
      key: 'avg_lost',
      header: 'Average lost',
      align: 'right',
      cell: (row) => formatMoney(row.avg_lost_amount),
      csv: (row) => row.avg_lost_amount,
    },
    {
      key: 'cycle_won',
      header: 'Cycle won',
      align: 'right',
      cell: (row) => days(row.median_won_cycle_days),
      csv: (row) => row.median_won_cycle_days,
    },
    {
      key: 'cycle_lost',
      header: 'Cycle lost',
      align: 'right',
      cell: (row) => days(row.median_lost_cycle_days),
      csv: (row) => row.median_lost_cycle_days,
    },
  ];
  const reasonColumns: Column<ReasonRow>[] = [
    { key: 'status', header: 'Outcome', cell: (row) => titleCase(row.status), csv: (row) => row.status },
    {
      key: 'reason',
      header: 'Reason',
      cell: (row) => row.reason ?? '(none given)',
      csv: (row) => row.reason,
    },
    {
      key: 'deals',
      header: 'Deals',
      align: 'right',
      cell: (row) => formatNumber(row.deals),
      csv: (row) => row.deals,
    },
    {
      key: 'amount',
      header: 'Amount',
      align: 'right',
      cell: (row) => formatMoney(row.amount),
      csv: (row) => row.amount,
    },
    {
      key: 'share',
      header: 'Share',
      align: 'right',
      cell: (row) => formatPercent(row.share),
      csv: (row) => row.share,
    },
  ];
  const option: ChartOption = useMemo(() => {
    const groups = [...(data?.groups ?? [])].sort((a, b) => b.won + b.lost - (a.won + a.lost)).slice(0, 15);
    return {
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 150, right: 50, top: 36, bottom: 30 },
      xAxis: [{ type: 'value', name: 'Deals' }],
      yAxis: {
        type: 'category',
        inverse: true,
        data: groups.map((group) => group.label),
        axisLabel: { width: 140, overflow: 'truncate' },
      },
      series: [
        { name: 'Won', type: 'bar', stack: 'deals', data: groups.map((group) => group.won) },
        { name: 'Lost', type: 'bar', stack: 'deals', data: groups.map((group) => group.lost) },
      ],
      color: ['#0e9f6e', '#dc2626'],
    };
  }, [data]);

  return (
    <>
      <PageHeader
        title="Win/loss"
        description="Deals closed in the period: win rates, reasons, cycle and size, and what the won deals' journeys held that the lost ones did not."
        actions={
          <Link className="btn" to={dealsLink('won,lost') ?? '/deals'}>
            Closed deals
          </Link>
        }
      />
      <form
        className="filters card"
        aria-label="Win/loss filters"
        onSubmit={(event) => event.preventDefault()}
      >
        <SelectField
          label="Break down by"
          value={by}
          onChange={(event) =>
            filters.set({ by: event.target.value === 'owner' ? null : event.target.value })
          }
          options={WIN_LOSS_DIMENSIONS.map((value) => ({ value, label: titleCase(value) }))}
        />
        <PeriodField
          label="Closed in"
          value={filters.values.period}
          onChange={(period) => filters.set({ period })}
          allowAll="All time"
        />
      </form>
      {report.isPending ? (
        <LoadingState label="Loading win/loss" />
      ) : report.isError ? (
        <ErrorState
          error={report.error}
          title="Could not load win/loss"
          retry={() => void report.refetch()}
        />
      ) : data ? (
        <div aria-busy={report.isFetching}>
          <section className="kpi-grid" aria-label="Overall">
            <KpiTile
              label="Win rate"
              value={formatPercent(data.overall.win_rate)}
              detail={filters.values.period ? periodLabel(filters.values.period) : 'All time'}
            />
            <KpiTile
              label="Won"
              value={formatNumber(data.overall.won)}
              to={dealsLink('won') ?? undefined}
              detail={formatMoney(data.overall.won_revenue, { compact: true })}
            />
            <KpiTile
              label="Lost"
              value={formatNumber(data.overall.lost)}
              to={dealsLink('lost') ?? undefined}
              detail={formatMoney(data.overall.lost_amount, { compact: true })}
            />
            <KpiTile
              label="Average deal"
              value={formatMoney(data.overall.avg_won_amount, { compact: true })}
              detail={`won; lost ${formatMoney(data.overall.avg_lost_amount, { compact: true })}`}
            />
            <KpiTile
              label="Sales cycle (median)"
              value={days(data.overall.median_won_cycle_days)}
              detail={`won; lost ${days(data.overall.median_lost_cycle_days)}`}
            />
          </section>
          <ChartPanel
            title={`Won and lost by ${by}`}
            description="The 15 groups with the most closed deals; the table has them all."
            option={option}
            columns={groupColumns}
            rows={data.groups}
            rowKey={(row) => row.key ?? '(none)'}
            filename={`tandem-win-loss-by-${by}`}
            height={Math.max(220, Math.min(data.groups.length, 15) * 30 + 70)}
          />
          <section className="card" aria-labelledby="reasons-title">
            <div className="card-header">
              <h2 id="reasons-title">Why deals were won and lost</h2>
              <ExportButton filename="tandem-win-loss-reasons" columns={reasonColumns} rows={data.reasons} />
            </div>
            <DataTable
              caption="Reasons"
              columns={reasonColumns}
              rows={data.reasons}
              rowKey={(row) => `${row.status}|${row.reason}`}
            />
          </section>
          <div className="report-grid report-grid-even">
            <PresenceTable title="Campaigns" rows={data.presence.campaigns} />
            <PresenceTable title="Touch types" rows={data.presence.touch_types} />
          </div>
          <PresenceTable title="Content" rows={data.presence.content} />
          {data.mql_to_won ? (
            <section className="card" aria-labelledby="mql-won-title">
              <h2 id="mql-won-title">From MQL to won, by source</h2>
              <DataTable
                caption="MQL to won by source"
                columns={[
                  {
                    key: 'source',
                    header: 'Source',
                    cell: (row) => (row.total ? <strong>All sources</strong> : (row.source ?? '(none)')),
                  },
                  { key: 'mqls', header: 'MQLs', align: 'right', cell: (row) => formatNumber(row.mqls) },
                  { key: 'won', header: 'Won', align: 'right', cell: (row) => formatNumber(row.won) },
                  {
                    key: 'rate',
                    header: 'Conversion',
                    align: 'right',
                    cell: (row) => formatPercent(row.conversion_rate),
                  },
                  {
                    key: 'days',
                    header: 'Median days to close',
                    align: 'right',
                    cell: (row) => days(row.median_days_to_close),
                  },
                ]}
                rows={[
                  ...data.mql_to_won.groups.map((group) => ({ ...group, total: false })),
                  { ...data.mql_to_won.overall, total: true },
                ]}
                rowKey={(row) => (row.total ? '(all)' : (row.source ?? '(none)'))}
              />
            </section>
          ) : null}
        </div>
      ) : null}
    </>
  );
}
