import type { ReactNode } from 'react';
import { Link } from 'react-router';

export interface KpiTrend {
  /** Change against the previous period, as a fraction (0.12 = +12%) or in points. */
  text: string;
  direction: 'up' | 'down' | 'flat';
  /** Whether up is good for this figure (response time: down is good). */
  good: boolean;
}

/** One headline number; with `to`, the number links to the records behind it. */
export function KpiTile({
  label,
  value,
  to,
  trend,
  detail,
}: {
  label: string;
  value: ReactNode;
  to?: string;
  trend?: KpiTrend;
  detail?: ReactNode;
}) {
  return (
    <div className="kpi">
      <div className="kpi-label">{label}</div>
      <div className="kpi-value">
        {to ? (
          <Link to={to} title={`See the records behind ${label}`}>
            {value}
          </Link>
        ) : (
          value
        )}
      </div>
      {trend ? (
        <div className={`kpi-trend ${trend.direction === 'flat' ? 'flat' : trend.good ? 'good' : 'bad'}`}>
          <span aria-hidden="true">
            {trend.direction === 'up' ? '▲' : trend.direction === 'down' ? '▼' : '■'}
          </span>{' '}
          {trend.text}
        </div>
      ) : null}
      {detail ? <div className="kpi-detail muted small">{detail}</div> : null}
    </div>
  );
}
