import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useCallback, useMemo } from 'react';
import { Link } from 'react-router';
import { api, type Page } from '../../api/client.ts';
import { useUserNames } from '../../api/hooks.ts';
import type { SlaEvent, SlaReport, SpeedToLead } from '../../api/types.ts';
import type { ChartOption } from '../../charts/echarts.ts';
import { ChartPanel } from '../../components/ChartPanel.tsx';
import { type Column, DataTable, Pager } from '../../components/DataTable.tsx';
import { ExportButton } from '../../components/ExportButton.tsx';
import { SelectField, TextField } from '../../components/Form.tsx';
import { KpiTile } from '../../components/KpiTile.tsx';
import { PageHeader, usePageTitle } from '../../components/PageHeader.tsx';
import { ErrorState, LoadingState } from '../../components/States.tsx';
import { stageEntriesDrilldown } from '../../features/reports.tsx';
import { recordsLink } from '../../lib/drilldown.ts';
import {
  DASH,
  formatDate,
  formatDateTime,
  formatDuration,
  formatHours,
  formatNumber,
  formatPercent,
  titleCase,
} from '../../lib/format.ts';
import { useCursorPaging, useUrlFilters } from '../../lib/url-state.ts';

type Group = NonNullable<SpeedToLead['groups']>[number];
type SlaPeriod = SlaReport['periods'][number];
type RepRow = SlaPeriod['reps'][number];

const DAY = 86_400_000;
const isoDay = (date: Date) => date.toISOString().slice(0, 10);

const EVENT_KINDS = [
  'accept_breach',
  'activity_breach',
  'attempts_breach',
  'escalation',
  'reassignment',
  'recycle',
  'leakage',
  'accept_warning',
  'activity_warning',
  'attempts_warning',
] as const;

const EVENT_TONE: Record<string, string> = {
  accept_breach: 'badge-bad',
  activity_breach: 'badge-bad',
  attempts_breach: 'badge-bad',
  escalation: 'badge-bad',
  leakage: 'badge-warn',
  reassignment: 'badge-warn',
  recycle: 'badge-warn',
};

function nextPeriodStart(start: string, period: SlaReport['period']): string {
  const date = new Date(`${start}T00:00:00Z`);
  if (period === 'week') return isoDay(new Date(date.getTime() + 7 * DAY));
  date.setUTCMonth(date.getUTCMonth() + (period === 'month' ? 1 : 3));
  return isoDay(date);
}

