import { useQuery } from '@tanstack/react-query';
import { api, type Page } from '../api/client.ts';
import type { SlaEvent } from '../api/types.ts';
import { formatDateTime, formatDuration, titleCase } from '../lib/format.ts';
import { useNow } from '../lib/useNow.ts';

const TONE: Record<string, string> = {
  accept_warning: 'badge-warn',
  activity_warning: 'badge-warn',
  attempts_warning: 'badge-warn',
  accept_breach: 'badge-bad',
  activity_breach: 'badge-bad',
  attempts_breach: 'badge-bad',
  escalation: 'badge-bad',
};

/** The SLA events of one lead: warnings with the time left, breaches, escalations, reassignment. */
export function LeadSla({ leadId }: { leadId: number }) {
  const now = useNow(15_000);
  const events = useQuery({
    queryKey: ['lead', leadId, 'sla-events'],
    queryFn: async () =>
      (await api<Page<SlaEvent>>('/sla/events', { query: { lead_id: leadId, limit: 20 } })).items,
  });
  if (!events.data || events.data.length === 0) return null;
  return (
    <section className="card" aria-labelledby="sla-title">
      <h2 id="sla-title">Follow-up SLA</h2>
      <ul className="plain-list">
        {events.data.map((event) => {
          const left = new Date(event.deadline_at).getTime() - now;
          const warning = event.kind.endsWith('_warning');
          return (
            <li key={event.id} className="small">
              <span className={`badge ${TONE[event.kind] ?? 'badge-neutral'}`}>{titleCase(event.kind)}</span>{' '}
              {warning && left > 0 ? (
                <strong className={left < 15 * 60_000 ? 'countdown-overdue' : 'countdown-soon'}>
                  {formatDuration(left)} left
                </strong>
              ) : null}
              <div className="muted">
                Deadline {formatDateTime(event.deadline_at)} · {formatDateTime(event.occurred_at)}
              </div>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
