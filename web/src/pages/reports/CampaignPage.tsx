import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { Link, useParams } from 'react-router';
import { api } from '../../api/client.ts';
import { useUserNames } from '../../api/hooks.ts';
import type { CampaignResults } from '../../api/types.ts';
import type { ChartOption } from '../../charts/echarts.ts';
import { ChartPanel } from '../../components/ChartPanel.tsx';
import { type Column, DataTable } from '../../components/DataTable.tsx';
import { KpiTile } from '../../components/KpiTile.tsx';
import { PageHeader, usePageTitle } from '../../components/PageHeader.tsx';
import { PeriodField } from '../../components/PeriodField.tsx';
import { EmptyState, ErrorState, LoadingState } from '../../components/States.tsx';
import { MODEL_LABELS } from '../../features/attribution.ts';
import { DASH, formatDate, formatMoney, formatNumber, formatPercent, titleCase } from '../../lib/format.ts';
import { useUrlFilters } from '../../lib/url-state.ts';

type Month = CampaignResults['months'][number];
type CampaignModel = keyof CampaignResults['attribution'];

function DealLinks({ title, ids }: { title: string; ids: number[] }) {
  if (ids.length === 0) return null;
  return (
    <div className="deal-links">
      <h3>{title}</h3>
      <ul className="chip-row plain-list-inline">
        {ids.map((id) => (
          <li key={id}>
            <Link className="chip" to={`/deals/${id}`}>
              Deal {id}
            </Link>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** One campaign's results, to share with everyone: figures, months, every attribution model, the records. */
export default function CampaignPage() {
  const params = useParams();
  const id = Number(params.id);
  const filters = useUrlFilters(['period'] as const);
  const userNames = useUserNames();
  const results = useQuery({
    queryKey: ['campaign-results', id, filters.values.period],
    queryFn: () =>
      api<CampaignResults>(`/reports/campaigns/${id}`, { query: { period: filters.values.period } }),
    enabled: id > 0,
  });
  usePageTitle(results.data?.campaign.name ?? 'Campaign');
  const data = results.data;
  const leadsLink = data ? `/leads?ids=${data.drilldown.sourced_leads.join(',')}` : '';
  const monthColumns: Column<Month>[] = [
    { key: 'month', header: 'Month', cell: (row) => row.month, csv: (row) => row.month },
    {
      key: 'leads',
      header: 'Leads',
      align: 'right',
      cell: (row) => formatNumber(row.leads),
      csv: (row) => row.leads,
    },
    {
      key: 'mqls',
      header: 'MQLs',
      align: 'right',
      cell: (row) => formatNumber(row.mqls),
      csv: (row) => row.mqls,
    },
    {
      key: 'opps',
      header: 'Opportunities',
      align: 'right',
      cell: (row) => formatNumber(row.opportunities),
      csv: (row) => row.opportunities,
    },
    {
      key: 'pipeline',
      header: 'Pipeline',
      align: 'right',
      cell: (row) => formatMoney(row.pipeline),
      csv: (row) => row.pipeline,
    },
    {
      key: 'won',
      header: 'Won',
      align: 'right',
      cell: (row) => formatNumber(row.won_deals),
      csv: (row) => row.won_deals,
    },
    {
      key: 'revenue',
      header: 'Revenue',
      align: 'right',
      cell: (row) => formatMoney(row.won_revenue),
      csv: (row) => row.won_revenue,
    },
  ];
  const monthOption: ChartOption = useMemo(
    () => ({
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 60, right: 20, top: 40, bottom: 30 },
      xAxis: { type: 'category', data: (data?.months ?? []).map((row) => row.month) },
      yAxis: { type: 'value' },
      series: [
        { name: 'Leads', type: 'bar', data: (data?.months ?? []).map((row) => row.leads) },
        { name: 'MQLs', type: 'bar', data: (data?.months ?? []).map((row) => row.mqls) },
        { name: 'Opportunities', type: 'bar', data: (data?.months ?? []).map((row) => row.opportunities) },
        { name: 'Won', type: 'bar', data: (data?.months ?? []).map((row) => row.won_deals) },
      ],
    }),
    [data],
  );
  if (!(id > 0)) return <EmptyState title={`"${params.id}" is not a campaign id`} />;
  if (results.isPending) return <LoadingState label="Loading the campaign" />;
  if (results.isError || !data)
    return (
      <ErrorState
        error={results.error}
        title="Could not load the campaign"
        retry={() => void results.refetch()}
      />
    );
  const { campaign, figures } = data;
  const models = Object.keys(data.attribution) as CampaignModel[];
  return (
    <>
      <p className="breadcrumbs">
        <Link to="/campaigns">Campaigns</Link> <span aria-hidden="true">/</span> {campaign.name}
      </p>
      <PageHeader
        title={campaign.name}
        description={[
          campaign.channel,
          campaign.type,
          campaign.status ? titleCase(campaign.status) : null,
          campaign.start_date
            ? `${formatDate(campaign.start_date)} – ${campaign.end_date ? formatDate(campaign.end_date) : 'ongoing'}`
            : null,
          campaign.owner_id !== null
            ? `owner ${userNames.get(campaign.owner_id) ?? campaign.owner_id}`
            : null,
        ]
          .filter(Boolean)
          .join(' · ')}
        actions={
          <PeriodField
            value={filters.values.period}
            onChange={(period) => filters.set({ period })}
            allowAll="All time"
          />
        }
      />
      <section className="kpi-grid" aria-label="Results">
        <KpiTile
          label="Cost"
          value={formatMoney(figures.cost, { compact: true })}
          detail={
            campaign.budget !== null ? `budget ${formatMoney(campaign.budget, { compact: true })}` : undefined
          }
        />
        <KpiTile
          label="Leads sourced"
          value={formatNumber(figures.leads)}
          to={figures.leads > 0 ? leadsLink : undefined}
          detail={`cost per lead ${formatMoney(figures.cost_per_lead)}`}
        />
        <KpiTile
          label="MQLs"
          value={formatNumber(figures.mqls)}
          detail={`cost per MQL ${formatMoney(figures.cost_per_mql)}`}
        />
        <KpiTile
          label="Pipeline sourced"
          value={formatMoney(figures.pipeline, { compact: true })}
          detail={`${formatNumber(figures.opportunities)} opportunities`}
        />
        <KpiTile
          label="Revenue sourced"
          value={formatMoney(figures.won_revenue, { compact: true })}
          detail={`${formatNumber(figures.won_deals)} won deals`}
        />
        <KpiTile
          label="ROI"
          value={figures.roi === null ? DASH : formatPercent(figures.roi, 0)}
          detail={`cost per won deal ${formatMoney(figures.cost_per_won_deal)}`}
        />
        <KpiTile
          label="Influenced"
          value={formatMoney(figures.influenced_pipeline, { compact: true })}
          detail={`pipeline; ${formatMoney(figures.influenced_won_revenue, { compact: true })} won`}
        />
      </section>
      <ChartPanel
        title="Month by month"
        option={monthOption}
        columns={monthColumns}
        rows={data.months}
        rowKey={(row) => row.month}
        filename={`tandem-campaign-${campaign.id}-months`}
      />
      <section className="card" aria-labelledby="models-title">
        <h2 id="models-title">Credit under every attribution model</h2>
        <DataTable
          caption="Credit by model"
          columns={[
            { key: 'model', header: 'Model', cell: (model: CampaignModel) => MODEL_LABELS[model] },
            {
              key: 'conversions',
              header: 'Won deals',
              align: 'right',
              cell: (model) =>
                formatNumber(Math.round((data.attribution[model]?.conversions ?? 0) * 100) / 100),
            },
            {
              key: 'revenue',
              header: 'Revenue',
              align: 'right',
              cell: (model) => formatMoney(data.attribution[model]?.revenue),
            },
            {
              key: 'opportunities',
              header: 'Opportunities',
              align: 'right',
              cell: (model) =>
                formatNumber(Math.round((data.attribution[model]?.opportunities ?? 0) * 100) / 100),
            },
            {
              key: 'pipeline',
              header: 'Pipeline',
              align: 'right',
              cell: (model) => formatMoney(data.attribution[model]?.pipeline),
            },
          ]}
          rows={models}
          rowKey={(model) => model}
        />
      </section>
      <section className="card" aria-labelledby="records-title">
        <h2 id="records-title">The records behind the figures</h2>
        <p>
          {figures.leads > 0 ? (
            <Link to={leadsLink}>{formatNumber(data.drilldown.sourced_leads.length)} sourced leads</Link>
          ) : (
            'No sourced leads'
          )}
          {data.drilldown.sourced_leads.length < figures.leads
            ? ` (the first ${formatNumber(data.drilldown.sourced_leads.length)})`
            : ''}
        </p>
        <DealLinks title="Sourced won deals" ids={data.drilldown.sourced_won} />
        <DealLinks title="Sourced opportunities" ids={data.drilldown.sourced_opportunities} />
        <DealLinks title="Influenced won deals" ids={data.drilldown.influenced_won} />
      </section>
    </>
  );
}
