import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import { checkTransition } from '../../../src/modules/lifecycle/lifecycle.ts';
import { api } from '../api/client.ts';
import type { FeedbackResult, Lead, Me, RejectionReason, Stage, TransitionResult } from '../api/types.ts';
import { STAGE_LABELS, STAGES } from '../api/types.ts';
import { StageBadge, TemperatureBadge } from '../components/Badges.tsx';
import type { Column } from '../components/DataTable.tsx';
import { Dialog } from '../components/Dialog.tsx';
import { SelectField, TextAreaField } from '../components/Form.tsx';
import { useNotify } from '../components/Notice.tsx';
import { FormError } from '../components/States.tsx';
import { DASH, formatDate, formatDateTime, personName } from '../lib/format.ts';

/** Marketing and admins change any lead; reps the leads they own; executives read. */
export function canChangeLead(me: Me, lead: Pick<Lead, 'owner_id'>): boolean {
  if (me.role === 'admin' || me.role === 'marketing') return true;
  return (me.role === 'sales' || me.role === 'sdr') && lead.owner_id === me.id;
}

/** The stages the lifecycle state machine lets this lead move to. */
export function allowedMoves(from: Stage): Stage[] {
  return STAGES.filter((to) => checkTransition(from, to).allowed);
}

export function leadColumns(userNames: Map<number, string>): Column<Lead>[] {
  return [
    {
      key: 'name',
      header: 'Name',
      cell: (lead) => (
        <Link to={`/leads/${lead.id}`} className="strong-link">
          {personName(lead)}
        </Link>
      ),
      csv: (lead) => personName(lead),
    },
    { key: 'email', header: 'Email', cell: (lead) => lead.email ?? DASH, csv: (lead) => lead.email },
    {
      key: 'company',
      header: 'Company',
      cell: (lead) => lead.company ?? DASH,
      csv: (lead) => lead.company,
    },
    {
      key: 'stage',
      header: 'Stage',
      cell: (lead) => <StageBadge stage={lead.stage} />,
      csv: (lead) => lead.stage,
    },
    {
      key: 'score',
      header: 'Score',
      align: 'right',
      sort: 'score',
      cell: (lead) => <span className="num">{lead.score}</span>,
      csv: (lead) => lead.score,
    },
    {
      key: 'temperature',
      header: 'Temperature',
      cell: (lead) => <TemperatureBadge temperature={lead.temperature} />,
      csv: (lead) => lead.temperature,
    },
    {
      key: 'owner',
      header: 'Owner',
      cell: (lead) =>
        lead.owner_id === null ? 'Unassigned' : (userNames.get(lead.owner_id) ?? `User ${lead.owner_id}`),
      csv: (lead) => (lead.owner_id === null ? '' : (userNames.get(lead.owner_id) ?? lead.owner_id)),
    },
    { key: 'source', header: 'Source', cell: (lead) => lead.source ?? DASH, csv: (lead) => lead.source },
    {
      key: 'mql_at',
      header: 'MQL',
      sort: 'mql_at',
      cell: (lead) => formatDate(lead.mql_at),
      csv: (lead) => lead.mql_at,
    },
    {
      key: 'created_at',
      header: 'Created',
      sort: 'created_at',
      cell: (lead) => <time dateTime={lead.created_at}>{formatDateTime(lead.created_at)}</time>,
      csv: (lead) => lead.created_at,
    },
  ];
}

/** Moves a lead through the lifecycle and refreshes every view that shows it. */
export function useTransitionLead() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, to, reason }: { id: number; to: Stage; reason?: string }) =>
      api<TransitionResult>(`/leads/${id}/transitions`, {
        method: 'POST',
        body: reason ? { to, reason } : { to },
      }),
    onSuccess: (result) => {
      queryClient.setQueryData(['lead', result.lead.id], result.lead);
      void queryClient.invalidateQueries({ queryKey: ['leads'] });
      void queryClient.invalidateQueries({ queryKey: ['lead', result.lead.id] });
    },
  });
}

/** The admin-editable reason codes for rejecting a lead. */
export function useRejectionReasons() {
  return useQuery({
    queryKey: ['rejection-reasons'],
    queryFn: async () => (await api<{ items: RejectionReason[] }>('/rejection-reasons')).items,
    staleTime: 5 * 60_000,
  });
}

