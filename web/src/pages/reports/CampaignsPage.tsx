import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { Link } from 'react-router';
import { api } from '../../api/client.ts';
import type { CampaignReport } from '../../api/types.ts';
import type { ChartOption } from '../../charts/echarts.ts';
import { ChartPanel } from '../../components/ChartPanel.tsx';
import { type Column, DataTable } from '../../components/DataTable.tsx';
import { ExportButton } from '../../components/ExportButton.tsx';
import { SelectField, TextField } from '../../components/Form.tsx';
import { KpiTile } from '../../components/KpiTile.tsx';
import { PageHeader, usePageTitle } from '../../components/PageHeader.tsx';
import { PeriodField } from '../../components/PeriodField.tsx';
import { ErrorState, LoadingState } from '../../components/States.tsx';
import { DASH, formatMoney, formatNumber, formatPercent, titleCase } from '../../lib/format.ts';
import { periodLabel } from '../../lib/periods.ts';
import { useUrlFilters } from '../../lib/url-state.ts';

type Row = CampaignReport['rows'][number];

function roi(value: number | null) {
  if (value === null) return DASH;
  return <span className={value >= 0 ? 'text-good' : 'text-bad'}>{formatPercent(value, 0)}</span>;
}

/** Every campaign (or channel) with its cost, what it sourced and influenced, and its ROI. Failures included. */
export default function CampaignsPage() {
  usePageTitle('Campaigns');
  const filters = useUrlFilters(['by', 'period', 'channel', 'status', 'sort'] as const);
  const by = filters.values.by === 'channel' ? 'channel' : 'campaign';
  const sort = filters.values.sort || '-won_revenue';
  const query = {
    by,
    period: filters.values.period,
    channel: filters.values.channel,
    status: filters.values.status,
    sort,
  };
  const report = useQuery({
    queryKey: ['campaign-report', query],
    queryFn: ({ signal }) => api<CampaignReport>('/reports/campaigns', { query, signal }),
    placeholderData: keepPreviousData,
  });
  const data = report.data;
  const periodQuery = filters.values.period ? `?period=${filters.values.period}` : '';

  const columns: Column<Row>[] = [
    {
      key: 'label',
      header: by === 'channel' ? 'Channel' : 'Campaign',
      cell: (row) =>
        row.campaign_id !== null ? (
          <Link className="strong-link" to={`/campaigns/${row.campaign_id}${periodQuery}`}>
            {row.label}
          </Link>
        ) : row.channel ? (
          <Link
            to={`/campaigns?channel=${encodeURIComponent(row.channel)}${filters.values.period ? `&period=${filters.values.period}` : ''}`}
          >
            {row.label}
          </Link>
        ) : (
          row.label
        ),
      csv: (row) => row.label,
    },
    ...(by === 'campaign'
      ? [
          {
            key: 'channel',
            header: 'Channel',
            cell: (row: Row) => row.channel ?? DASH,
            csv: (row: Row) => row.channel,
          },
          {
            key: 'status',
            header: 'Status',
            cell: (row: Row) => (row.status ? titleCase(row.status) : DASH),
            csv: (row: Row) => row.status,
          },
        ]
      : [
          {
            key: 'campaigns',
            header: 'Campaigns',
            align: 'right' as const,
            cell: (row: Row) => formatNumber(row.campaigns),
            csv: (row: Row) => row.campaigns,
          },
        ]),
    {
      key: 'cost',
      header: 'Cost',
      align: 'right',
      sort: 'cost',
      cell: (row) => formatMoney(row.cost),
      csv: (row) => row.cost,
    },
    {
      key: 'leads',
      header: 'Leads',
      align: 'right',
      sort: 'leads',
      cell: (row) => formatNumber(row.leads),
      csv: (row) => row.leads,
    },
    {
      key: 'mqls',
      header: 'MQLs',
      align: 'right',
      sort: 'mqls',
      cell: (row) => formatNumber(row.mqls),
      csv: (row) => row.mqls,
    },
    {
      key: 'opportunities',
      header: 'Opps',
      align: 'right',
      sort: 'opportunities',
      cell: (row) => formatNumber(row.opportunities),
      csv: (row) => row.opportunities,
    },
    {
      key: 'pipeline',
      header: 'Pipeline',
      align: 'right',
      sort: 'pipeline',
      cell: (row) => formatMoney(row.pipeline),
      csv: (row) => row.pipeline,
    },
    {
      key: 'won_deals',
      header: 'Won',
      align: 'right',
      sort: 'won_deals',
      cell: (row) => formatNumber(row.won_deals),
      csv: (row) => row.won_deals,
    },
    {
      key: 'won_revenue',
      header: 'Revenue',
      align: 'right',
      sort: 'won_revenue',
      cell: (row) => formatMoney(row.won_revenue),
      csv: (row) => row.won_revenue,
    },
    {
      key: 'cpl',
      header: 'Cost/lead',
      align: 'right',
      cell: (row) => formatMoney(row.cost_per_lead),
      csv: (row) => row.cost_per_lead,
    },
    {
      key: 'cpo',
      header: 'Cost/opp',
      align: 'right',
      cell: (row) => formatMoney(row.cost_per_opportunity),
      csv: (row) => row.cost_per_opportunity,
    },
    {
      key: 'cpw',
      header: 'Cost/won',
      align: 'right',
      cell: (row) => formatMoney(row.cost_per_won_deal),
      csv: (row) => row.cost_per_won_deal,
    },
    {
      key: 'roi',
      header: 'ROI',
      align: 'right',
      sort: 'roi',
      cell: (row) => roi(row.roi),
      csv: (row) => row.roi,
    },
    {
      key: 'influenced',
      header: 'Influenced pipeline',
      align: 'right',
      cell: (row) => formatMoney(row.influenced_pipeline),
      csv: (row) => row.influenced_pipeline,
    },
  ];
  const option: ChartOption = useMemo(() => {
    const rows = (data?.rows ?? []).slice(0, 15);
    return {
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 70, right: 20, top: 40, bottom: 90 },
      xAxis: {
        type: 'category',
        data: rows.map((row) => row.label),
        axisLabel: { rotate: 30, interval: 0, width: 130, overflow: 'truncate' },
      },
      yAxis: { type: 'value' },
      series: [
        { name: 'Cost', type: 'bar', data: rows.map((row) => Math.round(row.cost)) },
        { name: 'Pipeline', type: 'bar', data: rows.map((row) => Math.round(row.pipeline)) },
        { name: 'Won revenue', type: 'bar', data: rows.map((row) => Math.round(row.won_revenue)) },
      ],
      color: ['#d97706', '#1f4ed8', '#0e9f6e'],
    };
  }, [data]);

  return (
    <>
      <PageHeader
        title="Campaigns"
        description="Cost, sourced leads, pipeline and revenue, and ROI of every campaign: the ones that failed too."
        actions={
          data ? (
            <ExportButton filename={`tandem-campaigns-by-${by}`} columns={columns} rows={data.rows} />
          ) : null
        }
      />
      <form
        className="filters card"
        aria-label="Campaign filters"
        onSubmit={(event) => event.preventDefault()}
      >
        <SelectField
          label="Rows"
          value={by}
          onChange={(event) =>
            filters.set({ by: event.target.value === 'campaign' ? null : event.target.value })
          }
          options={[
            { value: 'campaign', label: 'One per campaign' },
            { value: 'channel', label: 'One per channel' },
          ]}
        />
        <PeriodField
          value={filters.values.period}
          onChange={(period) => filters.set({ period })}
          allowAll="All time"
        />
        <TextField
          label="Channel"
          defaultValue={filters.values.channel}
          key={`channel-${filters.values.channel}`}
          onBlur={(event) => filters.set({ channel: event.currentTarget.value.trim() })}
          onKeyDown={(event) =>
            event.key === 'Enter' && filters.set({ channel: event.currentTarget.value.trim() })
          }
        />
        <SelectField
          label="Status"
          placeholder="Any status"
          value={filters.values.status}
          onChange={(event) => filters.set({ status: event.target.value })}
          options={['planned', 'active', 'completed', 'cancelled'].map((value) => ({
            value,
            label: titleCase(value),
          }))}
        />
      </form>
      {report.isPending ? (
        <LoadingState label="Loading campaign results" />
      ) : report.isError ? (
        <ErrorState
          error={report.error}
          title="Could not load the campaign results"
          retry={() => void report.refetch()}
        />
      ) : data ? (
        <div aria-busy={report.isFetching}>
          <section className="kpi-grid" aria-label="All campaigns">
            <KpiTile
              label="Marketing cost"
              value={formatMoney(data.totals.cost, { compact: true })}
              detail={`${formatNumber(data.totals.campaigns)} campaigns`}
            />
            <KpiTile
              label="Sourced pipeline"
              value={formatMoney(data.totals.pipeline, { compact: true })}
              detail={`${formatNumber(data.totals.opportunities)} opportunities`}
            />
            <KpiTile
              label="Sourced revenue"
              value={formatMoney(data.totals.won_revenue, { compact: true })}
              detail={`${formatNumber(data.totals.won_deals)} won deals`}
            />
            <KpiTile
              label="ROI"
              value={roi(data.totals.roi)}
              detail={`cost per won deal ${formatMoney(data.totals.cost_per_won_deal)}`}
            />
            <KpiTile
              label="Marketing-sourced share"
              value={formatPercent(data.marketing_sourced.pipeline_share)}
              detail={`of pipeline; ${formatPercent(data.marketing_sourced.bookings_share)} of bookings`}
            />
          </section>
          <ChartPanel
            title={`Cost against pipeline and revenue${filters.values.period ? `, ${periodLabel(filters.values.period)}` : ''}`}
            description="The first 15 rows in the table's order."
            option={option}
            columns={columns}
            rows={data.rows}
            rowKey={(row) => row.key}
            filename={`tandem-campaigns-by-${by}`}
          />
          <section className="card" aria-labelledby="campaign-table-title">
            <h2 id="campaign-table-title">{by === 'channel' ? 'Channels' : 'Campaigns'}</h2>
            <DataTable
              caption="Campaign results"
              columns={columns}
              rows={data.rows}
              rowKey={(row) => row.key}
              sort={{ value: sort, onChange: (next) => filters.set({ sort: next }) }}
              empty="No campaigns match."
            />
          </section>
        </div>
      ) : null}
    </>
  );
}
