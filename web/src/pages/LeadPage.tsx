import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, type ReactNode, useState } from 'react';
import { Link, useParams } from 'react-router';
import { api } from '../api/client.ts';
import { useUserNames } from '../api/hooks.ts';
import type { Assignments, Lead, Stage, TimelineItem, TransitionResult } from '../api/types.ts';
import { STAGE_LABELS } from '../api/types.ts';
import { useMe } from '../app/auth.tsx';
import { StageBadge, TemperatureBadge } from '../components/Badges.tsx';
import { SelectField, TextField } from '../components/Form.tsx';
import { useNotify } from '../components/Notice.tsx';
import { PageHeader, usePageTitle } from '../components/PageHeader.tsx';
import { EmptyState, ErrorState, FormError, LoadingState } from '../components/States.tsx';
import { LogActivity } from '../features/activity.tsx';
import { LeadInsights } from '../features/insights.tsx';
import { EditLeadDialog } from '../features/lead-edit.tsx';
import {
  AcceptButton,
  allowedMoves,
  canChangeLead,
  RejectDialog,
  useTransitionLead,
} from '../features/leads.tsx';
import { ScoreCard } from '../features/score.tsx';
import { LeadSla } from '../features/sla.tsx';
import { DASH, formatDateTime, formatNumber, personName, titleCase } from '../lib/format.ts';

function Detail({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="detail">
      <dt>{label}</dt>
      <dd>{children ?? DASH}</dd>
    </div>
  );
}

const KIND_LABELS: Record<TimelineItem['kind'], string> = {
  touchpoint: 'Touchpoint',
  activity: 'Activity',
  stage_change: 'Stage change',
};