function SpeedToLeadSection({ from, to }: { from: string; to: string }) {
  const report = useQuery({
    queryKey: ['speed-to-lead', from, to],
    queryFn: ({ signal }) =>
      api<SpeedToLead>('/reports/speed-to-lead', { query: { from, to, by: 'owner' }, signal }),
    placeholderData: keepPreviousData,
  });
  const userNames = useUserNames();
  const groups = useMemo(
    () =>
      [...(report.data?.groups ?? [])].sort(
        (a, b) => (a.median_hours ?? Infinity) - (b.median_hours ?? Infinity),
      ),
    [report.data],
  );
  const name = useCallback(
    (group: Group) => (group.id !== null ? (userNames.get(group.id) ?? group.key) : null) ?? 'Unassigned',
    [userNames],
  );
  const columns: Column<Group>[] = [
    {
      key: 'rep',
      header: 'Rep',
      cell: (group) =>
        group.id !== null ? (
          <Link to={`/leads?owner_id=${group.id}&stage=mql,sal`}>{name(group)}</Link>
        ) : (
          name(group)
        ),
      csv: (group) => name(group),
    },
    {
      key: 'leads',
      header: 'Handed off',
      align: 'right',
      cell: (group) => formatNumber(group.leads),
      csv: (group) => group.leads,
    },
    {
      key: 'responded',
      header: 'Responded',
      align: 'right',
      cell: (group) => formatNumber(group.responded),
      csv: (group) => group.responded,
    },
    {
      key: 'median',
      header: 'Median response',
      align: 'right',
      cell: (group) => formatHours(group.median_hours),
      csv: (group) => group.median_hours,
    },
    {
      key: 'p90',
      header: '90th percentile',
      align: 'right',
      cell: (group) => formatHours(group.p90_hours),
      csv: (group) => group.p90_hours,
    },
    {
      key: 'within_1h',
      header: 'Within 1 h',
      align: 'right',
      cell: (group) => formatPercent(group.within_1h_share),
      csv: (group) => group.within_1h_share,
    },
    {
      key: 'over_24h',
      header: 'Over 24 h',
      align: 'right',
      cell: (group) => formatPercent(group.over_24h_share),
      csv: (group) => group.over_24h_share,
    },
    {
      key: 'never',
      header: 'Never',
      align: 'right',
      cell: (group) => formatPercent(group.never_share),
      csv: (group) => group.never_share,
    },
    {
      key: 'breaches',
      header: 'Breaches',
      align: 'right',
      cell: (group) => (
        <span className={group.breaches > 0 ? 'text-bad' : undefined}>{formatNumber(group.breaches)}</span>
      ),
      csv: (group) => group.breaches,
    },
  ];
  const option: ChartOption = useMemo(() => {
    const rows = groups.slice(0, 20);
    const share = (value: number | null) => (value === null ? 0 : Math.round(value * 1000) / 10);
    return {
      tooltip: { trigger: 'axis', valueFormatter: (value: number) => `${value}%` },
      legend: { top: 0 },
      grid: { left: 130, right: 20, top: 36, bottom: 24 },
      xAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } },
      yAxis: { type: 'category', inverse: true, data: rows.map(name) },
      series: [
        {
          name: 'Within 1 h',
          type: 'bar',
          stack: 'share',
          data: rows.map((row) => share(row.within_1h_share)),
        },
        {
          name: '1 to 24 h',
          type: 'bar',
          stack: 'share',
          data: rows.map((row) => share((row.within_24h_share ?? 0) - (row.within_1h_share ?? 0))),
        },
        {
          name: 'Over 24 h',
          type: 'bar',
          stack: 'share',
          data: rows.map((row) => share(row.over_24h_share)),
        },
        { name: 'Never', type: 'bar', stack: 'share', data: rows.map((row) => share(row.never_share)) },
      ],
      color: ['#0e9f6e', '#1f4ed8', '#d97706', '#dc2626'],
    };
  }, [groups, name]);

  if (report.isPending) return <LoadingState label="Loading speed to lead" />;
  if (report.isError)
    return (
      <ErrorState
        error={report.error}
        title="Could not load speed to lead"
        retry={() => void report.refetch()}
      />
    );
  const overall = report.data.overall;
  return (
    <>
      <section className="kpi-grid" aria-label="Speed to lead">
        <KpiTile
          label="Leads handed off"
          value={formatNumber(overall.leads)}
          detail={`${formatNumber(overall.responded)} responded`}
        />
        <KpiTile
          label="Median response"
          value={formatHours(overall.median_hours)}
          detail={
            overall.business?.median_hours !== undefined && overall.business.median_hours !== null
              ? `${formatHours(overall.business.median_hours)} in business hours`
              : `90th percentile ${formatHours(overall.p90_hours)}`
          }
        />
        <KpiTile label="Answered within 1 hour" value={formatPercent(overall.within_1h_share)} />
        <KpiTile label="Never answered" value={formatPercent(overall.never_share)} />
        <KpiTile
          label="SLA breaches"
          value={<span data-testid="sla-breaches">{formatNumber(overall.breaches)}</span>}
          to="#sla-events"
        />
      </section>
      <ChartPanel
        title="Speed to lead by rep"
        description="Share of each rep's hand-offs answered within an hour, within a day, later, or never; fastest median first."
        option={option}
        columns={columns}
        rows={groups}
        rowKey={(group) => group.id ?? group.key ?? 'none'}
        filename={`tandem-speed-to-lead-${from}-${to}`}
        height={Math.max(200, Math.min(groups.length, 20) * 28 + 70)}
      />
    </>
  );
}

