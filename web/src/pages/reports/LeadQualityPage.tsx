import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { Link } from 'react-router';
import { api } from '../../api/client.ts';
import type { LeadQuality } from '../../api/types.ts';
import type { ChartOption } from '../../charts/echarts.ts';
import { ChartPanel } from '../../components/ChartPanel.tsx';
import type { Column } from '../../components/DataTable.tsx';
import { SelectField, TextField } from '../../components/Form.tsx';
import { KpiTile } from '../../components/KpiTile.tsx';
import { PageHeader, usePageTitle } from '../../components/PageHeader.tsx';
import { ErrorState, LoadingState } from '../../components/States.tsx';
import { DASH, formatNumber, formatPercent } from '../../lib/format.ts';
import { useUrlFilters } from '../../lib/url-state.ts';

type Group = LeadQuality['groups'][number];
type Reason = LeadQuality['total']['reasons'][number];

function groupLabel(group: Group): string {
  return [group.source ?? (group.campaign_id === null ? '(no source)' : null), group.campaign_name]
    .filter(Boolean)
    .join(' · ');
}

/** Sales' verdict on marketing's leads: accepted and rejected, and why, by source and campaign. */
export default function LeadQualityPage() {
  usePageTitle('Lead quality');
  const filters = useUrlFilters(['from', 'to', 'by'] as const);
  const by =
    (['source', 'campaign', 'source_and_campaign'] as const).find((value) => value === filters.values.by) ??
    'source_and_campaign';
  const query = { from: filters.values.from, to: filters.values.to, by };
  const report = useQuery({
    queryKey: ['lead-quality', query],
    queryFn: ({ signal }) => api<LeadQuality>('/reports/lead-quality', { query, signal }),
    placeholderData: keepPreviousData,
  });
  const data = report.data;
  const reasonCodes = data?.total.reasons.map((reason) => reason.code) ?? [];

  const groupColumns: Column<Group>[] = [
    {
      key: 'group',
      header: by === 'campaign' ? 'Campaign' : by === 'source' ? 'Source' : 'Source · campaign',
      cell: (group) =>
        group.source ? (
          <Link to={`/leads?source=${encodeURIComponent(group.source)}`}>{groupLabel(group)}</Link>
        ) : (
          groupLabel(group)
        ),
      csv: (group) => groupLabel(group),
    },
    {
      key: 'decisions',
      header: 'Decided',
      align: 'right',
      cell: (group) => formatNumber(group.decisions),
      csv: (group) => group.decisions,
    },
    {
      key: 'accepted',
      header: 'Accepted',
      align: 'right',
      cell: (group) => formatNumber(group.accepted),
      csv: (group) => group.accepted,
    },
    {
      key: 'rejected',
      header: 'Rejected',
      align: 'right',
      cell: (group) => formatNumber(group.rejected),
      csv: (group) => group.rejected,
    },
    {
      key: 'rate',
      header: 'Acceptance rate',
      align: 'right',
      cell: (group) => formatPercent(group.acceptance_rate),
      csv: (group) => group.acceptance_rate,
    },
    {
      key: 'top',
      header: 'Top rejection reason',
      cell: (group) => {
        const top = [...group.reasons].sort((a, b) => b.count - a.count)[0];
        return top ? `${top.label} (${formatNumber(top.count)})` : DASH;
      },
      csv: (group) => [...group.reasons].sort((a, b) => b.count - a.count)[0]?.label,
    },
    ...reasonCodes.map(
      (code): Column<Group> => ({
        key: `reason-${code}`,
        header: data?.total.reasons.find((reason) => reason.code === code)?.label ?? code,
        align: 'right',
        cell: (group) => formatNumber(group.reasons.find((reason) => reason.code === code)?.count ?? 0),
        csv: (group) => group.reasons.find((reason) => reason.code === code)?.count ?? 0,
      }),
    ),
  ];
  const reasonColumns: Column<Reason>[] = [
    { key: 'label', header: 'Reason', cell: (reason) => reason.label, csv: (reason) => reason.label },
    {
      key: 'count',
      header: 'Rejections',
      align: 'right',
      cell: (reason) => formatNumber(reason.count),
      csv: (reason) => reason.count,
    },
    {
      key: 'share',
      header: 'Share',
      align: 'right',
      cell: (reason) => formatPercent(reason.share),
      csv: (reason) => reason.share,
    },
  ];
  const reasonOption: ChartOption = useMemo(
    () => ({
      tooltip: { trigger: 'axis' },
      grid: { left: 170, right: 30, top: 10, bottom: 30 },
      xAxis: { type: 'value' },
      yAxis: {
        type: 'category',
        inverse: true,
        data: (data?.total.reasons ?? []).map((reason) => reason.label),
      },
      series: [
        { name: 'Rejections', type: 'bar', data: (data?.total.reasons ?? []).map((reason) => reason.count) },
      ],
    }),
    [data],
  );
  const groupOption: ChartOption = useMemo(() => {
    const groups = [...(data?.groups ?? [])].sort((a, b) => b.decisions - a.decisions).slice(0, 15);
    return {
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 180, right: 30, top: 36, bottom: 30 },
      xAxis: { type: 'value' },
      yAxis: {
        type: 'category',
        inverse: true,
        data: groups.map(groupLabel),
        axisLabel: { width: 170, overflow: 'truncate' },
      },
      series: [
        { name: 'Accepted', type: 'bar', stack: 'decisions', data: groups.map((group) => group.accepted) },
        { name: 'Rejected', type: 'bar', stack: 'decisions', data: groups.map((group) => group.rejected) },
      ],
      color: ['#0e9f6e', '#dc2626'],
    };
  }, [data]);

  return (
    <>
      <PageHeader
        title="Lead quality"
        description="Sales' decisions on the leads marketing hands over, and the reasons for rejections."
      />
      <form
        className="filters card"
        aria-label="Lead quality filters"
        onSubmit={(event) => event.preventDefault()}
      >
        <TextField
          label="Decided from"
          type="date"
          value={filters.values.from}
          onChange={(event) => filters.set({ from: event.target.value })}
        />
        <TextField
          label="Decided before"
          type="date"
          value={filters.values.to}
          onChange={(event) => filters.set({ to: event.target.value })}
        />
        <SelectField
          label="Group by"
          value={by}
          onChange={(event) =>
            filters.set({ by: event.target.value === 'source_and_campaign' ? null : event.target.value })
          }
          options={[
            { value: 'source_and_campaign', label: 'Source and campaign' },
            { value: 'source', label: 'Source' },
            { value: 'campaign', label: 'Campaign' },
          ]}
        />
      </form>
      {report.isPending ? (
        <LoadingState label="Loading lead quality" />
      ) : report.isError ? (
        <ErrorState
          error={report.error}
          title="Could not load lead quality"
          retry={() => void report.refetch()}
        />
      ) : data ? (
        <div aria-busy={report.isFetching}>
          <section className="kpi-grid" aria-label="Totals">
            <KpiTile label="Decisions" value={formatNumber(data.total.decisions)} />
            <KpiTile label="Accepted" value={formatNumber(data.total.accepted)} />
            <KpiTile label="Rejected" value={formatNumber(data.total.rejected)} />
            <KpiTile label="Acceptance rate" value={formatPercent(data.total.acceptance_rate)} />
          </section>
          <div className="report-grid">
            <ChartPanel
              title="Accepted and rejected by group"
              description="The 15 groups with the most decisions; the table has them all."
              option={groupOption}
              columns={groupColumns}
              rows={data.groups}
              rowKey={(group) => `${group.source}|${group.campaign_id}`}
              filename="tandem-lead-quality"
              height={Math.max(220, Math.min(data.groups.length, 15) * 30 + 70)}
            />
            <ChartPanel
              title="Why leads were rejected"
              option={reasonOption}
              columns={reasonColumns}
              rows={data.total.reasons}
              rowKey={(reason) => reason.code}
              filename="tandem-rejection-reasons"
              height={Math.max(200, data.total.reasons.length * 32 + 40)}
            />
          </div>
        </div>
      ) : null}
    </>
  );
}
