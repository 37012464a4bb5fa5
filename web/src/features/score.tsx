import { useQuery } from '@tanstack/react-query';
import { api } from '../api/client.ts';
import type { Lead, ScoreExplanation, ScoringJob } from '../api/types.ts';
import { TemperatureBadge } from '../components/Badges.tsx';
import { ProgressBar } from '../components/ProgressBar.tsx';
import { ErrorState, LoadingState } from '../components/States.tsx';
import { formatDateTime, formatNumber, formatPercent, titleCase } from '../lib/format.ts';

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'empty';
  if (Array.isArray(value)) return value.join(', ');
  if (typeof value === 'object') {
    const range = value as { min?: number; max?: number };
    return [
      range.min !== undefined ? `≥ ${range.min}` : null,
      range.max !== undefined ? `≤ ${range.max}` : null,
    ]
      .filter(Boolean)
      .join(' and ');
  }
  return String(value);
}

function points(value: number): string {
  return value > 0 ? `+${formatNumber(value)}` : formatNumber(value);
}

/** The score with every rule that made it, as the scoring engine explains it. */
export function ScoreCard({ lead }: { lead: Lead }) {
  const explanation = useQuery({
    queryKey: ['lead', lead.id, 'score'],
    queryFn: () => api<ScoreExplanation>(`/leads/${lead.id}/score`),
  });
  const data = explanation.data;
  return (
    <section className="card" aria-labelledby="score-title">
      <h2 id="score-title">Score</h2>
      <div className="score-total">
        <span className="score-number">{data?.stored.score ?? lead.score}</span>
        <TemperatureBadge temperature={data?.stored.temperature ?? lead.temperature} />
        {data ? (
          <span className="muted small">
            MQL at {data.thresholds.mql} · warm {data.thresholds.warm} · hot {data.thresholds.hot}
          </span>
        ) : null}
      </div>
      {explanation.isPending ? (
        <LoadingState label="Explaining the score" />
      ) : explanation.isError ? (
        <ErrorState error={explanation.error} title="Could not explain the score" />
      ) : data ? (
        <div className="score-explanation">
          <h3>
            Fit (who they are) <span className="score-part">{points(data.fit_score)}</span>
          </h3>
          {data.fit_rules.length === 0 ? (
            <p className="muted small">No fit rule matched.</p>
          ) : (
            <ul className="rule-list">
              {data.fit_rules.map((rule) => (
                <li key={rule.rule_id}>
                  <span className={rule.points > 0 ? 'text-good' : 'text-bad'}>{points(rule.points)}</span>{' '}
                  <span>{rule.name}</span>
                  <span className="muted small">
                    {' '}
                    {rule.field} {titleCase(rule.operator).toLowerCase()} {describeValue(rule.value)} (is{' '}
                    {describeValue(rule.actual)})
                  </span>
                </li>
              ))}
            </ul>
          )}
          <h3>
            Engagement (what they did) <span className="score-part">{points(data.engagement_score)}</span>
          </h3>
          {data.engagement_rules.length === 0 ? (
            <p className="muted small">No engagement rule matched.</p>
          ) : (
            <ul className="rule-list">
              {data.engagement_rules.map((rule) => (
                <li key={rule.rule_id}>
                  <span className={rule.points > 0 ? 'text-good' : 'text-bad'}>{points(rule.points)}</span>{' '}
                  <span>{rule.name}</span>
                  <span className="muted small">
                    {' '}
                    {rule.touchpoints.length} touchpoint{rule.touchpoints.length === 1 ? '' : 's'}
                    {rule.capped_periods.length > 0
                      ? `, capped (${formatNumber(Math.round(rule.uncapped_points))} before the cap)`
                      : ''}
                  </span>
                </li>
              ))}
            </ul>
          )}
          {data.qualification.required_fields.length > 0 ? (
            <p className={`small ${data.qualification.satisfied ? 'muted' : 'text-warn'}`}>
              {data.qualification.satisfied
                ? 'Every qualification field is known.'
                : `Missing before hand-off: ${data.qualification.missing_fields.join(', ')}.`}
            </p>
          ) : null}
          <p className="muted small">
            Model version {data.model_version}, computed {formatDateTime(data.computed_at)}.
            {data.stored.score !== data.score
              ? ` A rescore is pending (stored score ${data.stored.score}).`
              : ''}
          </p>
        </div>
      ) : null}
    </section>
  );
}

/** A rescoring job's progress, polled until it ends. */
export function JobProgress({ jobId }: { jobId: number }) {
  const job = useQuery({
    queryKey: ['scoring-job', jobId],
    queryFn: () => api<ScoringJob>(`/scoring/jobs/${jobId}`),
    refetchInterval: (query) =>
      query.state.data && ['completed', 'failed', 'superseded'].includes(query.state.data.status)
        ? false
        : 1000,
  });
  if (!job.data) return null;
  const data = job.data;
  return (
    <div className="card job" role="status">
      <strong>
        Rescoring with version {data.model_version}: {titleCase(data.status)}
      </strong>
      <ProgressBar label="Rescoring progress" fraction={data.progress} />
      <span className="small muted">
        {formatNumber(data.processed)} of {formatNumber(data.total)} leads ({formatPercent(data.progress, 0)})
        · {formatNumber(data.changed)} changed · {formatNumber(data.handed_off)} handed off ·{' '}
        {formatNumber(data.needs_qualification)} need qualification
        {data.error ? ` · ${data.error}` : ''}
      </span>
    </div>
  );
}