function EventsSection({ from, to, leakage = false }: { from: string; to: string; leakage?: boolean }) {
  const filters = useUrlFilters(['kind'] as const);
  const paging = useCursorPaging();
  // The leakage list pages on its own, from its first page.
  const cursor = leakage ? undefined : paging.cursor;
  const kind = leakage ? 'leakage' : filters.values.kind;
  const userNames = useUserNames();
  const now = Date.now();
  const events = useQuery({
    queryKey: ['sla-events', from, to, kind, cursor],
    queryFn: ({ signal }) =>
      api<Page<SlaEvent>>('/sla/events', {
        query: { from, to, kind, limit: 25, cursor },
        signal,
      }),
    placeholderData: keepPreviousData,
  });
  const columns: Column<SlaEvent>[] = [
    {
      key: 'when',
      header: 'When',
      cell: (event) => formatDateTime(event.occurred_at),
      csv: (event) => event.occurred_at,
    },
    {
      key: 'kind',
      header: 'What',
      cell: (event) => (
        <span className={`badge ${EVENT_TONE[event.kind] ?? 'badge-neutral'}`}>{titleCase(event.kind)}</span>
      ),
      csv: (event) => event.kind,
    },
    {
      key: 'lead',
      header: 'Lead',
      cell: (event) => <Link to={`/leads/${event.lead_id}`}>Lead {event.lead_id}</Link>,
      csv: (event) => event.lead_id,
    },
    {
      key: 'owner',
      header: 'Owner',
      cell: (event) =>
        event.owner_id !== null ? (userNames.get(event.owner_id) ?? `User ${event.owner_id}`) : 'Unassigned',
      csv: (event) => (event.owner_id !== null ? userNames.get(event.owner_id) : ''),
    },
    {
      key: 'handoff',
      header: 'Handed off',
      cell: (event) => formatDateTime(event.handoff_at),
      csv: (event) => event.handoff_at,
    },
    {
      key: 'deadline',
      header: 'Deadline',
      cell: (event) => formatDateTime(event.deadline_at),
      csv: (event) => event.deadline_at,
    },
    {
      key: 'late',
      header: 'Past deadline by',
      align: 'right',
      cell: (event) => {
        const late = new Date(event.occurred_at).getTime() - new Date(event.deadline_at).getTime();
        return late > 0 ? formatDuration(late) : DASH;
      },
    },
  ];
  return (
    <section
      className="card"
      id={leakage ? 'sla-leakage' : 'sla-events'}
      aria-labelledby={leakage ? 'sla-leakage-title' : 'sla-events-title'}
    >
      <div className="card-header">
        <div>
          <h2 id={leakage ? 'sla-leakage-title' : 'sla-events-title'}>
            {leakage ? 'Leakage: handed off, never worked' : 'Breaches, escalations and leakage'}
          </h2>
          <p className="muted small">
            {leakage
              ? 'Leads with no sales activity for the days their policy allows after hand-off; the 25 most recent.'
              : 'Newest first. Deadlines come from the SLA policy each lead was handed off under.'}
          </p>
        </div>
        <div className="card-actions">
          {leakage ? null : (
            <SelectField
              label="Show"
              className="field-inline"
              placeholder="Everything"
              value={filters.values.kind}
              onChange={(event) => filters.set({ kind: event.target.value })}
              options={EVENT_KINDS.map((value) => ({ value, label: titleCase(value) }))}
            />
          )}
          {events.data ? (
            <ExportButton
              filename={leakage ? 'tandem-sla-leakage' : 'tandem-sla-events'}
              columns={columns}
              rows={events.data.items}
              label="Export page (CSV)"
            />
          ) : null}
        </div>
      </div>
      {events.isPending ? (
        <LoadingState label="Loading SLA events" />
      ) : events.isError ? (
        <ErrorState
          error={events.error}
          title="Could not load SLA events"
          retry={() => void events.refetch()}
        />
      ) : (
        <>
          <DataTable
            caption="SLA events"
            columns={columns}
            rows={events.data.items}
            rowKey={(event) => event.id}
            rowClassName={(event) =>
              new Date(event.occurred_at).getTime() > now - DAY ? 'row-recent' : undefined
            }
            empty="No SLA events in this window."
          />
          {leakage ? null : (
            <Pager
              pageNumber={paging.pageNumber}
              hasPrevious={paging.hasPrevious}
              hasNext={events.data.next_cursor !== null}
              onPrevious={paging.previousPage}
              onNext={() => events.data.next_cursor && paging.nextPage(events.data.next_cursor)}
              shown={events.data.items.length}
            />
          )}
        </>
      )}
    </section>
  );
}

