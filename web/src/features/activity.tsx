import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api } from '../api/client.ts';
import type { Activity, Lead } from '../api/types.ts';
import { SelectField, TextAreaField, TextField } from '../components/Form.tsx';
import { useNotify } from '../components/Notice.tsx';
import { FormError } from '../components/States.tsx';

const TYPES = [
  { value: 'call', label: 'Call' },
  { value: 'email', label: 'Email' },
  { value: 'meeting', label: 'Meeting' },
  { value: 'note', label: 'Note' },
] as const;

const OUTCOMES: Record<string, readonly string[]> = {
  call: ['connected', 'left_voicemail', 'no_answer', 'meeting_booked', 'wrong_number'],
  email: ['sent', 'replied', 'bounced'],
  meeting: ['held', 'no_show', 'rescheduled', 'opportunity_created'],
  note: [],
};

/** Log a call, email or meeting (or a note) on a lead; it lands on the timeline and stops the SLA clock. */
export function LogActivity({ lead }: { lead: Lead }) {
  const queryClient = useQueryClient();
  const notify = useNotify();
  const [type, setType] = useState<(typeof TYPES)[number]['value']>('call');
  const [outcome, setOutcome] = useState('');
  const [notes, setNotes] = useState('');
  const [occurredAt, setOccurredAt] = useState('');
  const log = useMutation({
    mutationFn: () =>
      api<Activity>('/activities', {
        method: 'POST',
        body: {
          lead_id: lead.id,
          type,
          ...(outcome.trim() ? { outcome: outcome.trim() } : {}),
          ...(notes.trim() ? { notes: notes.trim() } : {}),
          ...(occurredAt ? { occurred_at: new Date(occurredAt).toISOString() } : {}),
        },
      }),
    onSuccess: (activity) => {
      void queryClient.invalidateQueries({ queryKey: ['lead', lead.id] });
      notify(`Logged the ${activity.type}`);
      setOutcome('');
      setNotes('');
      setOccurredAt('');
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    log.mutate();
  }
  return (
    <section className="card" aria-labelledby="log-title">
      <h2 id="log-title">Log an activity</h2>
      <form onSubmit={submit} className="stack">
        <fieldset className="segmented">
          <legend className="visually-hidden">Activity type</legend>
          {TYPES.map((option) => (
            <button
              key={option.value}
              type="button"
              aria-pressed={type === option.value}
              onClick={() => {
                setType(option.value);
                setOutcome('');
              }}
            >
              {option.label}
            </button>
          ))}
        </fieldset>
        {OUTCOMES[type]?.length ? (
          <SelectField
            label="Outcome"
            placeholder="Choose an outcome"
            value={outcome}
            onChange={(event) => setOutcome(event.target.value)}
            options={(OUTCOMES[type] ?? []).map((value) => ({ value, label: value.replaceAll('_', ' ') }))}
          />
        ) : null}
        <TextAreaField
          label="Notes"
          rows={3}
          maxLength={20_000}
          value={notes}
          onChange={(event) => setNotes(event.target.value)}
        />
        <TextField
          label="When (leave empty for now)"
          type="datetime-local"
          value={occurredAt}
          onChange={(event) => setOccurredAt(event.target.value)}
        />
        {log.isError ? <FormError error={log.error} /> : null}
        <div>
          <button type="submit" className="btn btn-primary" disabled={log.isPending}>
            Log {TYPES.find((option) => option.value === type)?.label.toLowerCase()}
          </button>
        </div>
      </form>
    </section>
  );
}