function useFeedback() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({
      lead,
      decision,
      body,
    }: {
      lead: Lead;
      decision: 'accept' | 'reject';
      body: Record<string, unknown>;
    }) => api<FeedbackResult>(`/leads/${lead.id}/${decision}`, { method: 'POST', body }),
    onSuccess: (result) => {
      queryClient.setQueryData(['lead', result.lead.id], result.lead);
      void queryClient.invalidateQueries({ queryKey: ['leads'] });
      void queryClient.invalidateQueries({ queryKey: ['lead', result.lead.id] });
    },
  });
}

/** Sales accepts a handed-off lead (MQL -> SAL) in one click. */
export function AcceptButton({ lead, className }: { lead: Lead; className?: string }) {
  const feedback = useFeedback();
  const notify = useNotify();
  return (
    <button
      type="button"
      className={`btn btn-primary ${className ?? ''}`}
      disabled={feedback.isPending}
      onClick={() =>
        feedback.mutate(
          { lead, decision: 'accept', body: {} },
          {
            onSuccess: () => notify(`Accepted ${personName(lead)}`),
            onError: (error) => notify(error.message, 'error'),
          },
        )
      }
      aria-label={`Accept ${personName(lead)}`}
    >
      Accept
    </button>
  );
}

/** Reject a handed-off lead with a reason code: back to marketing (recycled) or out (disqualified). */
export function RejectDialog({ lead, open, onClose }: { lead: Lead; open: boolean; onClose: () => void }) {
  const feedback = useFeedback();
  const reasons = useRejectionReasons();
  const notify = useNotify();
  const [reasonCode, setReasonCode] = useState('');
  const [outcome, setOutcome] = useState<'recycled' | 'disqualified'>('recycled');
  const [note, setNote] = useState('');
  const reason = reasons.data?.find((candidate) => candidate.code === reasonCode);

  function submit(event: FormEvent) {
    event.preventDefault();
    feedback.mutate(
      {
        lead,
        decision: 'reject',
        body: { reason_code: reasonCode, outcome, ...(note.trim() ? { note: note.trim() } : {}) },
      },
      {
        onSuccess: () => {
          notify(
            `Rejected ${personName(lead)}: ${outcome === 'recycled' ? 'back to marketing' : 'disqualified'}`,
          );
          setReasonCode('');
          setNote('');
          onClose();
        },
      },
    );
  }

  return (
    <Dialog open={open} title={`Reject ${personName(lead)}`} onClose={onClose}>
      <form onSubmit={submit} className="stack">
        <SelectField
          label="Reason"
          placeholder="Choose a reason"
          required
          value={reasonCode}
          onChange={(event) => setReasonCode(event.target.value)}
          options={(reasons.data ?? [])
            .filter((candidate) => candidate.active)
            .map((candidate) => ({ value: candidate.code, label: candidate.label }))}
          hint="Marketing sees the reasons by source and campaign."
        />
        <TextAreaField
          label={reason?.requires_note ? 'Note (required for this reason)' : 'Note'}
          required={reason?.requires_note ?? false}
          rows={3}
          maxLength={2000}
          value={note}
          onChange={(event) => setNote(event.target.value)}
        />
        <SelectField
          label="What happens to the lead"
          value={outcome}
          onChange={(event) => setOutcome(event.target.value as 'recycled' | 'disqualified')}
          options={[
            { value: 'recycled', label: 'Back to marketing (recycle)' },
            { value: 'disqualified', label: 'Disqualify' },
          ]}
        />
        {reasons.isError ? <FormError error={reasons.error} /> : null}
        {feedback.isError ? <FormError error={feedback.error} /> : null}
        <div className="button-row">
          <button
            type="submit"
            className="btn btn-danger"
            disabled={feedback.isPending || !reasonCode || (reason?.requires_note === true && !note.trim())}
          >
            Reject lead
          </button>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export function stageOptions(stages: readonly Stage[] = STAGES) {
  return stages.map((stage) => ({ value: stage, label: STAGE_LABELS[stage] }));
}