function TwoWaySection({ from, to, period }: { from: string; to: string; period: SlaReport['period'] }) {
  const filters = useUrlFilters(['rep_period'] as const);
  const report = useQuery({
    queryKey: ['sla-report', from, to, period],
    queryFn: ({ signal }) => api<SlaReport>('/reports/sla', { query: { from, to, period }, signal }),
    placeholderData: keepPreviousData,
  });
  const periods = report.data?.periods ?? [];
  const marketingColumns: Column<SlaPeriod>[] = [
    {
      key: 'period',
      header: 'Period from',
      cell: (row) => formatDate(row.period_start),
      csv: (row) => row.period_start,
    },
    {
      key: 'delivered',
      header: 'MQLs delivered',
      align: 'right',
      cell: (row) => (
        <Link
          to={recordsLink(
            stageEntriesDrilldown('mqls', row.period_start, nextPeriodStart(row.period_start, period)),
            `MQLs from ${formatDate(row.period_start)}`,
          )}
        >
          {formatNumber(row.marketing.mqls_delivered)}
        </Link>
      ),
      csv: (row) => row.marketing.mqls_delivered,
    },
    {
      key: 'committed',
      header: 'Committed',
      align: 'right',
      cell: (row) => formatNumber(row.marketing.mqls_committed),
      csv: (row) => row.marketing.mqls_committed,
    },
    {
      key: 'vs',
      header: 'Delivered vs committed',
      align: 'right',
      cell: (row) => formatPercent(row.marketing.delivered_vs_committed, 0),
      csv: (row) => row.marketing.delivered_vs_committed,
    },
    {
      key: 'accepted',
      header: 'Accepted',
      align: 'right',
      cell: (row) => formatNumber(row.marketing.accepted),
      csv: (row) => row.marketing.accepted,
    },
    {
      key: 'rejected',
      header: 'Rejected',
      align: 'right',
      cell: (row) => formatNumber(row.marketing.rejected),
      csv: (row) => row.marketing.rejected,
    },
    {
      key: 'share',
      header: 'Acceptance rate',
      align: 'right',
      cell: (row) => formatPercent(row.marketing.accepted_share),
      csv: (row) => row.marketing.accepted_share,
    },
    {
      key: 'min',
      header: 'Minimum agreed',
      align: 'right',
      cell: (row) => formatPercent(row.marketing.min_acceptance_rate, 0),
      csv: (row) => row.marketing.min_acceptance_rate,
    },
    {
      key: 'met',
      header: 'Commitment',
      cell: (row) =>
        row.marketing.commitment_met === null ? (
          <span className="muted">None set</span>
        ) : row.marketing.commitment_met ? (
          <span className="badge badge-good">Met</span>
        ) : (
          <span className="badge badge-bad">Missed</span>
        ),
      csv: (row) => row.marketing.commitment_met,
    },
  ];
  const option: ChartOption = useMemo(
    () => ({
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 60, right: 60, top: 40, bottom: 30 },
      xAxis: { type: 'category', data: periods.map((row) => row.period_start) },
      yAxis: [
        { type: 'value', name: 'MQLs' },
        { type: 'value', name: 'Accepted', max: 100, axisLabel: { formatter: '{value}%' } },
      ],
      series: [
        { name: 'Delivered', type: 'bar', data: periods.map((row) => row.marketing.mqls_delivered) },
        { name: 'Committed', type: 'bar', data: periods.map((row) => row.marketing.mqls_committed) },
        {
          name: 'Acceptance rate',
          type: 'line',
          yAxisIndex: 1,
          data: periods.map((row) =>
            row.marketing.accepted_share === null
              ? null
              : Math.round(row.marketing.accepted_share * 1000) / 10,
          ),
        },
      ],
    }),
    [periods],
  );
  const selected =
    periods.find((row) => row.period_start === filters.values.rep_period) ?? periods[periods.length - 1];
  const repColumns: Column<RepRow>[] = [
    {
      key: 'rep',
      header: 'Rep',
      cell: (row) =>
        row.owner_id !== null ? (
          <Link to={`/leads?owner_id=${row.owner_id}`}>{row.owner_name ?? `User ${row.owner_id}`}</Link>
        ) : (
          'Unassigned'
        ),
      csv: (row) => row.owner_name ?? '',
    },
    {
      key: 'handed',
      header: 'Handed off',
      align: 'right',
      cell: (row) => formatNumber(row.handed_off),
      csv: (row) => row.handed_off,
    },
    {
      key: 'responded',
      header: 'Responded',
      align: 'right',
      cell: (row) => formatNumber(row.responded),
      csv: (row) => row.responded,
    },
    {
      key: 'median',
      header: 'Median response',
      align: 'right',
      cell: (row) => formatHours(row.median_response_hours),
      csv: (row) => row.median_response_hours,
    },
    {
      key: 'attempts',
      header: 'Attempts (7 days)',
      align: 'right',
      cell: (row) => (row.avg_attempts === null ? DASH : row.avg_attempts.toFixed(1)),
      csv: (row) => row.avg_attempts,
    },
    {
      key: 'breaches',
      header: 'Breaches',
      align: 'right',
      cell: (row) => (
        <span className={row.breaches > 0 ? 'text-bad' : undefined}>{formatNumber(row.breaches)}</span>
      ),
      csv: (row) => row.breaches,
    },
    {
      key: 'leakage',
      header: 'Leakage',
      align: 'right',
      cell: (row) => formatNumber(row.leakage),
      csv: (row) => row.leakage,
    },
  ];
  if (report.isPending) return <LoadingState label="Loading the two-way SLA" />;
  if (report.isError)
    return (
      <ErrorState
        error={report.error}
        title="Could not load the SLA report"
        retry={() => void report.refetch()}
      />
    );
  return (
    <>
      <ChartPanel
        title="Marketing's side: MQLs delivered against the commitment"
        description="MQLs handed to sales per period, the volume marketing committed to, and the share sales accepted."
        option={option}
        columns={marketingColumns}
        rows={periods}
        rowKey={(row) => row.period_start}
        filename={`tandem-sla-marketing-${from}-${to}`}
      />
      {selected ? (
        <section className="card" aria-labelledby="reps-title">
          <div className="card-header">
            <div>
              <h2 id="reps-title">Sales' side by rep</h2>
              <p className="muted small">
                Hand-offs of the period from {formatDate(selected.period_start)}:{' '}
                {formatNumber(selected.sales.handed_off)} handed off, median response{' '}
                {formatHours(selected.sales.median_response_hours)}, {formatNumber(selected.sales.breaches)}{' '}
                breaches, {formatNumber(selected.sales.leakage)} leaked.
              </p>
            </div>
            <div className="card-actions">
              <SelectField
                label="Period"
                className="field-inline"
                value={selected.period_start}
                onChange={(event) => filters.set({ rep_period: event.target.value }, { replace: true })}
                options={periods.map((row) => ({
                  value: row.period_start,
                  label: formatDate(row.period_start),
                }))}
              />
              <ExportButton
                filename={`tandem-sla-reps-${selected.period_start}`}
                columns={repColumns}
                rows={selected.reps}
              />
            </div>
          </div>
          <DataTable
            caption="Sales SLA by rep"
            columns={repColumns}
            rows={selected.reps}
            rowKey={(row) => row.owner_id ?? 'none'}
            empty="No hand-offs in this period."
          />
        </section>
      ) : null}
    </>
  );
}

