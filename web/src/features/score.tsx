import { useQuery } from '@tanstack/react-query';
import { api } from '../api/client.ts';
import type { Lead, ScoreExplanation } from '../api/types.ts';
import { TemperatureBadge } from '../components/Badges.tsx';
import { ErrorState, LoadingState } from '../components/States.tsx';
import { formatDateTime, formatNumber, titleCase } from '../lib/format.ts';

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
