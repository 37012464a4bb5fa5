import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api, type Page } from '../api/client.ts';
import type { Lead } from '../api/types.ts';
import { useMe } from '../app/auth.tsx';
import { StageBadge, TemperatureBadge } from '../components/Badges.tsx';
import { Pager } from '../components/DataTable.tsx';
import { PageHeader, usePageTitle } from '../components/PageHeader.tsx';
import { EmptyState, ErrorState, LoadingState } from '../components/States.tsx';
import { AcceptButton, RejectDialog } from '../features/leads.tsx';
import { DASH, formatAgo, formatDuration, personName } from '../lib/format.ts';
import { useCursorPaging, useUrlFilters } from '../lib/url-state.ts';
import { useNow } from '../lib/useNow.ts';

const VIEWS = [
  { value: 'mql', label: 'To accept', description: 'handed to you, waiting for accept or reject' },
  { value: 'sal', label: 'Working', description: 'accepted, being worked' },
  { value: 'mql,sal,sql', label: 'All open', description: 'everything you still hold' },
] as const;

/** "Accept within 1h 20m" counting down to the SLA deadline, or how long it is overdue. */
function SlaCountdown({ sla, now }: { sla: NonNullable<Lead['sla']>; now: number }) {
  const remaining = new Date(sla.due_at).getTime() - now;
  const action = sla.kind === 'accept' ? 'Accept' : 'First contact';
  const overdue = remaining < 0;
  return (
    <span className={`sla-countdown ${overdue ? 'sla-overdue' : remaining < 3_600_000 ? 'sla-soon' : ''}`}>
      <time dateTime={sla.due_at} title={`Due ${new Date(sla.due_at).toLocaleString()}`}>
        {overdue
          ? `${action} overdue by ${formatDuration(-remaining)}`
          : `${action} within ${formatDuration(remaining)}`}
      </time>
    </span>
  );
}

function QueueCard({ lead, now }: { lead: Lead; now: number }) {
  const [rejecting, setRejecting] = useState(false);
  const handedOff = lead.assigned_at ?? lead.mql_at;
  return (
    <li className={`queue-card card temp-${lead.temperature}`}>
      <div className="queue-card-main">
        <div className="queue-card-title">
          <Link to={`/leads/${lead.id}`} className="strong-link">
            {personName(lead)}
          </Link>
          <span className="queue-score" title={`Fit ${lead.fit_score} + engagement ${lead.engagement_score}`}>
            <span className="visually-hidden">Score </span>
            {lead.score}
          </span>
        </div>
        <div className="muted small">{[lead.title, lead.company].filter(Boolean).join(' · ') || DASH}</div>
        <div className="queue-card-meta">
          <StageBadge stage={lead.stage} />
          <TemperatureBadge temperature={lead.temperature} />
          {lead.sla ? <SlaCountdown sla={lead.sla} now={now} /> : null}
          {handedOff ? (
            <span className="small">
              Handed off <time dateTime={handedOff}>{formatAgo(handedOff, now)}</time>
            </span>
          ) : null}
          {lead.source ? <span className="small muted">{lead.source}</span> : null}
        </div>
      </div>
      {lead.stage === 'mql' ? (
        <div className="queue-card-actions">
          <AcceptButton lead={lead} />
          <button
            type="button"
            className="btn"
            onClick={() => setRejecting(true)}
            aria-label={`Reject ${personName(lead)}`}
          >
            Reject
          </button>
          <RejectDialog lead={lead} open={rejecting} onClose={() => setRejecting(false)} />
        </div>
      ) : (
        <div className="queue-card-actions">
          <Link className="btn" to={`/leads/${lead.id}`}>
            Open
          </Link>
        </div>
      )}
    </li>
  );
}

/** The rep's work list: their handed-off leads, hottest first. Built for a phone too. */
export default function QueuePage() {
  usePageTitle('My queue');
  const me = useMe();
  const filters = useUrlFilters(['view'] as const);
  const paging = useCursorPaging();
  const now = useNow();
  const view = VIEWS.find((candidate) => candidate.value === filters.values.view) ?? VIEWS[0];

  const leads = useQuery({
    queryKey: ['leads', 'queue', me.id, view.value, paging.cursor],
    queryFn: ({ signal }) =>
      api<Page<Lead>>('/leads', {
        query: { owner_id: me.id, stage: view.value, sort: '-score', limit: 50, cursor: paging.cursor },
        signal,
      }),
    refetchInterval: 60_000,
  });

  return (
    <>
      <PageHeader title="My queue" description="Your leads, hottest first." />
      <fieldset className="tabs">
        <legend className="visually-hidden">Queue view</legend>
        {VIEWS.map((candidate) => (
          <button
            key={candidate.value}
            type="button"
            className="tab"
            aria-pressed={candidate.value === view.value}
            onClick={() => filters.set({ view: candidate.value === VIEWS[0].value ? null : candidate.value })}
          >
            {candidate.label}
          </button>
        ))}
      </fieldset>
      <p className="muted small">Showing leads {view.description}.</p>
      {leads.isPending ? (
        <LoadingState label="Loading your queue" />
      ) : leads.isError ? (
        <ErrorState
          error={leads.error}
          title="Could not load your queue"
          retry={() => void leads.refetch()}
        />
      ) : leads.data.items.length === 0 ? (
        <EmptyState title="Nothing here right now">
          <p>New leads routed to you appear here at once, hottest first.</p>
        </EmptyState>
      ) : (
        <>
          <ul className="queue-list" aria-label="Leads in your queue">
            {leads.data.items.map((lead) => (
              <QueueCard key={lead.id} lead={lead} now={now} />
            ))}
          </ul>
          <Pager
            pageNumber={paging.pageNumber}
            hasPrevious={paging.hasPrevious}
            hasNext={leads.data.next_cursor !== null}
            onPrevious={paging.previousPage}
            onNext={() => leads.data.next_cursor && paging.nextPage(leads.data.next_cursor)}
            shown={leads.data.items.length}
          />
        </>
      )}
    </>
  );
}