/** Managers' view of both sides of the SLA. */
export default function SlaPage() {
  usePageTitle('SLA board');
  const filters = useUrlFilters(['from', 'to', 'period'] as const);
  const today = new Date();
  const from = filters.values.from || isoDay(new Date(today.getTime() - 90 * DAY));
  const to = filters.values.to || isoDay(new Date(today.getTime() + DAY));
  const period =
    (['week', 'month', 'quarter'] as const).find((value) => value === filters.values.period) ?? 'month';
  return (
    <>
      <PageHeader
        title="SLA board"
        description="Speed to lead, breaches and leakage on sales' side; MQL volume and acceptance on marketing's."
      />
      <form className="filters card" aria-label="SLA filters" onSubmit={(event) => event.preventDefault()}>
        <TextField
          label="Handed off from"
          type="date"
          value={from}
          onChange={(event) => filters.set({ from: event.target.value })}
        />
        <TextField
          label="Handed off before"
          type="date"
          value={to}
          onChange={(event) => filters.set({ to: event.target.value })}
        />
        <SelectField
          label="Periods of"
          value={period}
          onChange={(event) =>
            filters.set({ period: event.target.value === 'month' ? null : event.target.value })
          }
          options={[
            { value: 'week', label: 'Weeks' },
            { value: 'month', label: 'Months' },
            { value: 'quarter', label: 'Quarters' },
          ]}
        />
      </form>
      <SpeedToLeadSection from={from} to={to} />
      <EventsSection from={from} to={to} />
      <EventsSection from={from} to={to} leakage />
      <TwoWaySection from={from} to={to} period={period} />
    </>
  );
}