function Timeline({ leadId }: { leadId: number }) {
  const userNames = useUserNames();
  const timeline = useQuery({
    queryKey: ['lead', leadId, 'timeline'],
    queryFn: () => api<{ items: TimelineItem[] }>(`/leads/${leadId}/timeline`),
  });
  return (
    <section className="card" aria-labelledby="timeline-title">
      <h2 id="timeline-title">Timeline</h2>
      {timeline.isPending ? (
        <LoadingState label="Loading the timeline" />
      ) : timeline.isError ? (
        <ErrorState
          error={timeline.error}
          title="Could not load the timeline"
          retry={() => void timeline.refetch()}
        />
      ) : timeline.data.items.length === 0 ? (
        <EmptyState title="No history yet" />
      ) : (
        <ol className="timeline">
          {[...timeline.data.items].reverse().map((item) => (
            <li key={`${item.kind}-${item.id}`} className={`timeline-item timeline-${item.kind}`}>
              <span className="timeline-dot" aria-hidden="true" />
              <div>
                <div className="timeline-head">
                  <span className="badge badge-neutral">{KIND_LABELS[item.kind]}</span>
                  <strong>
                    {item.kind === 'stage_change'
                      ? (STAGE_LABELS[item.type as Stage] ?? item.type)
                      : titleCase(item.type)}
                  </strong>
                  <time className="muted small" dateTime={item.occurred_at}>
                    {formatDateTime(item.occurred_at)}
                  </time>
                </div>
                <p className="timeline-summary">{item.summary}</p>
                {item.actor_id !== null || item.channel ? (
                  <p className="muted small">
                    {[
                      item.actor_id !== null
                        ? (userNames.get(item.actor_id) ?? `User ${item.actor_id}`)
                        : null,
                      item.channel,
                    ]
                      .filter(Boolean)
                      .join(' · ')}
                  </p>
                ) : null}
              </div>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function AssignmentHistory({ leadId }: { leadId: number }) {
  const userNames = useUserNames();
  const assignments = useQuery({
    queryKey: ['lead', leadId, 'assignments'],
    queryFn: () => api<Assignments>(`/leads/${leadId}/assignments`),
  });
  if (assignments.isPending || assignments.isError || assignments.data.items.length === 0) return null;
  return (
    <section className="card" aria-labelledby="assignments-title">
      <h2 id="assignments-title">Routing</h2>
      <ol className="plain-list">
        {[...assignments.data.items].reverse().map((item) => (
          <li key={item.id} className="small">
            <strong>
              {item.user_id === null ? 'Unassigned' : (userNames.get(item.user_id) ?? `User ${item.user_id}`)}
            </strong>{' '}
            <span className="muted">
              {formatDateTime(item.assigned_at)}
              {item.rule_name ? ` · rule “${item.rule_name}”` : ''}
            </span>
            <div className="muted">{item.reason}</div>
          </li>
        ))}
      </ol>
    </section>
  );
}

/** Marketing hands a lead to sales by hand: the qualification gate and routing apply. */
function HandoffButton({ lead }: { lead: Lead }) {
  const queryClient = useQueryClient();
  const notify = useNotify();
  const userNames = useUserNames();
  const handoff = useMutation({
    mutationFn: () =>
      api<TransitionResult & { assignment: Assignments['items'][number] | null }>(
        `/leads/${lead.id}/handoff`,
        {
          method: 'POST',
          body: {},
        },
      ),
    onSuccess: (result) => {
      queryClient.setQueryData(['lead', lead.id], result.lead);
      void queryClient.invalidateQueries({ queryKey: ['lead', lead.id] });
      void queryClient.invalidateQueries({ queryKey: ['leads'] });
      const owner = result.assignment?.user_id ? userNames.get(result.assignment.user_id) : null;
      notify(owner ? `Handed off to ${owner}` : 'Handed off to sales');
    },
    onError: (error) => notify(error.message, 'error'),
  });
  return (
    <button
      type="button"
      className="btn btn-primary"
      disabled={handoff.isPending}
      onClick={() => handoff.mutate()}
    >
      Hand off to sales
    </button>
  );
}

function MoveStage({ lead }: { lead: Lead }) {
  const transition = useTransitionLead();
  const notify = useNotify();
  const moves = allowedMoves(lead.stage);
  const [to, setTo] = useState<string>('');
  const [reason, setReason] = useState('');
  if (moves.length === 0) return null;
  function submit(event: FormEvent) {
    event.preventDefault();
    if (!to) return;
    transition.mutate(
      { id: lead.id, to: to as Stage, reason: reason.trim() || undefined },
      {
        onSuccess: (result) => {
          notify(`Moved to ${STAGE_LABELS[result.lead.stage]}`);
          setTo('');
          setReason('');
        },
      },
    );
  }
  return (
    <section className="card" aria-labelledby="move-title">
      <h2 id="move-title">Change stage</h2>
      <form onSubmit={submit} className="stack">
        <SelectField
          label="Move to"
          placeholder="Choose a stage"
          value={to}
          onChange={(event) => setTo(event.target.value)}
          options={moves.map((stage) => ({ value: stage, label: STAGE_LABELS[stage] }))}
        />
        <TextField
          label="Why (optional)"
          value={reason}
          maxLength={2000}
          onChange={(event) => setReason(event.target.value)}
        />
        {transition.isError ? <FormError error={transition.error} /> : null}
        <div>
          <button type="submit" className="btn" disabled={!to || transition.isPending}>
            Move
          </button>
        </div>
      </form>
    </section>
  );
}

export default function LeadPage() {
  const params = useParams();
  const id = Number(params.id);
  const me = useMe();
  const userNames = useUserNames();
  const [rejecting, setRejecting] = useState(false);
  const [editing, setEditing] = useState(false);
  const lead = useQuery({
    queryKey: ['lead', id],
    queryFn: () => api<Lead>(`/leads/${id}`),
    enabled: Number.isInteger(id) && id > 0,
  });
  usePageTitle(lead.data ? personName(lead.data) : 'Lead');

  if (!Number.isInteger(id) || id <= 0) return <EmptyState title={`"${params.id}" is not a lead id`} />;
  if (lead.isPending) return <LoadingState label="Loading the lead" />;
  if (lead.isError)
    return (
      <ErrorState error={lead.error} title="Could not load the lead" retry={() => void lead.refetch()} />
    );

  const data = lead.data;
  const editable = canChangeLead(me, data);
  const handedOff = data.stage === 'mql' || data.stage === 'sal';
  return (
    <>
      <p className="breadcrumbs">
        <Link to="/leads">Leads</Link> <span aria-hidden="true">/</span> {personName(data)}
      </p>
      <PageHeader
        title={personName(data)}
        description={[data.title, data.company].filter(Boolean).join(' at ') || undefined}
        actions={
          editable && handedOff ? (
            <>
              {data.stage === 'mql' ? <AcceptButton lead={data} /> : null}
              <button type="button" className="btn" onClick={() => setRejecting(true)}>
                Reject
              </button>
              <RejectDialog lead={data} open={rejecting} onClose={() => setRejecting(false)} />
            </>
          ) : (me.role === 'admin' || me.role === 'marketing') &&
            (data.stage === 'subscriber' || data.stage === 'lead' || data.stage === 'recycled') ? (
            <HandoffButton lead={data} />
          ) : null
        }
      >
        <div className="chip-row">
          <StageBadge stage={data.stage} />
          <TemperatureBadge temperature={data.temperature} />
          <span className="small muted">
            Owner:{' '}
            {data.owner_id === null
              ? 'unassigned'
              : (userNames.get(data.owner_id) ?? `User ${data.owner_id}`)}
          </span>
        </div>
      </PageHeader>
      <div className="lead-grid">
        <div className="lead-main">
          {editable ? <LogActivity lead={data} /> : null}
          <Timeline leadId={data.id} />
          <LeadInsights lead={data} canAdd={me.role !== 'executive'} />
        </div>
        <aside className="lead-side">
          <ScoreCard lead={data} />
          <LeadSla leadId={data.id} />
          <AssignmentHistory leadId={data.id} />
          <section className="card" aria-labelledby="details-title">
            <div className="card-header">
              <h2 id="details-title">Details</h2>
              {editable ? (
                <button type="button" className="btn btn-small" onClick={() => setEditing(true)}>
                  Edit details
                </button>
              ) : null}
            </div>
            {editing ? <EditLeadDialog lead={data} open={editing} onClose={() => setEditing(false)} /> : null}
            <dl className="details">
              <Detail label="Email">
                {data.email ? <a href={`mailto:${data.email}`}>{data.email}</a> : null}
              </Detail>
              <Detail label="Phone">
                {data.phone ? <a href={`tel:${data.phone}`}>{data.phone}</a> : null}
              </Detail>
              <Detail label="Company">{data.company}</Detail>
              <Detail label="Industry">{data.industry}</Detail>
              <Detail label="Employees">
                {data.employees === null ? null : formatNumber(data.employees)}
              </Detail>
              <Detail label="Country">
                {[data.country, data.region].filter(Boolean).join(', ') || null}
              </Detail>
              <Detail label="Source">
                {[data.source, data.source_detail].filter(Boolean).join(' · ') || null}
              </Detail>
              <Detail label="First touch">
                {[data.first_utm_source, data.first_utm_medium, data.first_utm_campaign]
                  .filter(Boolean)
                  .join(' / ') || null}
              </Detail>
              <Detail label="Last touch">
                {[data.last_utm_source, data.last_utm_medium, data.last_utm_campaign]
                  .filter(Boolean)
                  .join(' / ') || null}
              </Detail>
              <Detail label="Created">{formatDateTime(data.created_at)}</Detail>
              <Detail label="Became MQL">{data.mql_at ? formatDateTime(data.mql_at) : null}</Detail>
              <Detail label="Assigned">{data.assigned_at ? formatDateTime(data.assigned_at) : null}</Detail>
            </dl>
            {Object.keys(data.custom_fields).length > 0 ? (
              <>
                <h3>Custom fields</h3>
                <dl className="details">
                  {Object.entries(data.custom_fields).map(([key, value]) => (
                    <Detail key={key} label={titleCase(key)}>
                      {value === null || value === undefined
                        ? null
                        : typeof value === 'object'
                          ? JSON.stringify(value)
                          : String(value)}
                    </Detail>
                  ))}
                </dl>
              </>
            ) : null}
          </section>
          {editable ? <MoveStage lead={data} /> : null}
        </aside>
      </div>
    </>
  );
}
