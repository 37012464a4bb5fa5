import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { api } from '../api/client.ts';
import type { DealReview } from '../api/types.ts';
import { StatusBadge } from '../components/Badges.tsx';
import { type Column, DataTable } from '../components/DataTable.tsx';
import { ExportButton } from '../components/ExportButton.tsx';
import { KpiTile } from '../components/KpiTile.tsx';
import { PageHeader, usePageTitle } from '../components/PageHeader.tsx';
import { EmptyState, ErrorState, LoadingState } from '../components/States.tsx';
import { MODEL_LABELS } from '../features/attribution.ts';
import {
  DASH,
  formatDate,
  formatDateTime,
  formatMoney,
  formatNumber,
  formatPercent,
  personName,
  titleCase,
} from '../lib/format.ts';

type Touch = DealReview['journey'][number];
type ActivityRow = DealReview['activities'][number];

const STATUS_TONE = { open: 'neutral', won: 'good', lost: 'bad' } as const;

/** One deal: its journey, touches and activities, and why it was won or lost. */
export default function DealReviewPage() {
  const params = useParams();
  const id = Number(params.id);
  const review = useQuery({
    queryKey: ['deal-review', id],
    queryFn: () => api<DealReview>(`/opportunities/${id}/review`),
    enabled: id > 0,
  });
  usePageTitle(review.data?.opportunity.name ?? 'Deal review');
  if (!(id > 0)) return <EmptyState title={`"${params.id}" is not a deal id`} />;
  if (review.isPending) return <LoadingState label="Loading the deal review" />;
  if (review.isError)
    return (
      <ErrorState error={review.error} title="Could not load the deal" retry={() => void review.refetch()} />
    );
  const { opportunity, outcome, leads, journey, activities, attribution } = review.data;
  const leadNames = new Map(leads.map((lead) => [lead.id, personName(lead)]));

  const touchColumns: Column<Touch>[] = [
    {
      key: 'when',
      header: 'When',
      cell: (row) => formatDateTime(row.occurred_at),
      csv: (row) => row.occurred_at,
    },
    { key: 'type', header: 'Touch', cell: (row) => titleCase(row.type), csv: (row) => row.type },
    { key: 'channel', header: 'Channel', cell: (row) => row.channel, csv: (row) => row.channel },
    {
      key: 'campaign',
      header: 'Campaign',
      cell: (row) => row.campaign_name ?? DASH,
      csv: (row) => row.campaign_name,
    },
    { key: 'content', header: 'Content', cell: (row) => row.content ?? DASH, csv: (row) => row.content },
    {
      key: 'lead',
      header: 'Lead',
      cell: (row) => (
        <Link to={`/leads/${row.lead_id}`}>{leadNames.get(row.lead_id) ?? `Lead ${row.lead_id}`}</Link>
      ),
      csv: (row) => row.lead_id,
    },
    {
      key: 'moment',
      header: 'Before',
      cell: (row) =>
        [
          row.at_or_before_lead_creation ? 'lead created' : null,
          row.at_or_before_creation ? 'deal created' : null,
          row.at_or_before_close ? 'close' : null,
        ]
          .filter(Boolean)
          .join(', ') || 'after close',
      csv: (row) =>
        [row.at_or_before_lead_creation, row.at_or_before_creation, row.at_or_before_close].join('/'),
    },
  ];
  const activityColumns: Column<ActivityRow>[] = [
    {
      key: 'when',
      header: 'When',
      cell: (row) => formatDateTime(row.occurred_at),
      csv: (row) => row.occurred_at,
    },
    { key: 'type', header: 'Activity', cell: (row) => titleCase(row.type), csv: (row) => row.type },
    {
      key: 'outcome',
      header: 'Outcome',
      cell: (row) => (row.outcome ? titleCase(row.outcome) : DASH),
      csv: (row) => row.outcome,
    },
    { key: 'notes', header: 'Notes', cell: (row) => row.notes ?? DASH, csv: (row) => row.notes },
    { key: 'by', header: 'By', cell: (row) => row.actor_name ?? DASH, csv: (row) => row.actor_name },
  ];
  const channels = [...new Set(attribution.models.flatMap((model) => Object.keys(model.channels)))];
  return (
    <>
      <p className="breadcrumbs">
        <Link to="/deals">Deals</Link> <span aria-hidden="true">/</span> {opportunity.name}
      </p>
      <PageHeader
        title={opportunity.name}
        description={[
          opportunity.account_name,
          opportunity.product_name,
          opportunity.owner_name ? `owned by ${opportunity.owner_name}` : null,
        ]
          .filter(Boolean)
          .join(' · ')}
      >
        <div className="chip-row">
          <StatusBadge tone={STATUS_TONE[outcome.status]}>{titleCase(outcome.status)}</StatusBadge>
          <span className="small muted">Stage: {opportunity.stage}</span>
        </div>
      </PageHeader>
      <section className="kpi-grid" aria-label="The deal">
        <KpiTile label="Amount" value={formatMoney(opportunity.amount)} detail={opportunity.currency} />
        <KpiTile
          label="Sales cycle"
          value={`${formatNumber(Math.round(opportunity.cycle_days))} d`}
          detail={`Created ${formatDate(opportunity.created_at)}`}
        />
        <KpiTile
          label={
            outcome.status === 'won'
              ? 'Why it was won'
              : outcome.status === 'lost'
                ? 'Why it was lost'
                : 'Outcome'
          }
          value={<span className="kpi-text">{outcome.reason ?? DASH}</span>}
          detail={outcome.competitor ? `Against ${outcome.competitor}` : undefined}
        />
        <KpiTile
          label="Source"
          value={<span className="kpi-text">{opportunity.source ?? DASH}</span>}
          detail={opportunity.segment ?? undefined}
        />
      </section>
      <section className="card" aria-labelledby="journey-title">
        <div className="card-header">
          <h2 id="journey-title">
            Journey: {formatNumber(journey.length)} {journey.length === 1 ? 'touch' : 'touches'}
          </h2>
          <ExportButton
            filename={`tandem-deal-${opportunity.id}-journey`}
            columns={touchColumns}
            rows={journey}
          />
        </div>
        <DataTable
          caption="Journey"
          columns={touchColumns}
          rows={journey}
          rowKey={(row) => row.id}
          empty="No marketing touches."
        />
      </section>
      <section className="card" aria-labelledby="credit-title">
        <h2 id="credit-title">
          How each model credits this {attribution.journey === 'won' ? 'win' : 'opportunity'}
        </h2>
        {channels.length === 0 ? (
          <p className="muted">No touches to credit.</p>
        ) : (
          <DataTable
            caption="Credit by model"
            columns={[
              { key: 'channel', header: 'Channel', cell: (row: string) => row },
              ...attribution.models.map((model) => ({
                key: model.model,
                header: MODEL_LABELS[model.model],
                align: 'right' as const,
                cell: (row: string) => formatPercent(model.channels[row] ?? 0, 0),
              })),
            ]}
            rows={channels}
            rowKey={(row) => row}
          />
        )}
      </section>
      <div className="report-grid">
        <section className="card" aria-labelledby="activities-title">
          <div className="card-header">
            <h2 id="activities-title">Sales activities</h2>
            <ExportButton
              filename={`tandem-deal-${opportunity.id}-activities`}
              columns={activityColumns}
              rows={activities}
            />
          </div>
          <DataTable
            caption="Sales activities"
            columns={activityColumns}
            rows={activities}
            rowKey={(row) => row.id}
            empty="No activities logged."
          />
        </section>
        <section className="card" aria-labelledby="people-title">
          <h2 id="people-title">People on the deal</h2>
          <ul className="plain-list">
            {leads.map((lead) => (
              <li key={lead.id}>
                <Link className="strong-link" to={`/leads/${lead.id}`}>
                  {personName(lead)}
                </Link>{' '}
                <span className="muted small">
                  {[lead.title, lead.role, lead.source].filter(Boolean).join(' · ')}
                </span>
                <div className="small muted">
                  {lead.stage_history
                    .map((step) => `${step.to_stage.toUpperCase()} ${formatDate(step.occurred_at)}`)
                    .join(' → ')}
                </div>
              </li>
            ))}
          </ul>
        </section>
      </div>
    </>
  );
}
