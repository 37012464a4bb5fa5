import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, type Page } from '../api/client.ts';
import { useUserNames } from '../api/hooks.ts';
import type { Insight, InsightType, Lead } from '../api/types.ts';
import { INSIGHT_TYPES } from '../api/types.ts';
import { SelectField, TextAreaField, TextField } from '../components/Form.tsx';
import { useNotify } from '../components/Notice.tsx';
import { FormError } from '../components/States.tsx';
import { formatDate, titleCase } from '../lib/format.ts';

export const INSIGHT_LABELS: Record<InsightType, string> = {
  need: 'Need',
  objection: 'Objection',
  competitor_mention: 'Competitor mention',
  feature_request: 'Feature request',
  pricing_feedback: 'Pricing feedback',
};

/** What the customer said, recorded on the lead for marketing to read. */
export function LeadInsights({ lead, canAdd }: { lead: Lead; canAdd: boolean }) {
  const queryClient = useQueryClient();
  const notify = useNotify();
  const userNames = useUserNames();
  const [type, setType] = useState<InsightType>('need');
  const [body, setBody] = useState('');
  const [competitor, setCompetitor] = useState('');
  const insights = useQuery({
    queryKey: ['lead', lead.id, 'insights'],
    queryFn: async () =>
      (await api<Page<Insight>>('/insights', { query: { lead_id: lead.id, limit: 50 } })).items,
  });
  const add = useMutation({
    mutationFn: () =>
      api<Insight>('/insights', {
        method: 'POST',
        body: {
          type,
          body: body.trim(),
          lead_id: lead.id,
          ...(type === 'competitor_mention' ? { competitor: competitor.trim() } : {}),
        },
      }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['lead', lead.id, 'insights'] });
      void queryClient.invalidateQueries({ queryKey: ['insights'] });
      notify('Recorded the insight');
      setBody('');
      setCompetitor('');
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    add.mutate();
  }
  return (
    <section className="card" aria-labelledby="insights-title">
      <h2 id="insights-title">Customer insights</h2>
      {insights.data && insights.data.length > 0 ? (
        <ul className="plain-list insight-list">
          {insights.data.map((insight) => (
            <li key={insight.id}>
              <span className="badge badge-neutral">{INSIGHT_LABELS[insight.type]}</span>
              {insight.competitor ? <strong> {insight.competitor}</strong> : null}
              <p>{insight.body}</p>
              <span className="muted small">
                {formatDate(insight.occurred_at)}
                {insight.created_by !== null
                  ? ` · ${userNames.get(insight.created_by) ?? `User ${insight.created_by}`}`
                  : ''}
              </span>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted small">Nothing recorded yet.</p>
      )}
      {canAdd ? (
        <form onSubmit={submit} className="stack insight-form" aria-label="Add a customer insight">
          <SelectField
            label="Kind of insight"
            value={type}
            onChange={(event) => setType(event.target.value as InsightType)}
            options={INSIGHT_TYPES.map((value) => ({
              value,
              label: INSIGHT_LABELS[value] ?? titleCase(value),
            }))}
          />
          {type === 'competitor_mention' ? (
            <TextField
              label="Competitor"
              required
              value={competitor}
              onChange={(event) => setCompetitor(event.target.value)}
            />
          ) : null}
          <TextAreaField
            label="What the customer said"
            required
            rows={2}
            maxLength={5000}
            value={body}
            onChange={(event) => setBody(event.target.value)}
          />
          {add.isError ? <FormError error={add.error} /> : null}
          <div>
            <button type="submit" className="btn" disabled={add.isPending || !body.trim()}>
              Add insight
            </button>
          </div>
        </form>
      ) : null}
    </section>
  );
}
