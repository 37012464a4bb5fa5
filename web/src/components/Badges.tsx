import type { Stage, Temperature } from '../api/types.ts';
import { STAGE_LABELS } from '../api/types.ts';

export function StageBadge({ stage }: { stage: Stage }) {
  return <span className={`badge badge-stage badge-${stage}`}>{STAGE_LABELS[stage]}</span>;
}

const TEMPERATURE_LABELS: Record<Temperature, string> = { cold: 'Cold', warm: 'Warm', hot: 'Hot' };

export function TemperatureBadge({ temperature }: { temperature: Temperature }) {
  return (
    <span className={`badge badge-temp badge-${temperature}`}>
      <span aria-hidden="true" className="temp-dot" />
      {TEMPERATURE_LABELS[temperature]}
    </span>
  );
}

export function StatusBadge({
  tone,
  children,
}: {
  tone: 'good' | 'warn' | 'bad' | 'neutral';
  children: string;
}) {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}
